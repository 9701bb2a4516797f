// Usage aggregation over the ledger for the admin API: requests, tokens and cost, grouped by any of
// key / model / provider / day (UTC), within an optional [from, to) window in ms. Totals cover the window.
// The query is written once; only the day bucket is per dialect (SQLite strftime, PostgreSQL to_char).

import { and, asc, eq, gte, lt, sql, type SQL } from 'drizzle-orm';
import { dialectOf, view, type Dialect, type StoreDb, type Tables } from './dialect.ts';

export type UsageDimension = 'key' | 'model' | 'provider' | 'day';

export interface UsageQuery {
  /** Inclusive lower bound on request time, ms since epoch. */
  from?: number;
  /** Exclusive upper bound on request time, ms since epoch. */
  to?: number;
  groupBy: UsageDimension[];
  /** Only this key's requests. */
  keyName?: string;
}

export interface UsageTotals {
  requests: number;
  prompt_tokens: number;
  completion_tokens: number;
  cached_tokens: number;
  cost_micros: number;
}

export interface UsageRow extends UsageTotals {
  key?: string | null;
  model?: string | null;
  provider?: string | null;
  /** UTC date, YYYY-MM-DD. */
  day?: string;
}

export interface UsageReport {
  from: number | null;
  to: number | null;
  group_by: UsageDimension[];
  rows: UsageRow[];
  totals: UsageTotals;
}

function dimensionSql(requests: Tables['requests'], dialect: Dialect): Record<UsageDimension, SQL> {
  return {
    key: sql`${requests.keyName}`,
    model: sql`${requests.model}`,
    provider: sql`${requests.provider}`,
    // Constants stay in the SQL text (not bound), so SELECT and GROUP BY carry the identical expression.
    day:
      dialect === 'pg'
        ? sql`to_char(to_timestamp(${requests.ts} / 1000.0) AT TIME ZONE 'UTC', 'YYYY-MM-DD')`
        : sql`strftime('%Y-%m-%d', ${requests.ts} / 1000, 'unixepoch')`,
  };
}

const num = (v: unknown): number => (typeof v === 'number' ? v : Number(v ?? 0));
const str = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));

export async function usageReport(store: StoreDb, q: UsageQuery): Promise<UsageReport> {
  const { db, t: { requests } } = view(store);
  const DIMENSION_SQL = dimensionSql(requests, dialectOf(store));
  const dims = [...new Set(q.groupBy)];
  const fields: Record<string, SQL.Aliased> = {
    requests: sql<number>`count(*)`.as('requests'),
    prompt_tokens: sql<number>`coalesce(sum(${requests.promptTokens}), 0)`.as('prompt_tokens'),
    completion_tokens: sql<number>`coalesce(sum(${requests.completionTokens}), 0)`.as('completion_tokens'),
    cached_tokens: sql<number>`coalesce(sum(${requests.cachedTokens}), 0)`.as('cached_tokens'),
    cost_micros: sql<number>`coalesce(sum(${requests.costMicros}), 0)`.as('cost_micros'),
  };
  for (const d of dims) fields[`dim_${d}`] = DIMENSION_SQL[d].as(`dim_${d}`);

  const conditions: SQL[] = [];
  if (q.from !== undefined) conditions.push(gte(requests.ts, q.from));
  if (q.to !== undefined) conditions.push(lt(requests.ts, q.to));
  if (q.keyName !== undefined) conditions.push(eq(requests.keyName, q.keyName));

  const base = db
    .select(fields)
    .from(requests)
    .where(conditions.length > 0 ? and(...conditions) : undefined);
  const raw =
    dims.length > 0
      ? await base.groupBy(...dims.map((d) => DIMENSION_SQL[d])).orderBy(...dims.map((d) => asc(DIMENSION_SQL[d])))
      : await base;

  const totals: UsageTotals = { requests: 0, prompt_tokens: 0, completion_tokens: 0, cached_tokens: 0, cost_micros: 0 };
  const rows: UsageRow[] = [];
  for (const r of raw as Array<Record<string, unknown>>) {
    const row: UsageRow = {
      requests: num(r.requests),
      prompt_tokens: num(r.prompt_tokens),
      completion_tokens: num(r.completion_tokens),
      cached_tokens: num(r.cached_tokens),
      cost_micros: num(r.cost_micros),
    };
    if (row.requests === 0) continue; // the ungrouped aggregate over an empty window
    for (const d of dims) {
      const v = str(r[`dim_${d}`]);
      if (d === 'day') row.day = v ?? '';
      else row[d] = v;
    }
    totals.requests += row.requests;
    totals.prompt_tokens += row.prompt_tokens;
    totals.completion_tokens += row.completion_tokens;
    totals.cached_tokens += row.cached_tokens;
    totals.cost_micros += row.cost_micros;
    rows.push(row);
  }
  return { from: q.from ?? null, to: q.to ?? null, group_by: dims, rows, totals };
}
