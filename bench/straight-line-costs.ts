// `bun bench/straight-line-costs.ts` (issue 13): where the gateway's CPU per request goes, at the ledger
// stage (auth, limits, budget, ledger). In alternating rounds under wrk (64 connections) it measures:
//   the bare proxy and the floor ladder's ledger rung (bench/floor-ladder.ts), for scale;
//   the gateway itself, and its pipeline called from raw Bun.serve without Elysia (bench/raw-pipeline.ts);
//   the gateway's straight line (bench/straight-line.ts): every check, none of the layers;
//   the straight line without each check in turn (BENCH_SKIP=<check>), and without all of them.
// CPU per request from /proc (all threads and the main thread). ROUNDS (4), SECONDS (3), VARIANTS
// (a comma list of the names below, to run fewer). Prints one markdown table; every bench command of this
// repository's README runs under `flock /tmp/bench.lock` so that only one measures at a time.

import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BENCH_KEY, BENCH_MODEL, stageLayers, stageYaml } from './gateway-config.ts';
import { cpuPerRequest, cpuSample } from './proc-stats.ts';
import { freePort, installExitHandlers, killAll, readPort, spawnChild, waitHealthy } from './procs.ts';
import { median } from './report.ts';
import { runWrk, writeLua } from './wrk.ts';

const CHECKS = ['body', 'validate', 'request', 'abort', 'decode', 'headers', 'ledger'];
const rounds = Number(process.env.ROUNDS ?? 4);
const seconds = Number(process.env.SECONDS ?? 3);
const only = process.env.VARIANTS?.split(',');

installExitHandlers();
const root = mkdtempSync(join(tmpdir(), 'switchyard-straight-'));
const upstream = spawnChild([process.execPath, 'bench/fake-upstream.ts'], {});
const upstreamPort = await readPort(upstream, 'fake upstream');
const upstreamUrl = `http://127.0.0.1:${upstreamPort}`;

interface Variant { name: string; url: string; pid: number; all: number[]; main: number[]; rps: number[]; failed: number }
const variants: Variant[] = [];
const want = (name: string) => !only || only.includes(name);

async function config(name: string): Promise<string> {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  const path = join(dir, 'gateway.yaml');
  await Bun.write(path, stageYaml({ upstreamPort, dir, ...stageLayers('ledger') }));
  return path;
}
async function server(name: string, script: string, env: Record<string, string>): Promise<void> {
  if (!want(name)) return;
  const child = spawnChild([process.execPath, script], { BENCH_UPSTREAM: upstreamUrl, ...env });
  const port = await readPort(child, name, 20_000);
  variants.push({ name, url: `http://127.0.0.1:${port}/v1/chat/completions`, pid: child.proc.pid, all: [], main: [], rps: [], failed: 0 });
}

await server('bare proxy', 'bench/bare-proxy.ts', {});
await server('floor ladder: ledger rung', 'bench/floor-ladder.ts', { BENCH_LADDER: 'ledger', BENCH_LEDGER_PATH: join(root, 'floor.db') });
if (want('gateway')) {
  const port = freePort();
  const child = spawnChild([process.execPath, 'src/cli.ts', 'start', '--config', await config('gateway'), '--port', String(port)], { SWITCHYARD_LOG: 'silent' });
  void (async () => { for await (const _ of child.proc.stdout) { /* discard */ } })().catch(() => {});
  await waitHealthy(`http://127.0.0.1:${port}/health`, child, 'gateway');
  variants.push({ name: 'gateway', url: `http://127.0.0.1:${port}/v1/chat/completions`, pid: child.proc.pid, all: [], main: [], rps: [], failed: 0 });
}
await server('pipeline without Elysia', 'bench/raw-pipeline.ts', { BENCH_CONFIG: await config('raw-pipeline') });
await server('straight line into serveModelCall', 'bench/straight-line.ts', { BENCH_CONFIG: await config('from-serve'), BENCH_FROM: 'serveModelCall' });
await server('straight line', 'bench/straight-line.ts', { BENCH_CONFIG: await config('straight') });
for (const check of CHECKS) await server(`straight line − ${check}`, 'bench/straight-line.ts', { BENCH_CONFIG: await config(`skip-${check}`), BENCH_SKIP: check });
await server('straight line − all seven', 'bench/straight-line.ts', { BENCH_CONFIG: await config('skip-all'), BENCH_SKIP: CHECKS.join(',') });

const body = JSON.stringify({ model: BENCH_MODEL, messages: [{ role: 'user', content: 'Say hello in one short sentence.' }], max_tokens: 16 });
const lua = await writeLua(join(root, 'post.lua'), body, { 'content-type': 'application/json', authorization: `Bearer ${BENCH_KEY}` });
for (const v of variants) await runWrk(v.url, lua, { connections: 64, threads: 1, seconds: 2 }); // warm-up
for (let r = 0; r < rounds; r++) {
  for (const v of r % 2 ? [...variants].reverse() : variants) {
    const before = cpuSample(v.pid);
    const w = await runWrk(v.url, lua, { connections: 64, threads: 1, seconds });
    const cpu = cpuPerRequest(before, cpuSample(v.pid), w.requests);
    v.all.push(cpu.allUs ?? NaN);
    v.main.push(cpu.mainUs ?? NaN);
    v.rps.push(w.rps);
    v.failed += w.non2xx + w.errors;
  }
}

const line = variants.find((v) => v.name === 'straight line');
const bare = variants.find((v) => v.name === 'bare proxy');
const fmt = (x: number | undefined, d = 1) => (x === undefined || Number.isNaN(x) ? '–' : x.toFixed(d));
console.log(`\nStage ledger (auth + limits + budget + ledger), ${rounds} alternating rounds of ${seconds} s, medians:\n`);
console.log('| variant | CPU µs/req (all threads) | × bare proxy | Δ vs straight line | main thread µs/req | req/s | failed |');
console.log('|---|---:|---:|---:|---:|---:|---:|');
for (const v of variants) {
  const all = median(v.all);
  const delta = line && v !== line ? all - median(line.all) : undefined;
  const ratio = bare ? all / median(bare.all) : undefined;
  console.log(`| ${v.name} | ${fmt(all)} | ${fmt(ratio, 2)} | ${delta === undefined ? '' : (delta > 0 ? '+' : '') + fmt(delta)} | ${fmt(median(v.main))} | ${Math.round(median(v.rps))} | ${v.failed} |`);
}
killAll();
rmSync(root, { recursive: true, force: true });
process.exit(0);
