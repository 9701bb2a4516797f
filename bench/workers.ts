// `bun bench/workers.ts`: `server.workers: 2` vs 1 on this machine, both writing the ledger to one libsql
// file (WAL, 5 s busy timeout). For each: wrk against `switchyard start` (fake OpenAI upstream, ledger on
// with a budget and limits), then SIGTERM (drain + flush) and a count of the ledger rows against the
// answers wrk saw, plus any "database is locked" / ledger error the processes logged.
// Caveat: wrk, the fake upstream and the workers share the machine's cores.
// Knobs (env): BENCH_SECONDS (default 8), BENCH_CONNECTIONS (64), BENCH_WORKERS (e.g. "1,2"),
// BENCH_FLUSH_MS (storage.flush_ms; default 200; small values mean many more write transactions).

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { redisServerPath, startRedis, type TestRedis } from '../test/helpers/redis.ts';
import { BENCH_KEY, BENCH_MODEL, stageYaml } from './gateway-config.ts';
import { readLedger } from './ledger-check.ts';
import { type Child, freePort, installExitHandlers, killAll, onCleanup, readPort, spawnChild } from './procs.ts';
import { runWrk, wrkAvailable, wrkMissingMessage, writeLua } from './wrk.ts';

const seconds = Number(process.env.BENCH_SECONDS ?? 8);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 64);
const counts = (process.env.BENCH_WORKERS ?? '1,2').split(',').map(Number);
const flushMs = Number(process.env.BENCH_FLUSH_MS ?? 200);
const CLI = resolve(import.meta.dir, '../src/cli.ts');

if (!(await wrkAvailable())) {
  console.error(wrkMissingMessage());
  process.exit(2);
}
installExitHandlers();
const root = mkdtempSync(join(tmpdir(), 'switchyard-bench-workers-'));
onCleanup(() => rmSync(root, { recursive: true, force: true }));

const upstream = spawnChild([process.execPath, resolve(import.meta.dir, 'fake-upstream.ts')], {});
const upstreamPort = await readPort(upstream, 'fake upstream');
let redis: TestRedis | undefined;
if (redisServerPath()) redis = await startRedis();
onCleanup(() => void redis?.close());
const lua = await writeLua(join(root, 'chat.lua'), JSON.stringify({ model: BENCH_MODEL, messages: [{ role: 'user', content: 'Say hello.' }] }), {
  authorization: `Bearer ${BENCH_KEY}`, 'content-type': 'application/json',
});

async function waitListening(child: Child, workers: number): Promise<void> {
  const wanted = workers > 1 ? 'all workers listening' : 'switchyard listening';
  let text = '';
  const decoder = new TextDecoder();
  const reader = child.proc.stdout.getReader();
  const deadline = Date.now() + 60_000;
  while (!text.includes(wanted)) {
    if (Date.now() > deadline) throw new Error(`gateway (${workers} workers) did not start\n${child.stderr()}`);
    const step = await reader.read();
    if (step.done) throw new Error(`gateway (${workers} workers) exited\n${child.stderr()}`);
    text += decoder.decode(step.value, { stream: true });
  }
  reader.releaseLock();
  void (async () => {
    for await (const _ of child.proc.stdout) { /* discard */ }
  })().catch(() => {});
}

const results: string[] = [];
for (const workers of counts) {
  const dir = join(root, `w${workers}`);
  mkdirSync(dir, { recursive: true });
  // Metrics and the request log off: this compares process counts, not observability.
  const base = stageYaml({ upstreamPort, dir, limits: true, budget: true, ledgerFile: true, observe: false })
    .replace('server:\n  host: 127.0.0.1\n', `server:\n  host: 127.0.0.1\n  workers: ${workers}\n`)
    .replace(/storage:\n  url: "([^"]+)"\n/, (_m, url: string) => `storage:\n  url: "${url}"\n  flush_ms: ${flushMs}\n  redis: { url: "${redis?.url ?? 'redis://127.0.0.1:6379/0'}" }\n`);
  const dbPath = /url: "file:([^"]+)"/.exec(base)![1]!;
  const config = join(dir, 'gateway.yaml');
  writeFileSync(config, base);
  const port = freePort();
  const gw = spawnChild([process.execPath, CLI, 'start', '--config', config, '--port', String(port)], { SWITCHYARD_LOG: 'info' });
  await waitListening(gw, workers);
  const wrk = await runWrk(`http://127.0.0.1:${port}/v1/chat/completions`, lua, { connections, threads: 1, seconds });
  await gw.stop('SIGTERM', 60_000);
  const exit = gw.proc.exitCode;
  const ledger = readLedger(dbPath);
  const locked = (gw.stderr().match(/database is locked|SQLITE_BUSY/g) ?? []).length;
  const ledgerErrors = (gw.stderr().match(/"level":"error"[^\n]*ledger|ledger[^\n]*"level":"error"/gi) ?? []).length;
  const rows = typeof ledger === 'string' ? ledger : ledger.rows;
  results.push(`workers=${workers}  req/s=${wrk.rps.toFixed(0)}  p50=${wrk.p50Ms.toFixed(2)}ms  p99=${wrk.p99Ms.toFixed(2)}ms  answered=${wrk.requests}  non2xx=${wrk.non2xx}  socket_errors=${wrk.errors}  ledger_rows=${rows}  locked_errors=${locked}  ledger_errors=${ledgerErrors}  exit=${exit}`);
  console.log(results.at(-1));
}
console.log(`\ncores=${availableParallelism()} load=${loadavg().map((l) => l.toFixed(1)).join('/')} seconds=${seconds} connections=${connections} flush_ms=${flushMs} (wrk, fake upstream and workers share the cores)`);
killAll();
process.exit(0);
