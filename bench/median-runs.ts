// `bun bench/median-runs.ts run1.md run2.md run3.md`: the per-stage table and goal lines as the median of
// several `bun run bench` reports (each ends with a `bench-results` comment holding its raw numbers).
// Each cell is the median over the runs of that run's own value (ratios stay per-run ratios).

import { readFileSync } from 'node:fs';
import type { MemoryResult } from './memory.ts';
import { goals, median, type StageResult } from './report.ts';

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
  const delta = previous !== undefined && !['direct', 'proxy', 'redis'].includes(id) ? main - previous : undefined;
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
console.log('\nGoal lines of each run:\n');
runs.forEach((run, i) => console.log(`Run ${i + 1}:\n${goals(run.rows, run.memory, run.workers)}\n`));
