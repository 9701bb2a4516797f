// Recent upstream behaviour per target (provider + upstream model) from the ledger's attempts table:
// attempts, error rate and latency over a recent window, and the last failed attempt (status and
// error code only: the ledger never stores upstream messages, so nothing secret can surface).

import type { Client } from '@libsql/client';

export interface TargetStats {
  attempts: number;
  errors: number;
  error_rate: number;
  avg_latency_ms: number | null;
  max_latency_ms: number | null;
  last_error: { at: number; status: number | null; code: string | null } | null;
}

const num = (v: unknown) => (typeof v === 'number' ? v : Number(v ?? 0));

/** Stats keyed by "provider/upstream_model" (the circuit-breaker key) since `since` (ms). */
export async function targetStats(client: Client, since: number): Promise<Map<string, TargetStats>> {
  const [recent, last] = await client.batch([
    {
      sql: `SELECT provider AS p, upstream_model AS m, count(*) AS n, sum(CASE WHEN status >= 400 THEN 1 ELSE 0 END) AS e,
              avg(latency_ms) AS avg, max(latency_ms) AS max
            FROM attempts WHERE ts >= ? GROUP BY p, m`,
      args: [since],
    },
    {
      sql: `SELECT a.provider AS p, a.upstream_model AS m, a.ts AS ts, a.status AS status, a.error_code AS code
            FROM attempts a JOIN (SELECT provider, upstream_model, max(ts) AS ts FROM attempts WHERE status >= 400 GROUP BY provider, upstream_model) l
              ON a.provider = l.provider AND a.upstream_model IS l.upstream_model AND a.ts = l.ts
            WHERE a.status >= 400`,
      args: [],
    },
  ], 'read');
  const stats = new Map<string, TargetStats>();
  const get = (p: unknown, m: unknown) => {
    const key = `${String(p)}/${m === null ? '' : String(m)}`;
    let s = stats.get(key);
    if (!s) stats.set(key, (s = { attempts: 0, errors: 0, error_rate: 0, avg_latency_ms: null, max_latency_ms: null, last_error: null }));
    return s;
  };
  for (const r of recent.rows) {
    const s = get(r.p, r.m);
    s.attempts = num(r.n);
    s.errors = num(r.e);
    s.error_rate = s.attempts ? Math.round((s.errors / s.attempts) * 1000) / 1000 : 0;
    s.avg_latency_ms = r.avg === null ? null : Math.round(num(r.avg));
    s.max_latency_ms = r.max === null ? null : num(r.max);
  }
  for (const r of last.rows) {
    const s = get(r.p, r.m);
    s.last_error = { at: num(r.ts), status: r.status === null ? null : num(r.status), code: r.code === null ? null : String(r.code) };
  }
  return stats;
}
