// Formats the per-stage bench: one markdown table (median of the alternating rounds) and the ratios the
// issues set goals for (13: throughput, CPU, latency, first chunk, memory; 9: Redis, workers; 10: metrics).
// Ratios are taken round by round (targets measured back to back) and then the median, which keeps host
// noise that hits one round out of the comparison.

import type { MemoryResult } from './memory.ts';
import type { PacedResult } from './paced.ts';
import type { StageId } from './stages.ts';
import type { TtfcResult } from './ttfc.ts';

export interface StageResult {
  id: StageId;
  label: string;
  /** One entry per round. */
  rps: number[];
  allUs: number[];
  mainUs: number[];
  wrkP50Ms: number[];
  errors: number;
  paced?: PacedResult;
  ttfc?: TtfcResult;
}

export function median(xs: number[]): number {
  const s = xs.filter(Number.isFinite).sort((a, b) => a - b);
  if (!s.length) return NaN;
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

const f = (n: number | undefined, digits = 1) => (n === undefined || !Number.isFinite(n) ? '–' : n.toFixed(digits));
const int = (n: number | undefined) => (n === undefined || !Number.isFinite(n) ? '–' : Math.round(n).toLocaleString('en-US'));
const verdict = (ok: boolean) => (ok ? '✓' : '✗ (goal missed)');
/** Median over rounds of a[i] / b[i]. */
const ratio = (a: number[], b: number[]) => median(a.map((x, i) => x / (b[i] ?? NaN)));

/** Rows whose "Δ main" is taken against a named row instead of the row above (the ladder sits between). */
const DELTA_BASE: Partial<Record<StageId, StageId>> = {
  'floor-limits': 'floor', framework: 'floor', 'floor-full': 'floor-ledger',
  'floor-ledger-libsql': 'floor-budget', 'floor-ledger-noidx': 'floor-budget', 'floor-ledger-array': 'floor-budget',
};

/** The main-thread figure a row's "Δ main vs previous" is taken against. */
export function deltaBase<R extends { id: StageId }>(id: StageId, rows: R[], previous: number | undefined, main: (r: R) => number): number | undefined {
  const named = DELTA_BASE[id];
  const row = named ? rows.find((x) => x.id === named) : undefined;
  return row ? main(row) : previous;
}

export function stageTable(rows: StageResult[], opts: { connections: number; rate: number }): string {
  const proxy = rows.find((r) => r.id === 'proxy');
  const head = ['stage', `req/s @${opts.connections}`, '% of bare proxy', 'CPU µs/req (all threads)', '× bare proxy', 'main thread µs/req', 'Δ main vs previous', `p50 ms @${opts.rate}/s`, 'TTFC p50 ms', 'errors'];
  const out = [`| ${head.join(' | ')} |`, `|${head.map((_, i) => (i === 0 ? '---' : '---:')).join('|')}|`];
  let previousMain: number | undefined;
  for (const r of rows) {
    const main = median(r.mainUs);
    const base = deltaBase(r.id, rows, previousMain, (b) => median(b.mainUs));
    const delta = base !== undefined && r.id !== 'direct' && r.id !== 'proxy' && r.id !== 'redis' ? main - base : undefined;
    out.push(`| ${[
      r.label,
      int(median(r.rps)),
      proxy && r.rps.length ? `${f(100 * ratio(r.rps, proxy.rps))}%` : '–',
      f(median(r.allUs)),
      proxy && r.allUs.length ? f(ratio(r.allUs, proxy.allUs), 2) : '–',
      f(main),
      delta === undefined ? '' : `${delta >= 0 ? '+' : ''}${f(delta)}`,
      f(r.paced?.p50Ms, 3),
      f(r.ttfc?.p50Ms, 3),
      String(r.errors + (r.paced?.failed ?? 0) + (r.ttfc ? r.ttfc.failed + (r.ttfc.n - r.ttfc.failed - r.ttfc.complete) : 0)),
    ].join(' | ')} |`);
    if (r.id !== 'direct' && r.id !== 'redis') previousMain = main;
  }
  return out.join('\n');
}

export function goals(rows: StageResult[], memory: MemoryResult | undefined, workers: string[]): string {
  const by = (id: StageId) => rows.find((r) => r.id === id);
  const direct = by('direct');
  const proxy = by('proxy');
  const out: string[] = [];
  const added = (r?: StageResult) => (r?.paced && direct?.paced ? r.paced.p50Ms - direct.paced.p50Ms : NaN);
  for (const id of ['ledger', 'observe'] as const) {
    const g = by(id);
    if (!g || !proxy) continue;
    const name = id === 'ledger' ? 'auth + limits + budget + ledger' : 'all on (+ metrics + request log)';
    const thr = 100 * ratio(g.rps, proxy.rps);
    const cpu = ratio(g.allUs, proxy.allUs);
    out.push(`- issue 13, ${name}: throughput / bare proxy = ${f(thr)}% (goal ≥ 70%) ${verdict(thr >= 70)}`);
    out.push(`- issue 13, ${name}: CPU per request (all threads) / bare proxy = ${f(cpu, 2)}× (goal ≤ 1.5×) ${verdict(cpu <= 1.5)}`);
    const p50 = added(g);
    if (Number.isFinite(p50)) out.push(`- issue 13, ${name}: added p50 over direct @fixed rate = ${f(p50, 3)} ms (goal < 0.2 ms) ${verdict(p50 < 0.2)}`);
    if (g.ttfc && direct?.ttfc) {
      const t = g.ttfc.p50Ms - direct.ttfc.p50Ms;
      out.push(`- issue 13, ${name}: time to first chunk over direct (p50) = ${f(t, 3)} ms (goal < 0.5 ms) ${verdict(t < 0.5)}`);
    }
  }
  if (proxy?.paced && direct?.paced) out.push(`- for scale: the bare proxy adds ${f(proxy.paced.p50Ms - direct.paced.p50Ms, 3)} ms p50 over direct, and ${f((proxy.ttfc?.p50Ms ?? NaN) - (direct.ttfc?.p50Ms ?? NaN), 3)} ms to the first chunk`);
  const floor = by('floor');
  if (floor && proxy) out.push(`- for scale: the minimal metering server reaches ${f(100 * ratio(floor.rps, proxy.rps))}% of the bare proxy at ${f(ratio(floor.allUs, proxy.allUs), 2)}× its CPU`);
  for (const r of rows.filter((x) => x.id.startsWith('floor-'))) {
    if (proxy) out.push(`- floor ladder, ${r.label}: ${f(100 * ratio(r.rps, proxy.rps))}% of the bare proxy's throughput at ${f(ratio(r.allUs, proxy.allUs), 2)}× its CPU (all threads; ${f(median(r.allUs))} µs/req, main thread ${f(median(r.mainUs))})`);
  }
  if (memory) {
    const back = (100 * (memory.afterMb - memory.idleMb)) / memory.idleMb;
    out.push(`- issue 13, memory: ${memory.completed}/${memory.streams} slow streams completed (peak ${memory.peakOpen} open at once, ${memory.failed} failed, ${f(memory.seconds)} s); RSS idle ${f(memory.idleMb, 0)} MB, peak ${f(memory.peakMb, 0)} MB (goal < 500 MB) ${verdict(memory.peakMb < 500 && memory.completed === memory.streams)}; ${f(memory.settledAfterS)} s after the streams ended ${f(memory.afterMb, 0)} MB = idle ${back >= 0 ? '+' : ''}${f(back)}% (goal within 20%) ${verdict(Math.abs(back) <= 20)}`);
  }
  const ledger = by('ledger');
  const observe = by('observe');
  const redis = by('redis');
  if (redis && observe) {
    const thr = 100 * ratio(redis.rps, observe.rps);
    out.push(`- issue 9, limits + budget on Redis / in memory (all else on): throughput ${f(thr)}% (goal ≥ 80%) ${verdict(thr >= 80)}; CPU per request ${f(median(redis.allUs))} vs ${f(median(observe.allUs))} µs (gateway only; redis-server's own CPU not counted)`);
    if (redis.paced && observe.paced) {
      const d = redis.paced.p50Ms - observe.paced.p50Ms;
      out.push(`- issue 9, Redis added p50 @fixed rate over in-memory state = ${f(d, 3)} ms (goal < 0.3 ms) ${verdict(d < 0.3)}; over direct ${f(added(redis), 3)} ms`);
    }
  }
  for (const line of workers) out.push(`- issue 9, ${line}`);
  if (ledger && observe) {
    const thr = 100 * ratio(observe.rps, ledger.rps);
    const cpu = 100 * ratio(ledger.allUs, observe.allUs);
    out.push(`- issue 10, metrics + request log on / off: throughput ${f(thr)}% (goal ≥ 95%) ${verdict(thr >= 95)}; CPU-bound (CPU per request off / on) ${f(cpu)}%`);
  }
  return out.join('\n');
}
