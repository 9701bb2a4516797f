// The SQLite/libsql side of the ledger writer: one `client.batch(..., 'write')` per flush holding the spend
// upsert, the request rows and the attempt rows (see ledger.ts for the exactly-once argument).

import type { Client, InStatement, InValue } from '@libsql/client';
import type { AttemptRow, LedgerTarget, Pending, RequestRow } from './ledger.ts';
import { groupAccount } from './spend-accounts.ts';

const ROWS_PER_STATEMENT = 200;
const ATTEMPTS_PER_STATEMENT = 500;

function chunks<T>(items: T[], size: number): T[][] {
  return Array.from({ length: Math.ceil(items.length / size) }, (_, i) => items.slice(i * size, (i + 1) * size));
}

export function sqliteLedgerTarget(client: Client): LedgerTarget {
  return {
    async write(unique, now) {
      const statements: InStatement[] = [];
      let attemptCount = 0;
      for (const part of chunks(unique, ROWS_PER_STATEMENT)) {
        const spend = spendStatement(part, now);
        if (spend) statements.push(spend);
        statements.push(requestInsert(part.map((p) => p.row)));
        const attemptRows = part.flatMap((p) => p.attempts.map((a) => [p.row.id, a] as const));
        attemptCount += attemptRows.length;
        for (const a of chunks(attemptRows, ATTEMPTS_PER_STATEMENT)) statements.push(attemptInsert(a));
      }
      await client.batch(statements, 'write');
      return { rows: unique.length, attempts: attemptCount };
    },
  };
}

/** key_spend += cost for rows with a key whose id is not in `requests` yet (runs before their insert). */
function spendStatement(part: Pending[], now: number): InStatement | null {
  const args: InValue[] = [];
  let n = 0;
  for (const { row: r } of part) {
    if (!(r.costMicros > 0)) continue;
    const cost = Math.round(r.costMicros);
    if (r.keyName) { args.push(r.id, r.keyName, cost); n++; }
    // A row that counted against a group budget: the group's spend account too (store/spend-accounts.ts).
    if (r.budgetGroup) { args.push(r.id, groupAccount(r.budgetGroup), cost); n++; }
  }
  if (n === 0) return null;
  args.push(now);
  return {
    sql:
      `WITH v(id, key_name, cost) AS (VALUES ${Array(n).fill('(?, ?, ?)').join(', ')}) ` +
      'INSERT INTO key_spend (key_name, spent_micros, budget_adjust_micros, updated_at) ' +
      'SELECT key_name, SUM(cost), 0, ? FROM v WHERE id NOT IN (SELECT id FROM requests) GROUP BY key_name ' +
      'ON CONFLICT(key_name) DO UPDATE SET spent_micros = key_spend.spent_micros + excluded.spent_micros, ' +
      'updated_at = excluded.updated_at',
    args,
  };
}

// Hand-written multi-row INSERTs (columns match schema.ts / the migration). Measured against the query
// builder and a json_each form, a multi-row VALUES list is the cheapest for libsql's binding.
const REQUEST_COLUMNS = 'id, ts, key_name, group_name, route, model, provider, upstream_model, prompt_tokens, completion_tokens, cached_tokens, usage_source, cost_micros, status, error_code, latency_ms, ttft_ms, stream, partial, config_hash';
const REQUEST_PLACEHOLDERS = `(${Array(20).fill('?').join(', ')})`;
const ATTEMPT_COLUMNS = 'request_id, n, provider, upstream_model, status, error_code, latency_ms, ts';
const ATTEMPT_PLACEHOLDERS = `(${Array(8).fill('?').join(', ')})`;

function requestInsert(rows: RequestRow[]): InStatement {
  const args: InValue[] = [];
  for (const r of rows) {
    args.push(
      r.id, r.ts, r.keyName ?? null, r.groupName ?? null, r.route ?? null, r.model ?? null, r.provider ?? null, r.upstreamModel ?? null,
      r.promptTokens, r.completionTokens, r.cachedTokens ?? 0, r.usageSource ?? 'upstream', Math.round(r.costMicros), r.status,
      r.errorCode ?? null, r.latencyMs ?? null, r.ttftMs ?? null, r.stream ? 1 : 0, r.partial ? 1 : 0, r.configHash ?? null,
    );
  }
  return { sql: `INSERT INTO requests (${REQUEST_COLUMNS}) VALUES ${rows.map(() => REQUEST_PLACEHOLDERS).join(', ')} ON CONFLICT DO NOTHING`, args };
}

function attemptInsert(rows: ReadonlyArray<readonly [string, AttemptRow]>): InStatement {
  const args: InValue[] = [];
  for (const [requestId, a] of rows) {
    args.push(requestId, a.n, a.provider, a.upstreamModel ?? null, a.status ?? null, a.errorCode ?? null, a.latencyMs ?? null, a.ts);
  }
  return { sql: `INSERT INTO attempts (${ATTEMPT_COLUMNS}) VALUES ${rows.map(() => ATTEMPT_PLACEHOLDERS).join(', ')} ON CONFLICT DO NOTHING`, args };
}
