// The PostgreSQL side of the ledger writer: one transaction per flush with three statements, each taking
// the whole batch as ONE jsonb parameter expanded by jsonb_to_recordset (no per-row placeholders, so no
// parameter limit and one prepared statement per shape). Spend is added for ids not yet in `requests`
// before they are inserted, in key order (so concurrent replicas lock key_spend rows in the same order);
// inserts are ON CONFLICT DO NOTHING, so a retried flush never duplicates rows nor double-counts spend.
// Values are made safe for PostgreSQL first (integers rounded, NUL characters removed): one odd row must
// never poison the queue.

import type { Pool } from 'pg';
import type { LedgerTarget, Pending } from './ledger.ts';
import { groupAccount } from './spend-accounts.ts';

const SPEND_SQL =
  'INSERT INTO key_spend (key_name, spent_micros, budget_adjust_micros, updated_at) ' +
  'SELECT v.key_name, SUM(v.cost), 0, $2::bigint FROM jsonb_to_recordset($1::jsonb) AS v(id text, key_name text, cost bigint) ' +
  'WHERE NOT EXISTS (SELECT 1 FROM requests r WHERE r.id = v.id) GROUP BY v.key_name ORDER BY v.key_name ' +
  'ON CONFLICT (key_name) DO UPDATE SET spent_micros = key_spend.spent_micros + excluded.spent_micros, updated_at = excluded.updated_at';

const REQUEST_COLUMNS =
  'id text, ts bigint, key_name text, group_name text, route text, model text, provider text, upstream_model text, ' +
  'prompt_tokens integer, completion_tokens integer, cached_tokens integer, usage_source text, cost_micros bigint, ' +
  'status integer, error_code text, latency_ms integer, ttft_ms integer, stream boolean, partial boolean, config_hash text';
const REQUEST_NAMES = REQUEST_COLUMNS.split(', ').map((c) => c.split(' ')[0]).join(', ');
const REQUESTS_SQL = `INSERT INTO requests (${REQUEST_NAMES}) SELECT ${REQUEST_NAMES} FROM jsonb_to_recordset($1::jsonb) AS r(${REQUEST_COLUMNS}) ON CONFLICT DO NOTHING`;

const ATTEMPT_COLUMNS = 'request_id text, n integer, provider text, upstream_model text, status integer, error_code text, latency_ms integer, ts bigint';
const ATTEMPT_NAMES = ATTEMPT_COLUMNS.split(', ').map((c) => c.split(' ')[0]).join(', ');
const ATTEMPTS_SQL = `INSERT INTO attempts (${ATTEMPT_NAMES}) SELECT ${ATTEMPT_NAMES} FROM jsonb_to_recordset($1::jsonb) AS a(${ATTEMPT_COLUMNS}) ON CONFLICT DO NOTHING`;

const int = (v: number | null | undefined): number | null => (v === null || v === undefined ? null : Math.round(v));
const text = (v: string | null | undefined): string | null => (v === null || v === undefined ? null : v.includes('\u0000') ? v.replaceAll('\u0000', '') : v);

export function pgLedgerTarget(pool: Pool): LedgerTarget {
  return {
    async write(unique, now) {
      const spend: Array<{ id: string | null; key_name: string | null; cost: number | null }> = [];
      for (const { row: r } of unique) {
        if (!(r.costMicros > 0)) continue;
        if (r.keyName) spend.push({ id: text(r.id), key_name: text(r.keyName), cost: int(r.costMicros) });
        // A row that counted against a group budget: the group's spend account too (store/spend-accounts.ts).
        if (r.budgetGroup) spend.push({ id: text(r.id), key_name: text(groupAccount(r.budgetGroup)), cost: int(r.costMicros) });
      }
      const requests = unique.map(requestRecord);
      const attempts = unique.flatMap((p) =>
        p.attempts.map((a) => ({
          request_id: text(p.row.id), n: int(a.n), provider: text(a.provider), upstream_model: text(a.upstreamModel),
          status: int(a.status), error_code: text(a.errorCode), latency_ms: int(a.latencyMs), ts: int(a.ts),
        })),
      );
      const client = await pool.connect();
      // A checked-out client has no pool listener: a connection dying between statements must not
      // become an unhandled 'error' event (that would end the process); the next query fails instead.
      const ignore = () => {};
      client.on('error', ignore);
      let broken: Error | undefined;
      try {
        await client.query('BEGIN');
        if (spend.length > 0) await client.query(SPEND_SQL, [JSON.stringify(spend), Math.round(now)]);
        await client.query(REQUESTS_SQL, [JSON.stringify(requests)]);
        if (attempts.length > 0) await client.query(ATTEMPTS_SQL, [JSON.stringify(attempts)]);
        await client.query('COMMIT');
      } catch (err) {
        broken = err instanceof Error ? err : new Error(String(err));
        await client.query('ROLLBACK').catch(() => {});
        throw err;
      } finally {
        client.removeListener('error', ignore);
        // A failed connection is destroyed rather than returned to the pool.
        client.release(broken);
      }
      return { rows: unique.length, attempts: attempts.length };
    },
  };
}

function requestRecord({ row: r }: Pending): Record<string, string | number | boolean | null> {
  return {
    id: text(r.id), ts: int(r.ts), key_name: text(r.keyName), group_name: text(r.groupName), route: text(r.route),
    model: text(r.model), provider: text(r.provider), upstream_model: text(r.upstreamModel),
    prompt_tokens: int(r.promptTokens), completion_tokens: int(r.completionTokens), cached_tokens: int(r.cachedTokens ?? 0),
    usage_source: r.usageSource ?? 'upstream', cost_micros: int(r.costMicros), status: int(r.status),
    error_code: text(r.errorCode), latency_ms: int(r.latencyMs), ttft_ms: int(r.ttftMs),
    stream: r.stream === true, partial: r.partial === true, config_hash: text(r.configHash),
  };
}
