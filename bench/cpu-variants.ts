// Experiment helper (not part of `bun run bench`): gateway CPU per request for config variants, measured
// alternately in rounds so host load hits each variant alike. `bun bench/cpu-variants.ts`.
// Variants: observability off, metrics only, request log only, both (VARIANTS=off,both picks some);
// ROUNDS (default 3) and SECONDS (default 3) per measurement; main thread and all threads per request.
// PROFILE_DIR: run the gateways under `bun --cpu-prof-md` and write their profiles there.

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BENCH_KEY, BENCH_MODEL, gatewayYaml } from './gateway-config.ts';
import { cpuPerRequest, cpuSample } from './proc-stats.ts';
import { median } from './report.ts';
import { freePort, installExitHandlers, killAll, readPort, spawnChild, waitHealthy, type Child } from './procs.ts';
import { runWrk, writeLua } from './wrk.ts';


const ALL = [
  { name: 'off', metrics: false, log: false },
  { name: 'metrics', metrics: true, log: false },
  { name: 'log', metrics: false, log: true },
  { name: 'both', metrics: true, log: true },
];
const only = process.env.VARIANTS?.split(',');
const VARIANTS = only ? ALL.filter((v) => only.includes(v.name)) : ALL;

installExitHandlers();
const root = mkdtempSync(join(tmpdir(), 'switchyard-cpu-'));
const upstream = spawnChild([process.execPath, 'bench/fake-upstream.ts'], {});
const upstreamPort = await readPort(upstream, 'fake upstream');
const gws: Array<{ name: string; url: string; child: Child; main: number[]; all: number[] }> = [];
const profileDir = process.env.PROFILE_DIR;
for (const v of VARIANTS) {
  const dir = join(root, v.name);
  mkdirSync(dir, { recursive: true });
  let yaml = gatewayYaml({ upstreamPort, dir, ledger: 'on', observe: true });
  if (!v.metrics) yaml = yaml.replace(/metrics: \{[^}]*\}/, 'metrics: { enabled: false }');
  if (!v.log) yaml = yaml.replace('request_log: true', 'request_log: false');
  writeFileSync(join(dir, 'gateway.yaml'), yaml);
  const port = freePort();
  const child = spawnChild([process.execPath, ...(profileDir ? ['--cpu-prof', '--cpu-prof-md', `--cpu-prof-dir=${profileDir}`, `--cpu-prof-name=gateway-${v.name}`] : []), 'src/cli.ts', 'start', '--config', join(dir, 'gateway.yaml'), '--port', String(port)], { SWITCHYARD_LOG: v.log ? 'info' : 'silent' });
  void (async () => { for await (const _ of child.proc.stdout) { /* discard */ } })().catch(() => {});
  await waitHealthy(`http://127.0.0.1:${port}/health`, child, v.name);
  gws.push({ name: v.name, url: `http://127.0.0.1:${port}/v1/chat/completions`, child, main: [], all: [] });
}
const body = JSON.stringify({ model: BENCH_MODEL, messages: [{ role: 'user', content: 'Say hello in one short sentence.' }], max_tokens: 16 });
const lua = await writeLua(join(root, 'post.lua'), body, { 'content-type': 'application/json', authorization: `Bearer ${BENCH_KEY}` });
const rounds = Number(process.env.ROUNDS ?? 3);
for (const g of gws) await runWrk(g.url, lua, { connections: 32, threads: 1, seconds: 1 });
for (let r = 0; r < rounds; r++) {
  for (const g of r % 2 ? [...gws].reverse() : gws) {
    const before = cpuSample(g.child.proc.pid);
    const res = await runWrk(g.url, lua, { connections: 32, threads: 1, seconds: Number(process.env.SECONDS ?? 3) });
    const cpu = cpuPerRequest(before, cpuSample(g.child.proc.pid), res.requests);
    g.main.push(cpu.mainUs ?? NaN);
    g.all.push(cpu.allUs ?? NaN);
  }
}
for (const g of gws) {
  console.log(`${g.name.padEnd(8)} CPU µs/request median: main ${median(g.main).toFixed(1)}, all threads ${median(g.all).toFixed(1)}  (all per round: ${g.all.map((s) => s.toFixed(1)).join(', ')})`);
}
// SIGTERM first so profiles (PROFILE_DIR) are written.
for (const g of gws) g.child.proc.kill('SIGTERM');
await Promise.all(gws.map((g) => g.child.proc.exited));
killAll();
rmSync(root, { recursive: true, force: true });
process.exit(0);
