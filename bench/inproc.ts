// Experiment helper (not part of `bun run bench`): the pipeline's own main-thread CPU per request, in
// process and without the HTTP server: `handleApiRequest` called directly against the fake upstream,
// next to the floor's fetch + text() + JSON.parse + one-header Response, alternating in rounds.
// BENCH_STAGE: auth | limits | budget | ledger (default ledger); N per round (10,000), CONC (64), ROUNDS (5).
// BENCH_A: another checkout (e.g. a `git archive` of main) loaded into the same process as variant "A",
// so a change is measured against its base in alternating rounds (VARIANTS picks some: floor,A,gateway).

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { stageLayers } from './gateway-config.ts';
import { type Call, type InProcessGateway, floorCall, runConcurrent, startInProcess } from './inproc-harness.ts';
import { installExitHandlers, killAll, readPort, spawnChild } from './procs.ts';
import { median } from './report.ts';

const stage = process.env.BENCH_STAGE ?? 'ledger';
const layers = stageLayers(stage);
const N = Number(process.env.N ?? 10_000);
const CONC = Number(process.env.CONC ?? 64);
const ROUNDS = Number(process.env.ROUNDS ?? 5);

installExitHandlers();
const dir = mkdtempSync(join(tmpdir(), 'switchyard-inproc-'));
const upstream = spawnChild([process.execPath, 'bench/fake-upstream.ts'], {});
const upstreamPort = await readPort(upstream, 'fake upstream');
if (!layers.ledgerFile) process.env.SWITCHYARD_LEDGER_THREAD = 'discard';
const checkouts: Record<string, InProcessGateway> = { gateway: await load(resolve(import.meta.dir, '..'), 'B') };
if (process.env.BENCH_A) checkouts.A = await load(resolve(process.env.BENCH_A), 'A');
async function load(root: string, name: string): Promise<InProcessGateway> {
  return startInProcess(root, join(dir, name), upstreamPort, layers);
}

const mainMs = () => {
  const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(f[11]) + Number(f[12])) * 1000) / 100;
};
const allMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

const allVariants: Record<string, Call> = { floor: floorCall(upstreamPort) };
for (const [name, c] of Object.entries(checkouts)) allVariants[name] = c.chat;

const only = process.env.VARIANTS?.split(',');
const variants = Object.fromEntries(Object.entries(allVariants).filter(([k]) => !only || only.includes(k)));
const run = (fn: Call, n: number) => runConcurrent(fn, n, CONC);
for (const fn of Object.values(variants)) await run(fn, 2000);
const res: Record<string, { main: number[]; all: number[] }> = {};
for (let r = 0; r < ROUNDS; r++) {
  for (const [name, fn] of Object.entries(variants)) {
    const m0 = mainMs(), a0 = allMs();
    await run(fn, N);
    (res[name] ??= { main: [], all: [] }).main.push(((mainMs() - m0) * 1000) / N);
    res[name].all.push(((allMs() - a0) * 1000) / N);
  }
}
for (const [name, r] of Object.entries(res)) console.log(`${name}: main ${median(r.main).toFixed(1)} µs/req, all ${median(r.all).toFixed(1)} (main per round ${r.main.map((x) => x.toFixed(0)).join(' ')})`);
if (res.gateway && res.floor) console.log(`gateway − floor (stage ${stage}): main ${median(res.gateway.main.map((g, i) => g - res.floor!.main[i]!)).toFixed(1)} µs/req`);
if (res.gateway && res.A) console.log(`gateway / A (stage ${stage}): main ${median(res.gateway.main.map((g, i) => g / res.A!.main[i]!)).toFixed(3)}, all ${median(res.gateway.all.map((g, i) => g / res.A!.all[i]!)).toFixed(3)}`);
for (const c of Object.values(checkouts)) await c.stop();
killAll();
rmSync(dir, { recursive: true, force: true });
process.exit(0);
