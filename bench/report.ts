// Formats the benchmark results: one markdown table plus the ratios the issues set goals for.

import type { PacedResult } from './paced.ts';
import type { TtfcResult } from './ttfc.ts';
import type { WrkResult } from './wrk.ts';

export interface TargetResult {
  label: string;
  wrk?: WrkResult;
  paced?: PacedResult;
  ttfc?: TtfcResult;
  /** Gateway process CPU (all threads) per answered request during the wrk run, in µs (Linux only). */
  cpuUsPerRequest?: number;
  /** Alternating observability rounds (BENCH_OBSERVE=both): req/s and CPU µs per request, one entry per round. */
  rounds?: { rps: number[]; cpuUs: number[] };
}

const f = (n: number | undefined, digits = 2) => (n === undefined || !Number.isFinite(n) ? '–' : n.toFixed(digits));
const int = (n: number | undefined) => (n === undefined || !Number.isFinite(n) ? '–' : Math.round(n).toLocaleString('en-US'));

export function table(rows: TargetResult[], opts: { connections: number; rate: number; streams: number }): string {
  const head = [
    'target',
    `req/s @${opts.connections} conns`,
    'wrk p50 ms',
    'wrk p99 ms',
    `p50 ms @${opts.rate}/s`,
    `p99 ms @${opts.rate}/s`,
    'achieved rate',
    `TTFC p50 ms (n=${opts.streams})`,
    'TTFC p99 ms',
    'stream total p50 ms',
    'errors',
  ];
  const lines = [`| ${head.join(' | ')} |`, `|${head.map((_, i) => (i === 0 ? '---' : '---:')).join('|')}|`];
  for (const r of rows) {
    const errors = (r.wrk ? r.wrk.errors + r.wrk.non2xx : 0) + (r.paced?.failed ?? 0) + (r.ttfc ? r.ttfc.failed + (r.ttfc.n - r.ttfc.failed - r.ttfc.complete) : 0);
    lines.push(`| ${[
      r.label,
      int(r.wrk?.rps),
      f(r.wrk?.p50Ms),
      f(r.wrk?.p99Ms),
      f(r.paced?.p50Ms, 3),
      f(r.paced?.p99Ms, 3),
      r.paced ? `${int(r.paced.rate)}/s` : '–',
      f(r.ttfc?.p50Ms, 3),
      f(r.ttfc?.p99Ms, 3),
      f(r.ttfc?.totalP50Ms, 3),
      String(errors),
    ].join(' | ')} |`);
  }
  return lines.join('\n');
}

const pct = (a: number | undefined, b: number | undefined) => (a !== undefined && b !== undefined && b > 0 ? (100 * a) / b : NaN);
const verdict = (ok: boolean | undefined) => (ok === undefined ? '' : ok ? '  ✓' : '  ✗ (goal missed)');
const check = (value: number, test: (v: number) => boolean) => (Number.isFinite(value) ? test(value) : undefined);

export function ratios(direct: TargetResult, proxy: TargetResult, gateways: TargetResult[]): string {
  const out: string[] = [];
  const proxyOfDirect = pct(proxy.wrk?.rps, direct.wrk?.rps);
  out.push(`- bare proxy throughput / direct: ${f(proxyOfDirect, 1)}%`);
  out.push(`- bare proxy added p50 latency over direct @fixed rate: ${f(sub(proxy.paced?.p50Ms, direct.paced?.p50Ms), 3)} ms`);
  for (const gw of gateways) {
    const ofProxy = pct(gw.wrk?.rps, proxy.wrk?.rps);
    const addedP50 = sub(gw.paced?.p50Ms, direct.paced?.p50Ms);
    out.push(`- ${gw.label}: throughput / bare proxy = ${f(ofProxy, 1)}% (goal ≥ 70%)${verdict(check(ofProxy, (v) => v >= 70))}`);
    out.push(`- ${gw.label}: added p50 latency over direct @fixed rate = ${f(addedP50, 3)} ms (goal < 0.3 ms)${verdict(check(addedP50, (v) => v < 0.3))}`);
    out.push(`- ${gw.label}: added p99 latency over direct @fixed rate = ${f(sub(gw.paced?.p99Ms, direct.paced?.p99Ms), 3)} ms`);
    out.push(`- ${gw.label}: added time to first chunk over direct (p50) = ${f(sub(gw.ttfc?.p50Ms, direct.ttfc?.p50Ms), 3)} ms`);
  }
  const off = gateways.find((g) => g.label.includes('ledger off'));
  const on = gateways.find((g) => g.label.includes('ledger on'));
  if (off && on) {
    const onOfOff = pct(on.wrk?.rps, off.wrk?.rps);
    out.push(`- ledger+limits on / off throughput = ${f(onOfOff, 1)}% (issue 3 goal ≥ 90%)${verdict(check(onOfOff, (v) => v >= 90))}`);
    out.push(`- ledger+limits on vs off, p50 @fixed rate: +${f(sub(on.paced?.p50Ms, off.paced?.p50Ms), 3)} ms`);
  }
  for (const ledger of ['ledger off', 'ledger on']) {
    const quiet = gateways.find((g) => g.label.includes(ledger) && g.label.includes('request log off'));
    const observed = gateways.find((g) => g.label.includes(ledger) && g.label.includes('request log on'));
    if (!quiet || !observed) continue;
    const ratio = pct(observed.wrk?.rps, quiet.wrk?.rps);
    out.push(`- ${ledger}: metrics + request log on / off throughput = ${f(ratio, 1)}% (issue 10 goal ≥ 95%)${verdict(check(ratio, (v) => v >= 95))}`);
    out.push(`- ${ledger}: metrics + request log on vs off, p50 @fixed rate: +${f(sub(observed.paced?.p50Ms, quiet.paced?.p50Ms), 3)} ms`);
    const qr = quiet.rounds;
    const or = observed.rounds;
    if (qr && or && qr.rps.length && qr.rps.length === or.rps.length) {
      const perRound = qr.rps.map((q, i) => pct(or.rps[i], q));
      const med = median(perRound);
      out.push(`- ${ledger}: alternating rounds (${qr.rps.length} × 4 s, on right after off): on / off throughput per round ${perRound.map((v) => `${f(v, 1)}%`).join(', ')}; median ${f(med, 1)}% (issue 10 goal ≥ 95%)${verdict(check(med, (v) => v >= 95))}`);
      if (qr.cpuUs.length === or.cpuUs.length && qr.cpuUs.length) {
        out.push(`- ${ledger}: gateway CPU per request in those rounds (median): off ${f(median(qr.cpuUs), 1)} µs, on ${f(median(or.cpuUs), 1)} µs → CPU-bound on / off = ${f(pct(median(qr.cpuUs), median(or.cpuUs)), 1)}%`);
      }
    }
    if (quiet.cpuUsPerRequest !== undefined && observed.cpuUsPerRequest !== undefined) {
      // CPU per request is far less sensitive to other load on the host than req/s measured one after another.
      const bound = pct(quiet.cpuUsPerRequest, observed.cpuUsPerRequest);
      out.push(`- ${ledger}: gateway CPU per request (all threads, during wrk): off ${f(quiet.cpuUsPerRequest, 1)} µs, on ${f(observed.cpuUsPerRequest, 1)} µs → CPU-bound throughput on / off = ${f(bound, 1)}%${verdict(check(bound, (v) => v >= 95))}`);
    }
  }
  return out.join('\n');
}

function median(xs: number[]): number {
  const s = xs.filter(Number.isFinite).sort((a, b) => a - b);
  if (!s.length) return NaN;
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

function sub(a: number | undefined, b: number | undefined): number {
  return a !== undefined && b !== undefined ? a - b : NaN;
}
