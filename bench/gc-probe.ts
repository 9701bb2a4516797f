// `bun bench/gc-probe.ts` (issue 13): what garbage collection costs the gateway per request. One gateway at a
// stage's layers (BENCH_STAGE, default ledger; or SERVER=<a bench server printing {"port":N}>, which also gets
// BENCH_CONFIG) under wrk (64 connections, SECONDS, default 6) with JavaScriptCore's GC log on
// (BUN_JSC_logGC=1, read from its stderr by bench/gc-log.ts); prints, per heap (the main thread's and the ledger
// worker's), the collections, their time in all and per request, and the garbage made per request.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BENCH_KEY, BENCH_MODEL, stageYaml, stageLayers } from './gateway-config.ts';
import { freePort, installExitHandlers, killAll, readPort, spawnChild, waitHealthy } from './procs.ts';
import { runWrk, writeLua } from './wrk.ts';
import { allocatedPerUnit, readGcLog } from './gc-log.ts';

const stage = process.env.BENCH_STAGE ?? 'ledger';
const layers = stageLayers(stage);
installExitHandlers();
const root = mkdtempSync(join(tmpdir(), 'switchyard-gc-'));
const upstream = spawnChild([process.execPath, 'bench/fake-upstream.ts'], {});
const upstreamPort = await readPort(upstream, 'fake upstream');
writeFileSync(join(root, 'gateway.yaml'), stageYaml({ upstreamPort, dir: root, ...layers }));
const port = freePort();
let log = '';
const script = process.env.SERVER ? [process.env.SERVER] : ['src/cli.ts', 'start', '--config', join(root, 'gateway.yaml'), '--port', String(port)];
const child = spawnChild([process.execPath, ...script], {
  BUN_JSC_logGC: '1', SWITCHYARD_LOG: 'silent', BENCH_UPSTREAM: `http://127.0.0.1:${upstreamPort}`, BENCH_CONFIG: join(root, 'gateway.yaml'),
  ...(layers.ledgerFile ? {} : { SWITCHYARD_LEDGER_THREAD: 'discard' }),
}, (text) => { log += text; });
let servedPort = port;
if (process.env.SERVER) servedPort = await readPort(child, process.env.SERVER);
else {
  void (async () => { for await (const _ of child.proc.stdout) { /* discard */ } })().catch(() => {});
  await waitHealthy(`http://127.0.0.1:${port}/health`, child, 'gateway');
}
const url = `http://127.0.0.1:${servedPort}/v1/chat/completions`;
const body = JSON.stringify({ model: BENCH_MODEL, messages: [{ role: 'user', content: 'Say hello in one short sentence.' }], max_tokens: 16 });
const lua = await writeLua(join(root, 'post.lua'), body, { 'content-type': 'application/json', authorization: `Bearer ${BENCH_KEY}` });
await runWrk(url, lua, { connections: 64, threads: 1, seconds: 2 });
const mark = log.length;
const w = await runWrk(url, lua, { connections: 64, threads: 1, seconds: Number(process.env.SECONDS ?? 6) });
await child.stop('SIGKILL');
console.log(`${w.requests} requests, ${Math.round(w.rps)} req/s`);
for (const [heap, h] of readGcLog(log, mark)) {
  const perRequest = (x: number) => x / w.requests;
  console.log(`heap ${heap}: ${h.collections} collections, ${h.ms.toFixed(1)} ms in all (${(perRequest(h.ms) * 1000).toFixed(2)} µs per request), heap at start ${Math.min(...h.startKb)}–${Math.max(...h.startKb)} kB; garbage ${allocatedPerUnit(h, w.requests).toFixed(1)} KiB per request`);
}
killAll();
rmSync(root, { recursive: true, force: true });
process.exit(0);
