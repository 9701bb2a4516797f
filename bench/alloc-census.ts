// `bun bench/alloc-census.ts` (issue 13): which JavaScript objects one chat request allocates, by kind, in the
// gateway's own process. The pipeline is called in process (`handleApiRequest`, as bench/inproc.ts does)
// against the fake upstream; JavaScriptCore's heap census (`heapStats().objectTypeCounts` from bun:jsc counts
// every cell not yet swept, dead or alive) is read before and after N requests with no collection in between,
// and the difference over N is printed per kind, next to the same for the floor (a Request built, fetch to the
// upstream, text(), JSON.parse, a Response read: what any proxy does in this harness). The run is made in a
// child with the GC log on; a census window that saw a collection is retried (it would undercount).
// BENCH_STAGE (ledger), N (200 per window), CONC (8), MIN (0.5: kinds with fewer per request are summed as "other").

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { heapStats } from 'bun:jsc';
import { stageLayers } from './gateway-config.ts';
import { type Call, floorCall, runConcurrent, startInProcess } from './inproc-harness.ts';
import { installExitHandlers, killAll, readPort, spawnChild } from './procs.ts';

const N = Number(process.env.N ?? 200);
const CONC = Number(process.env.CONC ?? 8);
const MIN = Number(process.env.MIN ?? 0.5);

if (!process.env.CENSUS_CHILD) {
  // Parent: run the census in a child with the GC log on, and refuse a window that saw a collection.
  installExitHandlers();
  let log = '';
  const child = spawnChild([process.execPath, import.meta.path], { CENSUS_CHILD: '1', BUN_JSC_logGC: '1' }, (t) => { log += t; });
  const out: string[] = [];
  for await (const chunk of child.proc.stdout) out.push(new TextDecoder().decode(chunk));
  await child.proc.exited;
  const text = out.join('');
  const windows = [...log.matchAll(/CENSUS_BEGIN (\w+)([\s\S]*?)CENSUS_END/g)];
  const dirty = windows.filter((w) => w[2]!.includes('[GC<')).map((w) => w[1]);
  if (dirty.length) console.log(`(windows with a collection, not used: ${dirty.join(', ')})`);
  console.log(text.replace(/^RESULT (\w+) (.*)$/gm, (_, name: string, json: string) => (dirty.includes(name) ? '' : `${name} ${json}`)));
  killAll();
  process.exit(child.proc.exitCode ?? 0);
}

const stage = process.env.BENCH_STAGE ?? 'ledger';
const layers = stageLayers(stage);
const dir = mkdtempSync(join(tmpdir(), 'switchyard-census-'));
const upstream = spawnChild([process.execPath, 'bench/fake-upstream.ts'], {});
const upstreamPort = await readPort(upstream, 'fake upstream');
if (!layers.ledgerFile) process.env.SWITCHYARD_LEDGER_THREAD = 'discard';
const gw = await startInProcess(resolve(import.meta.dir, '..'), dir, upstreamPort, layers);
const variants: Record<string, Call> = { floor: floorCall(upstreamPort), gateway: gw.chat };
const run = (fn: Call, n: number) => runConcurrent(fn, n, CONC);

const census = () => heapStats().objectTypeCounts as Record<string, number>;
for (const [name, fn] of Object.entries(variants)) {
  await run(fn, 3000);
  let perRequest: Record<string, number> = {};
  Bun.gc(true);
  await Bun.sleep(50);
  const before = census();
  console.error(`CENSUS_BEGIN ${name}`);
  await run(fn, N);
  console.error('CENSUS_END');
  const after = census();
  for (const kind of new Set([...Object.keys(before), ...Object.keys(after)])) {
    const d = ((after[kind] ?? 0) - (before[kind] ?? 0)) / N;
    if (d > 0) perRequest[kind] = d;
  }
  const total = Object.values(perRequest).reduce((a, b) => a + b, 0);
  const shown = Object.entries(perRequest).filter(([, v]) => v >= MIN).sort((a, b) => b[1] - a[1]);
  const other = total - shown.reduce((a, [, v]) => a + v, 0);
  perRequest = Object.fromEntries(shown.map(([k, v]) => [k, Number(v.toFixed(1))]));
  console.log(`RESULT ${name} ${total.toFixed(1)} cells per request: ${JSON.stringify(perRequest)} + other ${other.toFixed(1)}`);
}
await gw.stop();
killAll();
rmSync(dir, { recursive: true, force: true });
process.exit(0);
