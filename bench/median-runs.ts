// `bun bench/median-runs.ts run1.md run2.md run3.md`: the per-stage table and goal lines as the median of
// several `bun run bench` reports (each ends with a `bench-results` comment holding its raw numbers).
// Each cell is the median over the runs of that run's own value (ratios stay per-run ratios).

import { readFileSync } from 'node:fs';
import type { MemoryResult } from './memory.ts';
import { deltaBase, goals, median, type StageResult } from './report.ts';

interface Run { rows: StageResult[]; memory?: MemoryResult; workers: string[]; load: string[] }

const runs: Run[] = process.argv.slice(2).map((file) => {
  const m = /<!-- bench-results (.*) -->/.exec(readFileSync(file, 'utf8'));
  if (!m) throw new Error(`${file}: no bench-results line (run it with this version of bench/run.ts)`);
  return JSON.parse(m[1]!) as Run;
});
if (!runs.length) throw new Error('usage: bun bench/median-runs.ts report1.md report2.md ...');

const f = (n: number, d = 1) => (Number.isFinite(n) ? n.toFixed(d) : '–');
const int = (n: number) => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '–');
const per = (id: string, fn: (r: StageResult, proxy: StageResult, direct: StageResult | undefined) => number) =>
  median(runs.map((run) => {
    const r = run.rows.find((x) => x.id === id);
    const proxy = run.rows.find((x) => x.id === 'proxy')!;
    return r ? fn(r, proxy, run.rows.find((x) => x.id === 'direct')) : NaN;
  }));
const ratio = (a: number[], b: number[]) => median(a.map((x, i) => x / (b[i] ?? NaN)));

const ids = runs[0]!.rows.map((r) => r.id);
const head = ['stage', 'req/s @64', '% of bare proxy', 'CPU µs/req (all threads)', '× bare proxy', 'main thread µs/req', 'Δ main vs previous', 'p50 ms @500/s', 'added p50 vs direct', 'TTFC p50 ms'];
const lines = [`| ${head.join(' | ')} |`, `|${head.map((_, i) => (i === 0 ? '---' : '---:')).join('|')}|`];
let previous: number | undefined;
for (const id of ids) {
  const label = runs[0]!.rows.find((r) => r.id === id)!.label;
  const main = per(id, (r) => median(r.mainUs));
  const base = deltaBase(id, runs[0]!.rows, previous, (r) => per(r.id, (x) => median(x.mainUs)));
  const delta = base !== undefined && !['direct', 'proxy', 'redis'].includes(id) ? main - base : undefined;
  lines.push(`| ${[
    label,
    int(per(id, (r) => median(r.rps))),
    `${f(per(id, (r, p) => 100 * ratio(r.rps, p.rps)))}%`,
    f(per(id, (r) => median(r.allUs))),
    f(per(id, (r, p) => ratio(r.allUs, p.allUs)), 2),
    f(main),
    delta === undefined ? '' : `${delta >= 0 ? '+' : ''}${f(delta)}`,
    f(per(id, (r) => r.paced?.p50Ms ?? NaN), 3),
    f(per(id, (r, _p, d) => (r.paced && d?.paced ? r.paced.p50Ms - d.paced.p50Ms : NaN)), 3),
    f(per(id, (r) => r.ttfc?.p50Ms ?? NaN), 3),
  ].join(' | ')} |`);
  if (!['direct', 'redis'].includes(id)) previous = main;
}
console.log(`Median of ${runs.length} runs (load average at start/end: ${runs.map((r) => r.load.join(' → ')).join('; ')})\n`);
console.log(lines.join('\n'));
// The goals, each as the median over the runs of that run's own figure.
type Figure = (run: Run) => number;
const byId = (run: Run, id: string) => run.rows.find((r) => r.id === id);
const rowRatio = (id: string, of: string, field: 'rps' | 'allUs'): Figure => (run) => {
  const a = byId(run, id);
  const b = byId(run, of);
  return a && b ? ratio(a[field], b[field]) : NaN;
};
const added = (id: string, of: string, field: 'paced' | 'ttfc'): Figure => (run) => {
  const a = byId(run, id)?.[field]?.p50Ms;
  const b = byId(run, of)?.[field]?.p50Ms;
  return a !== undefined && b !== undefined ? a - b : NaN;
};
const workersRatio: Figure = (run) => {
  const rps = run.workers.filter((w) => w.startsWith('server.workers=')).map((w) => Number(/req\/s=(\d+)/.exec(w)?.[1]));
  return rps.length >= 2 ? rps.at(-1)! / rps[0]! : NaN;
};
const GOALS: Array<[string, Figure, (v: number) => boolean | undefined, (v: number) => string]> = [
  ['13: auth + limits + budget + ledger, throughput / bare proxy (≥ 70%)', rowRatio('ledger', 'proxy', 'rps'), (v) => v >= 0.7, (v) => `${f(100 * v)}%`],
  ['13: auth + limits + budget + ledger, CPU / bare proxy, all threads (≤ 1.5×)', rowRatio('ledger', 'proxy', 'allUs'), (v) => v <= 1.5, (v) => `${f(v, 2)}×`],
  ['13: auth + limits + budget + ledger, added p50 over direct @500/s (< 0.2 ms)', added('ledger', 'direct', 'paced'), (v) => v < 0.2, (v) => `${f(v, 3)} ms`],
  ['13: auth + limits + budget + ledger, added time to first chunk (< 0.5 ms)', added('ledger', 'direct', 'ttfc'), (v) => v < 0.5, (v) => `${f(v, 3)} ms`],
  ['13: all on (+ metrics, request log), throughput / bare proxy (≥ 70%)', rowRatio('observe', 'proxy', 'rps'), (v) => v >= 0.7, (v) => `${f(100 * v)}%`],
  ['13: all on, CPU / bare proxy (≤ 1.5×)', rowRatio('observe', 'proxy', 'allUs'), (v) => v <= 1.5, (v) => `${f(v, 2)}×`],
  ['13: all on, added p50 over direct @500/s (< 0.2 ms)', added('observe', 'direct', 'paced'), (v) => v < 0.2, (v) => `${f(v, 3)} ms`],
  ['13: all on, added time to first chunk (< 0.5 ms)', added('observe', 'direct', 'ttfc'), (v) => v < 0.5, (v) => `${f(v, 3)} ms`],
  ['(scale) bare proxy: added p50 over direct @500/s', added('proxy', 'direct', 'paced'), () => undefined, (v) => `${f(v, 3)} ms`],
  ['(scale) bare proxy: added time to first chunk', added('proxy', 'direct', 'ttfc'), () => undefined, (v) => `${f(v, 3)} ms`],
  ['13: 5,000 slow streams, peak RSS (< 500 MB)', (run) => run.memory?.peakMb ?? NaN, (v) => v < 500, (v) => `${f(v, 0)} MB`],
  ['13: RSS after the streams vs idle (within 20%)', (run) => (run.memory ? run.memory.afterMb / run.memory.idleMb - 1 : NaN), (v) => Math.abs(v) <= 0.2, (v) => `${v >= 0 ? '+' : ''}${f(100 * v)}%`],
  ['9: Redis limits + budget / in-memory, throughput (≥ 80%)', rowRatio('redis', 'observe', 'rps'), (v) => v >= 0.8, (v) => `${f(100 * v)}%`],
  ['9: Redis added p50 @500/s over in-memory (< 0.3 ms)', added('redis', 'observe', 'paced'), (v) => v < 0.3, (v) => `${f(v, 3)} ms`],
  ['9: server.workers 2 / 1 throughput (reported)', workersRatio, () => undefined, (v) => `${f(100 * v)}%`],
  ['10: metrics + request log on / off, throughput (≥ 95%)', rowRatio('observe', 'ledger', 'rps'), (v) => v >= 0.95, (v) => `${f(100 * v)}%`],
  ['10: metrics + request log, CPU off / on (CPU-bound throughput, ≥ 95%)', (run) => 1 / rowRatio('observe', 'ledger', 'allUs')(run), (v) => v >= 0.95, (v) => `${f(100 * v)}%`],
];
// The floor ladder (bench/floor-ladder.ts): each rung against the bare proxy, for the same two goals.
for (const r of runs[0]!.rows.filter((x) => x.id === 'floor' || x.id.startsWith('floor-'))) {
  GOALS.push([`(floor) ${r.label}, throughput / bare proxy (≥ 70%)`, rowRatio(r.id, 'proxy', 'rps'), (v) => v >= 0.7, (v) => `${f(100 * v)}%`]);
  GOALS.push([`(floor) ${r.label}, CPU / bare proxy, all threads (≤ 1.5×)`, rowRatio(r.id, 'proxy', 'allUs'), (v) => v <= 1.5, (v) => `${f(v, 2)}×`]);
}
console.log('\n| goal (issue) | ' + runs.map((_, i) => `run ${i + 1}`).join(' | ') + ' | median | met |');
console.log('|---|' + runs.map(() => '---:').join('|') + '|---:|:---:|');
for (const [name, figure, ok, show] of GOALS) {
  const values = runs.map(figure);
  if (!values.some(Number.isFinite)) continue; // a stage no run measured (BENCH_ONLY)
  const m = median(values);
  const met = Number.isFinite(m) ? ok(m) : undefined;
  console.log(`| ${name} | ${values.map(show).join(' | ')} | ${show(m)} | ${met === undefined ? '' : met ? '✓' : '✗'} |`);
}
console.log('\nGoal lines of each run:\n');
runs.forEach((run, i) => console.log(`Run ${i + 1}:\n${goals(run.rows, run.memory, run.workers)}\n`));
