// `bun bench/compare.ts`: CPU per request of two checkouts of the gateway, measured in alternating
// rounds so host load hits both alike (how each hot-path cut in bench/README.md was measured).
// BENCH_A / BENCH_B: checkout directories (default B = this one; A is required). BENCH_STAGE: which
// layers are on (a STAGE_LAYERS name in gateway-config.ts: auth, limits, budget, ledger, observe, redis; default ledger). ROUNDS (6), SECONDS (3).
// Prints main-thread and all-thread µs per request and req/s, medians, and B / A. BENCH_A_ENV / BENCH_B_ENV ("K=V,K=V"):
// extra environment for one side (BENCH_B may name the same checkout as BENCH_A, to A/B a runtime setting). Stage redis also prints
// redis-server's own CPU per request (`INFO cpu`, read around each wrk run: one redis-server serves both
// checkouts, one at a time) and its script calls per request (`INFO commandstats`).
// With the ledger on it also prints the ledger worker thread's µs per request (the threads named "Worker").
// RATE=n: instead of wrk at 64 connections (saturation), requests sent open loop at n req/s (bench/paced.ts):
// CPU per request away from saturation, where how many requests one event-loop turn serves matters less.
// BENCH_GET=<path> (e.g. /v1/models): wrk GETs that path instead of posting a chat call (not with RATE).
// BENCH_STREAM=1: the chat calls stream (the fake upstream's 24 events each; BENCH_CHUNKS sets its content chunks).

import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { Redis } from 'ioredis';
import { join, resolve } from 'node:path';
import { BENCH_KEY, BENCH_MODEL, stageYaml, stageLayers } from './gateway-config.ts';
import { cpuPerRequest, cpuSample, threadCpuMs } from './proc-stats.ts';
import { startRedis } from '../test/helpers/redis.ts';
import { freePort, installExitHandlers, killAll, onCleanup, readPort, spawnChild, waitHealthy } from './procs.ts';
import { paced } from './paced.ts';
import { median } from './report.ts';
import { scrapeMetrics } from './stages.ts';
import { runWrk, writeLua } from './wrk.ts';

const a = process.env.BENCH_A;
if (!a) {
  console.error('bench/compare.ts: set BENCH_A to the checkout to compare against (e.g. a `git archive` of main)');
  process.exit(2);
}
const checkouts = [resolve(a), resolve(process.env.BENCH_B ?? resolve(import.meta.dir, '..'))];
/** BENCH_A_ENV / BENCH_B_ENV: extra environment for that checkout's gateway ("K=V,K=V"), e.g. a runtime setting A/B'd on one checkout. */
const envOf = (spec: string | undefined): Record<string, string> =>
  Object.fromEntries((spec ?? '').split(',').filter(Boolean).map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));
const extraEnv = [envOf(process.env.BENCH_A_ENV), envOf(process.env.BENCH_B_ENV)];
const stage = process.env.BENCH_STAGE ?? 'ledger';
const layers = stageLayers(stage);
/** redis-server's CPU seconds so far (user + sys, all its threads) and script calls (EVAL + EVALSHA). */
async function redisCost(): Promise<{ cpuS: number; scriptCalls: number } | undefined> {
  if (!redisInfo) return undefined;
  const info = await redisInfo.info('everything').catch(() => '');
  const num = (re: RegExp) => Number(re.exec(info)?.[1] ?? 0);
  const cpuS = num(/used_cpu_user:([\d.]+)/) + num(/used_cpu_sys:([\d.]+)/);
  const scriptCalls = num(/cmdstat_evalsha:calls=(\d+)/) + num(/cmdstat_eval:calls=(\d+)/);
  return cpuS > 0 ? { cpuS, scriptCalls } : undefined;
}
const rounds = Number(process.env.ROUNDS ?? 6);
const seconds = Number(process.env.SECONDS ?? 3);
const rate = Number(process.env.RATE ?? 0);
const getPath = process.env.BENCH_GET;
const streamed = process.env.BENCH_STREAM === '1';
if (getPath && rate > 0) throw new Error('BENCH_GET and RATE cannot be combined');

installExitHandlers();
// redis: one redis-server for both checkouts (a temp dir, a free port; see test/helpers/redis.ts).
const redis = stage === 'redis' ? await startRedis() : undefined;
onCleanup(() => void redis?.close());
const redisInfo = redis ? new Redis(redis.url, { lazyConnect: false }) : undefined;
const root = mkdtempSync(join(tmpdir(), 'switchyard-compare-'));
const upstream = spawnChild([process.execPath, 'bench/fake-upstream.ts'], {});
const upstreamPort = await readPort(upstream, 'fake upstream');
const gws = [];
for (const [i, dir] of checkouts.entries()) {
  const d = join(root, String(i));
  mkdirSync(d);
  await Bun.write(join(d, 'gateway.yaml'), stageYaml({ upstreamPort, dir: d, ...layers, redis: redis?.url }));
  const port = freePort();
  const child = spawnChild([process.execPath, join(dir, 'src/cli.ts'), 'start', '--config', join(d, 'gateway.yaml'), '--port', String(port)], {
    SWITCHYARD_LOG: layers.observe ? 'info' : 'silent', ...(layers.ledgerFile ? {} : { SWITCHYARD_LEDGER_THREAD: 'discard' }), ...extraEnv[i],
  });
  void (async () => { for await (const _ of child.proc.stdout) { /* discard */ } })().catch(() => {});
  await waitHealthy(`http://127.0.0.1:${port}/health`, child, dir);
  gws.push({ dir, url: `http://127.0.0.1:${port}${getPath ?? '/v1/chat/completions'}`, child, main: [] as number[], all: [] as number[], worker: [] as number[], rps: [] as number[], redisUs: [] as number[], calls: [] as number[] });
}
// Observability on: /metrics scraped every 2 s, as in `bun run bench`.
const stopScraping = layers.observe ? scrapeMetrics(gws.map((g) => `${new URL(g.url).origin}/metrics`)) : () => {};
const body = JSON.stringify({ model: BENCH_MODEL, messages: [{ role: 'user', content: 'Say hello in one short sentence.' }], max_tokens: 16, ...(streamed && { stream: true }) });
const lua = getPath
  ? await writeLua(join(root, 'get.lua'), '', { authorization: `Bearer ${BENCH_KEY}` }, 'GET')
  : await writeLua(join(root, 'post.lua'), body, { 'content-type': 'application/json', authorization: `Bearer ${BENCH_KEY}` });
for (const g of gws) await runWrk(g.url, lua, { connections: 64, threads: 1, seconds: 3 });
for (let r = 0; r < rounds; r++) {
  for (const g of r % 2 ? [...gws].reverse() : gws) {
    const redisBefore = await redisCost();
    const before = cpuSample(g.child.proc.pid);
    const workerBefore = threadCpuMs(g.child.proc.pid, 'Worker');
    const w = rate > 0
      ? await paced(g.url, { headers: { 'content-type': 'application/json', authorization: `Bearer ${BENCH_KEY}` }, body }, { rate, seconds }).then((p) => ({ requests: p.ok, rps: p.rate }))
      : await runWrk(g.url, lua, { connections: 64, threads: 1, seconds });
    const cpu = cpuPerRequest(before, cpuSample(g.child.proc.pid), w.requests);
    g.worker.push(((threadCpuMs(g.child.proc.pid, 'Worker') - workerBefore) * 1000) / Math.max(1, w.requests));
    const redisAfter = await redisCost();
    if (redisBefore && redisAfter && w.requests > 0) {
      g.redisUs.push(((redisAfter.cpuS - redisBefore.cpuS) * 1e6) / w.requests);
      g.calls.push((redisAfter.scriptCalls - redisBefore.scriptCalls) / w.requests);
    }
    g.main.push(cpu.mainUs ?? NaN);
    g.all.push(cpu.allUs ?? NaN);
    g.rps.push(w.rps);
  }
}
stopScraping();
const [A, B] = gws;
for (const g of gws) {
  const workerPart = layers.ledgerFile ? `, ledger worker ${median(g.worker).toFixed(1)} µs/req` : '';
  const redisPart = g.redisUs.length ? `, redis-server ${median(g.redisUs).toFixed(1)} µs/req (${median(g.calls).toFixed(2)} script calls/req)` : '';
  console.log(`${g.dir}: main ${median(g.main).toFixed(1)} µs/req, all threads ${median(g.all).toFixed(1)} µs/req${redisPart}, ${Math.round(median(g.rps))} req/s${workerPart}  (main per round: ${g.main.map((x) => x.toFixed(0)).join(' ')})`);
}
const ratio = (x: number[], y: number[]) => median(x.map((v, i) => v / y[i]!));
const redisRatio = B!.redisUs.length ? `, redis-server ${ratio(B!.redisUs, A!.redisUs).toFixed(3)}` : '';
console.log(`B / A (stage ${stage}, ${rounds} rounds): main thread ${ratio(B!.main, A!.main).toFixed(3)}, all threads ${ratio(B!.all, A!.all).toFixed(3)}${redisRatio}, req/s ${ratio(B!.rps, A!.rps).toFixed(3)}`);
redisInfo?.disconnect();
await redis?.close();
killAll();
rmSync(root, { recursive: true, force: true });
process.exit(0);
