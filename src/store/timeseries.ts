// Time-bucketed ledger series for the dashboard's Overview: requests, errors, tokens and spend per
// bucket over a window ending now, plus spend per key (the top keys by spend; the rest summed as
// "(other)"). Provider-check and health-check rows (marked key names) are left out: they are not traffic.

import type { Client } from '@libsql/client';

export type SeriesWindow = '1h' | '24h' | '7d';

export const WINDOWS: Record<SeriesWindow, { spanMs: number; bucketMs: number }> = {
  '1h': { spanMs: 3_600_000, bucketMs: 60_000 },
  '24h': { spanMs: 86_400_000, bucketMs: 900_000 },
  '7d': { spanMs: 604_800_000, bucketMs: 7_200_000 },
};

/** Key names the gateway itself uses for its own check traffic. */
export const CHECK_KEY_NAMES = ['(health-check)', '(provider-test)'] as const;

export interface TimeSeries {
  window: SeriesWindow;
  bucket_ms: number;
  from: number;
  to: number;
  /** Bucket start times, ms since epoch (ascending). */
  t: number[];
  requests: number[];
  errors: number[];
  /** errors / requests per bucket (0 when there were no requests). */
  error_rate: number[];
  prompt_tokens: number[];
  completion_tokens: number[];
  cost_micros: number[];
  /** Spend per key name in micro-dollars, one array aligned with `t` per key. */
  cost_by_key: Record<string, number[]>;
}

const num = (v: unknown) => (typeof v === 'number' ? v : Number(v ?? 0));

export async function ledgerTimeSeries(client: Client, window: SeriesWindow, now = Date.now(), topKeys = 8): Promise<TimeSeries> {
  const { spanMs, bucketMs } = WINDOWS[window];
  const to = Math.ceil((now + 1) / bucketMs) * bucketMs;
  const from = to - spanMs;
  const n = spanMs / bucketMs;
  const t = Array.from({ length: n }, (_, i) => from + i * bucketMs);
  const zeros = () => new Array<number>(n).fill(0);
  const out: TimeSeries = {
    window, bucket_ms: bucketMs, from, to, t, requests: zeros(), errors: zeros(), error_rate: zeros(),
    prompt_tokens: zeros(), completion_tokens: zeros(), cost_micros: zeros(), cost_by_key: {},
  };
  const res = await client.execute({
    sql: `SELECT CAST((ts - ?) / ? AS INTEGER) AS b, key_name AS k, count(*) AS n, sum(CASE WHEN status >= 400 THEN 1 ELSE 0 END) AS e,
            sum(prompt_tokens) AS p, sum(completion_tokens) AS c, sum(cost_micros) AS cost
          FROM requests WHERE ts >= ? AND ts < ? AND (key_name IS NULL OR key_name NOT IN (?, ?))
          GROUP BY b, k`,
    args: [from, bucketMs, from, to, ...CHECK_KEY_NAMES],
  });
  const perKey = new Map<string, { total: number; series: number[] }>();
  for (const row of res.rows) {
    const i = Math.floor(num(row.b));
    if (i < 0 || i >= n) continue;
    out.requests[i] += num(row.n);
    out.errors[i] += num(row.e);
    out.prompt_tokens[i] += num(row.p);
    out.completion_tokens[i] += num(row.c);
    const cost = num(row.cost);
    out.cost_micros[i] += cost;
    const key = row.k === null || row.k === undefined ? '(no key)' : String(row.k);
    const entry = perKey.get(key) ?? { total: 0, series: zeros() };
    entry.total += cost;
    entry.series[i] += cost;
    perKey.set(key, entry);
  }
  out.error_rate = out.requests.map((r, i) => (r ? Math.round((out.errors[i] / r) * 1000) / 1000 : 0));
  const ranked = [...perKey.entries()].sort((a, b) => b[1].total - a[1].total || a[0].localeCompare(b[0]));
  for (const [key, { series }] of ranked.slice(0, topKeys)) out.cost_by_key[key] = series;
  if (ranked.length > topKeys) {
    const other = zeros();
    for (const [, { series }] of ranked.slice(topKeys)) series.forEach((v, i) => (other[i] += v));
    out.cost_by_key['(other)'] = other;
  }
  return out;
}
