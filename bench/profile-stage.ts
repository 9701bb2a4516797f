// Experiment helper (not part of `bun run bench`): one gateway at a stage's layers under `bun --cpu-prof-md`,
// loaded by wrk (64 connections) for SECONDS; writes the profile to PROFILE_DIR (default ./profile).
// BENCH_STAGE: auth | budget | ledger | observe (default ledger). Read the markdown's "self time" table.

import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { BENCH_KEY, BENCH_MODEL, stageYaml, stageLayers } from './gateway-config.ts';
import { cpuPerRequest, cpuSample, threadCpu } from './proc-stats.ts';
import { freePort, installExitHandlers, killAll, readPort, spawnChild, waitHealthy } from './procs.ts';
import { runWrk, writeLua } from './wrk.ts';

const stage = process.env.BENCH_STAGE ?? 'ledger';
const layers = stageLayers(stage);
const seconds = Number(process.env.SECONDS ?? 5);
const profileDir = resolve(process.env.PROFILE_DIR ?? 'profile');

installExitHandlers();
const root = mkdtempSync(join(tmpdir(), 'switchyard-profile-'));
const upstream = spawnChild([process.execPath, 'bench/fake-upstream.ts'], {});
const upstreamPort = await readPort(upstream, 'fake upstream');
await Bun.write(join(root, 'gateway.yaml'), stageYaml({ upstreamPort, dir: root, ...layers }));
const port = freePort();
const prof = process.env.NO_PROFILE ? [] : ['--cpu-prof', '--cpu-prof-md', `--cpu-prof-dir=${profileDir}`, `--cpu-prof-name=gateway-${stage}`];
// SERVER=bench/bare-proxy.ts (or minimal-meter.ts, floor-ladder.ts with BENCH_LADDER): the same figures for a floor.
const server = process.env.SERVER;
const child = server
  ? spawnChild([process.execPath, ...prof, server], { BENCH_UPSTREAM: `http://127.0.0.1:${upstreamPort}`, BENCH_LEDGER_PATH: join(root, 'floor.db') })
  : spawnChild([process.execPath, ...prof, 'src/cli.ts', 'start', '--config', join(root, 'gateway.yaml'), '--port', String(port)], {
    SWITCHYARD_LOG: layers.observe ? 'info' : 'silent', ...(layers.ledgerFile ? {} : { SWITCHYARD_LEDGER_THREAD: 'discard' }),
  });
const servedPort = server ? await readPort(child, server) : port;
if (!server) {
  void (async () => { for await (const _ of child.proc.stdout) { /* discard */ } })().catch(() => {});
  await waitHealthy(`http://127.0.0.1:${port}/health`, child, '.');
}
const url = `http://127.0.0.1:${servedPort}/v1/chat/completions`;
// STREAM=1: streamed chat calls (the fake upstream's 24 events each).
const body = JSON.stringify({ model: BENCH_MODEL, messages: [{ role: 'user', content: 'Say hello in one short sentence.' }], max_tokens: 16, ...(process.env.STREAM === '1' && { stream: true }) });
const lua = await writeLua(join(root, 'post.lua'), body, { 'content-type': 'application/json', authorization: `Bearer ${BENCH_KEY}` });
await runWrk(url, lua, { connections: 64, threads: 1, seconds: Number(process.env.WARM ?? 2) }); // warm-up (WARM seconds)
const threadsBefore = threadCpu(child.proc.pid);
const before = cpuSample(child.proc.pid);
const w = await runWrk(url, lua, { connections: 64, threads: 1, seconds });
const cpu = cpuPerRequest(before, cpuSample(child.proc.pid), w.requests);
const threadsAfter = threadCpu(child.proc.pid);
console.log(`stage ${stage}: ${Math.round(w.rps)} req/s, main ${cpu.mainUs?.toFixed(1)} µs/req, all threads ${cpu.allUs?.toFixed(1)} µs/req`);
const byName = new Map<string, number>();
for (const [tid, t] of threadsAfter) byName.set(t.name, (byName.get(t.name) ?? 0) + t.ms - (threadsBefore.get(tid)?.ms ?? 0));
for (const [name, ms] of [...byName].sort((a, b) => b[1] - a[1])) if (ms > 0) console.log(`  thread ${name}: ${((ms * 1000) / w.requests).toFixed(1)} µs/req`);
child.proc.kill('SIGTERM');
await child.proc.exited;
killAll();
rmSync(root, { recursive: true, force: true });
mkdirSync(profileDir, { recursive: true });
process.exit(0);
