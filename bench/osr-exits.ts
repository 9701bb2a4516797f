// `bun bench/osr-exits.ts` (issue 13): where the optimizing compilers' guesses fail on the hot path. One gateway
// at a stage's layers (BENCH_STAGE, default ledger) under wrk (64 connections, SECONDS, default 3) with
// JavaScriptCore printing each OSR exit (BUN_JSC_printEachOSRExit=1: optimized code bailing out to a lower tier
// because a speculation failed); prints the exit sites by count, per request, with the function, the bytecode
// offset and the kind (OutOfBounds, BadType, BadCache, ...). A site that exits on a sizeable share of requests
// keeps its function out of the top tier and costs an exit each time: the fix is usually a plainer loop or a
// stable object shape there. STREAM=1 sends streamed chat requests. The printing slows the gateway: read the
// counts, not the req/s. To see which source line an offset is, run once with BUN_JSC_dumpGeneratedBytecodes=1.

import { rmSync } from 'node:fs';
import { stageLayers } from './gateway-config.ts';
import { startLoggedGateway } from './logged-gateway.ts';
import { installExitHandlers, killAll } from './procs.ts';
import { runWrk } from './wrk.ts';

const stage = process.env.BENCH_STAGE ?? 'ledger';
const layers = stageLayers(stage);
const TOP = Number(process.env.TOP ?? 15);
installExitHandlers();
const { child, url, lua, stderr, root } = await startLoggedGateway(layers, { BUN_JSC_printEachOSRExit: '1' }, { stream: Boolean(process.env.STREAM), prefix: 'switchyard-osr-' });
await runWrk(url, lua, { connections: 64, threads: 1, seconds: 2 }); // warm-up: first compilations and their exits
const mark = stderr().length;
const w = await runWrk(url, lua, { connections: 64, threads: 1, seconds: Number(process.env.SECONDS ?? 3) });
await child.stop('SIGKILL');

const sites = new Map<string, number>();
for (const m of stderr().slice(mark).matchAll(/^Speculation failure in ([^#\s]+)#[^\s:]+:\[[^\]]*\] @ exit #\d+ \((bc#\d+), (\w+)\)/gm)) {
  const site = `${m[1]} ${m[2]} ${m[3]}`;
  sites.set(site, (sites.get(site) ?? 0) + 1);
}
const total = [...sites.values()].reduce((a, b) => a + b, 0);
console.log(`stage ${stage}${process.env.STREAM ? ' (streams)' : ''}: ${w.requests} requests, ${total} OSR exits (${(total / Math.max(1, w.requests)).toFixed(3)} per request)`);
for (const [site, n] of [...sites].sort((a, b) => b[1] - a[1]).slice(0, TOP)) {
  console.log(`${String(n).padStart(7)}  ${(n / Math.max(1, w.requests)).toFixed(3)}/req  ${site}`);
}
killAll();
rmSync(root, { recursive: true, force: true });
process.exit(0);
