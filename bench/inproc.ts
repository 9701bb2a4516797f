// Experiment helper (not part of `bun run bench`): the pipeline's own main-thread CPU per request, in
// process and without the HTTP server: `handleApiRequest` called directly against the fake upstream,
// next to the floor's fetch + text() + JSON.parse + one-header Response, alternating in rounds.
// BENCH_STAGE: auth | limits | budget | ledger (default ledger); N per round (10,000), CONC (64), ROUNDS (5).
// BENCH_A: another checkout (e.g. a `git archive` of main) loaded into the same process as variant "A",
// so a change is measured against its base in alternating rounds (VARIANTS picks some: floor,A,gateway).

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BENCH_KEY, BENCH_MODEL, stageYaml, stageLayers } from './gateway-config.ts';
import { installExitHandlers, killAll, readPort, spawnChild } from './procs.ts';
import { median } from './report.ts';
import { resolve } from 'node:path';

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
type Checkout = { stop(): Promise<void>; handle(req: Request): Promise<Response> };
async function load(root: string, name: string): Promise<Checkout> {
  const { startGateway } = await import(join(root, 'src/gateway.ts'));
  const { handleApiRequest } = await import(join(root, 'src/http/handle-request.ts'));
  const { createLogger } = await import(join(root, 'src/log.ts'));
  const sub = join(dir, name);
  await Bun.write(join(sub, 'gateway.yaml'), stageYaml({ upstreamPort, dir: sub, ...layers }));
  const gw = await startGateway({ configPath: join(sub, 'gateway.yaml'), port: 0, watch: false, logger: createLogger('silent') });
  return { stop: () => gw.stop(), handle: (req) => handleApiRequest(gw.runtime, req, '127.0.0.1') };
}
const checkouts: Record<string, Checkout> = { gateway: await load(resolve(import.meta.dir, '..'), 'B') };
if (process.env.BENCH_A) checkouts.A = await load(resolve(process.env.BENCH_A), 'A');
const body = JSON.stringify({ model: BENCH_MODEL, messages: [{ role: 'user', content: 'Say hello in one short sentence.' }], max_tokens: 16 });
const headers = { 'content-type': 'application/json', authorization: `Bearer ${BENCH_KEY}`, 'content-length': String(Buffer.byteLength(body)) };
const upstreamUrl = `http://127.0.0.1:${upstreamPort}/v1/chat/completions`;

const mainMs = () => {
  const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(f[11]) + Number(f[12])) * 1000) / 100;
};
const allMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

const allVariants: Record<string, () => Promise<unknown>> = {
  floor: async () => {
    const req = new Request('http://gw/v1/chat/completions', { method: 'POST', headers, body });
    const parsed = await req.json();
    const r = await fetch(upstreamUrl, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer sk-upstream-bench' }, body: JSON.stringify(parsed) });
    const text = await r.text();
    JSON.parse(text);
    return new Response(text, { headers: { 'content-type': 'application/json' } }).text();
  },
};
for (const [name, c] of Object.entries(checkouts)) {
  allVariants[name] = async () => {
    const res = await c.handle(new Request('http://gw/v1/chat/completions', { method: 'POST', headers, body }));
    if (res.status !== 200) throw new Error(`status ${res.status}: ${await res.text()}`);
    return res.text();
  };
}

const only = process.env.VARIANTS?.split(',');
const variants = Object.fromEntries(Object.entries(allVariants).filter(([k]) => !only || only.includes(k)));
async function run(fn: () => Promise<unknown>, n: number): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: CONC }, async () => {
    while (next++ < n) await fn();
  }));
}
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
