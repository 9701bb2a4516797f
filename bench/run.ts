// `bun run bench`: what each layer of the gateway costs, in one run (issue 13). Targets, each its own
// process on 127.0.0.1: a fake OpenAI upstream (direct), a bare Bun fetch proxy, the minimal metering
// floor on raw Bun.serve and inside Elysia, the floor ladder (limits, budget, ledger in their cheapest form:
// bench/floor-ladder.ts), the gateway with its layers switched on in turn, and the
// full gateway on Redis (when redis-server is installed). Throughput and CPU per request (main thread
// and all threads, /proc) in alternating rounds; p50 at a fixed rate; time to first chunk; 5,000 slow
// streams for memory; `server.workers` 1 vs 2. Report (markdown) on stdout, progress on stderr.
// Knobs: see bench/README.md.

import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { redisServerPath, startRedis, type TestRedis } from '../test/helpers/redis.ts';
import { BENCH_KEY, BENCH_MODEL } from './gateway-config.ts';
import { readLedger } from './ledger-check.ts';
import { measureStreams, type MemoryResult } from './memory.ts';
import { paced } from './paced.ts';
import { cpuPerRequest, cpuSample } from './proc-stats.ts';
import { installExitHandlers, killAll, onCleanup, readPort, spawnChild } from './procs.ts';
import { goals, median, stageTable, type StageResult } from './report.ts';
import { type Stage, type StageId, scrapeMetrics, startStages } from './stages.ts';
import { ttfc } from './ttfc.ts';
import { runWrk, wrkAvailable, wrkMissingMessage, writeLua } from './wrk.ts';

const env = process.env;
const num = (name: string, fallback: number) => {
  const v = Number(env[name] ?? fallback);
  if (!Number.isFinite(v) || v < 0) throw new Error(`bench: ${name} must be a non-negative number`);
  return v;
};
const rounds = num('BENCH_ROUNDS', 3);
const seconds = num('BENCH_SECONDS', 3);
const pacedSeconds = num('BENCH_PACED_SECONDS', 5);
const rate = num('BENCH_RATE', 500);
const connections = num('BENCH_CONNECTIONS', 64);
const wrkThreads = num('BENCH_WRK_THREADS', 1);
const streams = num('BENCH_STREAMS', 200);
const memoryStreams = num('BENCH_MEMORY_STREAMS', 5000);
const workerCounts = (env.BENCH_WORKERS ?? '1,2').split(',').filter(Boolean);
const only = env.BENCH_ONLY ? new Set(env.BENCH_ONLY.split(',')) : undefined;
const profileDir = env.BENCH_PROFILE_DIR ? resolve(env.BENCH_PROFILE_DIR) : undefined;
const maxSeconds = num('BENCH_MAX_SECONDS', 600);

const message = { model: BENCH_MODEL, messages: [{ role: 'user', content: 'Say hello in one short sentence.' }], max_tokens: 16 };
const body = JSON.stringify(message);
const streamBody = JSON.stringify({ ...message, stream: true });
const headers = { 'content-type': 'application/json', authorization: `Bearer ${BENCH_KEY}` };
const t0 = performance.now();
const log = (msg: string) => console.error(`[bench ${((performance.now() - t0) / 1000).toFixed(1)}s] ${msg}`);
/** Stages that also get the fixed-rate and first-chunk runs (the rest only throughput + CPU). */
const LATENCY: StageId[] = ['direct', 'proxy', 'floor', 'floor-ledger', 'ledger', 'observe', 'redis'];
const FIRST_CHUNK: StageId[] = ['direct', 'proxy', 'ledger', 'observe'];

async function verify(s: Stage): Promise<void> {
  const res = await fetch(s.url, { method: 'POST', headers, body });
  const text = await res.text();
  if (res.status !== 200 || !text.includes('"chat.completion"')) throw new Error(`${s.label} answered HTTP ${res.status}: ${text.slice(0, 500)}`);
}

/** `bench/workers.ts` as a child: its `workers=N req/s=...` lines, with the 2-vs-1 ratio. */
async function workers(): Promise<string[]> {
  if (!workerCounts.length || !redisServerPath()) return workerCounts.length ? ['server.workers: skipped (redis-server is not installed; workers > 1 need storage.redis)'] : [];
  const child = spawnChild([process.execPath, 'bench/workers.ts'], { BENCH_WORKERS: workerCounts.join(','), BENCH_SECONDS: String(Math.max(seconds * 2, 4)), BENCH_CONNECTIONS: String(connections) });
  const out = await new Response(child.proc.stdout).text();
  const code = await child.proc.exited;
  if (code !== 0) return [`server.workers: the workers bench failed (exit ${code}): ${child.stderr().slice(-300)}`];
  const lines = out.split('\n').filter((l) => l.startsWith('workers='));
  const rps = lines.map((l) => Number(/req\/s=(\d+)/.exec(l)?.[1]));
  const summary = lines.map((l) => `server.${l.split('  ').slice(0, 3).join(', ')}`);
  if (rps.length >= 2) summary.push(`server.workers ${workerCounts.at(-1)} / ${workerCounts[0]} throughput = ${((100 * rps.at(-1)!) / rps[0]!).toFixed(1)}% (reported; wrk, the upstream and the workers share ${availableParallelism()} cores)`);
  return summary;
}

async function main(): Promise<void> {
  installExitHandlers();
  const watchdog = setTimeout(() => {
    console.error(`bench: still running after ${maxSeconds} s; stopping (BENCH_MAX_SECONDS)`);
    killAll();
    process.exit(1);
  }, maxSeconds * 1000);
  watchdog.unref();
  if (!(await wrkAvailable())) {
    console.error(wrkMissingMessage());
    process.exit(1);
  }
  const root = mkdtempSync(join(tmpdir(), 'switchyard-bench-'));
  onCleanup(() => rmSync(root, { recursive: true, force: true }));
  if (profileDir) mkdirSync(profileDir, { recursive: true });
  const loadAtStart = loadavg().map((l) => l.toFixed(2)).join(' ');
  log(`bun ${Bun.version}, ${availableParallelism()} cores, load average ${loadAtStart}`);

  let redis: TestRedis | undefined;
  if (redisServerPath() && (!only || only.has('redis'))) redis = await startRedis();
  onCleanup(() => void redis?.close());
  const upstream = spawnChild([process.execPath, 'bench/fake-upstream.ts'], {});
  const upstreamPort = await readPort(upstream, 'fake upstream');
  const direct: Stage = { id: 'direct', label: 'direct upstream', url: `http://127.0.0.1:${upstreamPort}/v1/chat/completions`, child: upstream };
  const started = [direct, ...(await startStages(upstreamPort, root, redis?.url, profileDir, only))];
  const stages = only ? started.filter((s) => s.id === 'proxy' || s.id === 'direct' || only.has(s.id)) : started;
  for (const s of stages) await verify(s);
  const stopScraping = scrapeMetrics(stages.flatMap((s) => (s.metricsUrl ? [s.metricsUrl] : [])));
  const results = new Map<Stage, StageResult>(stages.map((s) => [s, { id: s.id, label: s.label, rps: [], allUs: [], mainUs: [], wrkP50Ms: [], errors: 0 }]));
  const answered = new Map<Stage, number>(stages.map((s) => [s, 1]));

  const lua = await writeLua(join(root, 'post.lua'), body, headers);
  for (const s of stages) answered.set(s, answered.get(s)! + (await runWrk(s.url, lua, { connections, threads: wrkThreads, seconds: 1 })).requests);
  for (let r = 1; r <= rounds; r++) {
    log(`round ${r}/${rounds}: ${stages.length} targets × ${seconds} s at ${connections} connections`);
    for (const s of stages) {
      const pid = s.child!.proc.pid;
      const before = cpuSample(pid);
      const w = await runWrk(s.url, lua, { connections, threads: wrkThreads, seconds });
      const cpu = cpuPerRequest(before, cpuSample(pid), w.requests);
      const res = results.get(s)!;
      res.rps.push(w.rps);
      res.wrkP50Ms.push(w.p50Ms);
      if (cpu.allUs !== undefined) res.allUs.push(cpu.allUs);
      if (cpu.mainUs !== undefined) res.mainUs.push(cpu.mainUs);
      res.errors += w.errors + w.non2xx;
      answered.set(s, answered.get(s)! + w.requests);
    }
  }
  for (const s of stages.filter((x) => LATENCY.includes(x.id))) {
    log(`latency: ${s.label} (${rate} req/s for ${pacedSeconds} s)`);
    const p = await paced(s.url, { headers, body }, { rate, seconds: pacedSeconds });
    results.get(s)!.paced = p;
    answered.set(s, answered.get(s)! + p.ok);
  }
  for (const s of stages.filter((x) => FIRST_CHUNK.includes(x.id))) {
    log(`streams: ${s.label} (${streams} sequential)`);
    const t = await ttfc(s.url, { headers, body: streamBody }, streams);
    results.get(s)!.ttfc = t;
    answered.set(s, answered.get(s)! + t.n - t.failed);
  }
  stopScraping();
  // redis-server's own CPU per script call (its commandstats), to price the Redis stage's other half.
  const redisStats = redis ? parseCommandStats(await redis.command('INFO', 'commandstats').catch(() => '')) : undefined;
  log('stopping the targets (gateways: graceful drain + flush)');
  await Promise.all(stages.map((s) => s.child!.stop('SIGTERM', 10_000)));
  await Promise.all(started.filter((s) => !stages.includes(s)).map((s) => s.child!.stop('SIGTERM', 10_000)));

  let memory: MemoryResult | undefined;
  if (memoryStreams > 0 && !only) memory = await measureStreams(root, memoryStreams, log);
  const workerLines = only ? [] : (log('server.workers (bench/workers.ts)'), await workers());
  clearTimeout(watchdog);

  const rows = stages.map((s) => results.get(s)!);
  console.log(`\n## Switchyard per-stage bench (${new Date().toISOString()})\n`);
  console.log(`bun ${Bun.version} · ${availableParallelism()} cores · wrk -t${wrkThreads} -c${connections}, ${rounds} alternating rounds × ${seconds} s per target · paced ${rate} req/s × ${pacedSeconds} s · ${streams} streams · all processes on one host`);
  console.log(`load average at start ${loadAtStart} · at end ${loadavg().map((l) => l.toFixed(2)).join(' ')} (1/5/15 min)\n`);
  console.log(stageTable(rows, { connections, rate }));
  console.log(`\nMedians over the rounds; "% of bare proxy" and "× bare proxy" are medians of per-round ratios. CPU from /proc/<pid>/stat (all threads) and /proc/<pid>/task/<pid>/stat (main thread) during the wrk runs; the upstream's CPU is not counted.\n`);
  console.log(goals(rows, memory, workerLines));
  if (redisStats) console.log(`- issue 9, redis-server time per call (INFO commandstats, whole run): ${redisStats}`);
  for (const s of stages.filter((x) => x.dbPath)) {
    const check = readLedger(s.dbPath!);
    console.log(typeof check === 'string' ? `- ${s.label}: ledger check: ${check}` : `- ${s.label}: ledger rows written ${check.rows.toLocaleString('en-US')} for ~${answered.get(s)!.toLocaleString('en-US')} answered requests`);
  }
  console.log(`- rounds (req/s): ${rows.map((r) => `${r.id} ${r.rps.map((x) => Math.round(x)).join('/')}`).join(' · ')}`);
  console.log(`- main-thread µs/req median: ${rows.map((r) => `${r.id} ${median(r.mainUs).toFixed(1)}`).join(' · ')}`);
  if (profileDir) console.log(`\nCPU profiles of the gateways: ${profileDir}`);
  // Machine-readable results, for bench/median-runs.ts (the median of several runs' tables).
  console.log(`\n<!-- bench-results ${JSON.stringify({ rows, memory, workers: workerLines, load: [loadAtStart, loadavg().map((l) => l.toFixed(2)).join(' ')] })} -->`);
  console.log(`\ntotal bench time ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}

/** `evalsha` and `eval` lines of INFO commandstats: calls and µs per call. */
function parseCommandStats(info: string): string {
  const parts = [...info.matchAll(/cmdstat_(evalsha|eval):calls=(\d+),usec=\d+,usec_per_call=([\d.]+)/g)].map((m) => `${m[1]} ${Number(m[2]).toLocaleString('en-US')} calls, ${Number(m[3]).toFixed(1)} µs/call`);
  return parts.join('; ') || 'not available';
}

main().then(
  () => {
    killAll();
    process.exit(0);
  },
  (err: unknown) => {
    console.error(`bench failed: ${err instanceof Error ? err.message : String(err)}`);
    killAll();
    process.exit(1);
  },
);
