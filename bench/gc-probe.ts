// `bun bench/gc-probe.ts` (issue 13): what garbage collection costs the gateway per request. One gateway at a
// stage's layers (BENCH_STAGE, default ledger; or SERVER=<a bench server printing {"port":N}>, which also gets
// BENCH_CONFIG) under wrk (64 connections, SECONDS, default 6) with JavaScriptCore's GC log on
// (BUN_JSC_logGC=1, read from its stderr by bench/gc-log.ts); prints, per heap (the main thread's and the ledger
// worker's), the collections, their time in all and per request, and the garbage made per request.
import { rmSync } from 'node:fs';
import { stageLayers } from './gateway-config.ts';
import { startLoggedGateway } from './logged-gateway.ts';
import { installExitHandlers, killAll } from './procs.ts';
import { runWrk } from './wrk.ts';
import { allocatedPerUnit, readGcLog } from './gc-log.ts';

const stage = process.env.BENCH_STAGE ?? 'ledger';
const layers = stageLayers(stage);
installExitHandlers();
const { child, url, lua, stderr, root } = await startLoggedGateway(layers, { BUN_JSC_logGC: '1' }, { server: process.env.SERVER, prefix: 'switchyard-gc-' });
await runWrk(url, lua, { connections: 64, threads: 1, seconds: 2 });
const mark = stderr().length;
const w = await runWrk(url, lua, { connections: 64, threads: 1, seconds: Number(process.env.SECONDS ?? 6) });
await child.stop('SIGKILL');
console.log(`${w.requests} requests, ${Math.round(w.rps)} req/s`);
for (const [heap, h] of readGcLog(stderr(), mark)) {
  const perRequest = (x: number) => x / w.requests;
  console.log(`heap ${heap}: ${h.collections} collections, ${h.ms.toFixed(1)} ms in all (${(perRequest(h.ms) * 1000).toFixed(2)} µs per request), heap at start ${Math.min(...h.startKb)}–${Math.max(...h.startKb)} kB; garbage ${allocatedPerUnit(h, w.requests).toFixed(1)} KiB per request`);
}
killAll();
rmSync(root, { recursive: true, force: true });
process.exit(0);
