// `bun bench/gc-probe.ts` (issue 13): what garbage collection costs the gateway per request. One gateway at a
// stage's layers (BENCH_STAGE, default ledger; or SERVER=bench/bare-proxy.ts) under wrk (64 connections, SECONDS,
// default 6) with JavaScriptCore's GC log on (BUN_JSC_logGC=1, to a temp file); prints, per heap (the main
// thread's and the ledger worker's), how many collections ran and their time in all and per request.
import { mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BENCH_KEY, BENCH_MODEL, stageYaml, stageLayers } from './gateway-config.ts';
import { freePort, installExitHandlers, killAll, readPort, spawnChild, waitHealthy } from './procs.ts';
import { runWrk, writeLua } from './wrk.ts';

const stage = process.env.BENCH_STAGE ?? 'ledger';
const layers = stageLayers(stage);
installExitHandlers();
const root = mkdtempSync(join(tmpdir(), 'switchyard-gc-'));
const upstream = spawnChild([process.execPath, 'bench/fake-upstream.ts'], {});
const upstreamPort = await readPort(upstream, 'fake upstream');
writeFileSync(join(root, 'gateway.yaml'), stageYaml({ upstreamPort, dir: root, ...layers }));
const port = freePort();
const logPath = join(root, 'gc.log');
const script = process.env.SERVER ? [process.env.SERVER] : ['src/cli.ts', 'start', '--config', join(root, 'gateway.yaml'), '--port', String(port)];
const child = Bun.spawn([process.execPath, ...script], {
  env: { ...process.env, BUN_JSC_logGC: '1', SWITCHYARD_LOG: 'silent', BENCH_UPSTREAM: `http://127.0.0.1:${upstreamPort}`, BENCH_CONFIG: join(root, 'gateway.yaml'), ...(layers.ledgerFile ? {} : { SWITCHYARD_LEDGER_THREAD: 'discard' }) },
  stdout: 'pipe', stderr: Bun.file(logPath),
});
let servedPort = port;
if (process.env.SERVER) {
  const reader = child.stdout.getReader();
  const { value } = await reader.read();
  servedPort = JSON.parse(new TextDecoder().decode(value).split('\n')[0]!).port;
} else await waitHealthy(`http://127.0.0.1:${port}/health`, { proc: child } as never, '.');
const url = `http://127.0.0.1:${servedPort}/v1/chat/completions`;
const body = JSON.stringify({ model: BENCH_MODEL, messages: [{ role: 'user', content: 'Say hello in one short sentence.' }], max_tokens: 16 });
const lua = await writeLua(join(root, 'post.lua'), body, { 'content-type': 'application/json', authorization: `Bearer ${BENCH_KEY}` });
await runWrk(url, lua, { connections: 64, threads: 1, seconds: 2 });
const mark = readFileSync(logPath, 'utf8').length;
const w = await runWrk(url, lua, { connections: 64, threads: 1, seconds: Number(process.env.SECONDS ?? 6) });
const log = readFileSync(logPath, 'utf8').slice(mark);
child.kill('SIGKILL');
console.log(`${w.requests} requests, ${Math.round(w.rps)} req/s`);
// The log interleaves the two heaps' lines (main thread and ledger worker): split it at each "[GC<id>:" and
// read the collection's start (heap size) and its "cycle N ms" from the piece that carries them.
// A collection's heap size at its start minus the size the previous one left ("=> N kb") is what the
// program allocated in between: the garbage each request makes, summed over the run.
const perHeap = new Map<string, { n: number; ms: number; kb: number[]; lastAfter?: number; allocatedKb: number }>();
for (const piece of log.split('[GC<').slice(1)) {
  const id = piece.slice(0, piece.indexOf('>'));
  const h = perHeap.get(id) ?? { n: 0, ms: 0, kb: [], allocatedKb: 0 };
  const started = /: START M (\d+)kb/.exec(piece);
  if (started) {
    h.n++;
    h.kb.push(Number(started[1]));
    if (h.lastAfter !== undefined) h.allocatedKb += Math.max(0, Number(started[1]) - h.lastAfter);
  }
  const after = /=> (\d+)kb/.exec(piece);
  if (after) h.lastAfter = Number(after[1]);
  const cycle = /cycle ([0-9.]+)ms END/.exec(piece);
  if (cycle) h.ms += Number(cycle[1]);
  perHeap.set(id, h);
}
for (const [heap, h] of perHeap) {
  console.log(`heap ${heap}: ${h.n} collections, ${h.ms.toFixed(1)} ms in all (${((h.ms * 1000) / w.requests).toFixed(2)} µs per request), heap at start ${Math.min(...h.kb)}–${Math.max(...h.kb)} kB; allocated between collections ${((h.allocatedKb * 1024) / w.requests / 1024).toFixed(1)} KiB per request`);
}
killAll();
rmSync(root, { recursive: true, force: true });
process.exit(0);
