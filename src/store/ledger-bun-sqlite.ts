// The ledger worker's target for a database FILE under Bun: bun:sqlite with statements prepared once and
// reused by every flush, one synchronous transaction per flush. libsql files are SQLite files and the
// main thread has already applied the migrations (with libsql), so both open the same file; the libsql
// target (ledger-sqlite.ts) stays the path for remote URLs, :memory: and runtimes without bun:sqlite.
//
// Exactly-once, as in ledger.ts: a request row is INSERT ... ON CONFLICT DO NOTHING on its id; only when
// it was new (changes = 1) are its attempt rows inserted and its cost added to its key's spend, all in
// the same transaction, so a retried flush never duplicates rows nor double-counts spend.

import type { Database, Statement } from 'bun:sqlite';
import type { LedgerTarget, Pending } from './ledger.ts';

type Bound = string | number | null;

const REQUEST_SQL =
  'INSERT INTO requests (id, ts, key_name, group_name, route, model, provider, upstream_model, prompt_tokens, completion_tokens, ' +
  'cached_tokens, usage_source, cost_micros, status, error_code, latency_ms, ttft_ms, stream, partial, config_hash) ' +
  `VALUES (${Array(20).fill('?').join(', ')}) ON CONFLICT DO NOTHING`;
const ATTEMPT_SQL =
  'INSERT INTO attempts (request_id, n, provider, upstream_model, status, error_code, latency_ms, ts) ' +
  'VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING';
const SPEND_SQL =
  'INSERT INTO key_spend (key_name, spent_micros, budget_adjust_micros, updated_at) VALUES (?, ?, 0, ?) ' +
  'ON CONFLICT(key_name) DO UPDATE SET spent_micros = key_spend.spent_micros + excluded.spent_micros, updated_at = excluded.updated_at';

/** Opens a ledger file with bun:sqlite: WAL, synchronous=NORMAL and a busy timeout, as open.ts does. */
export async function openBunSqliteFile(path: string, busyTimeoutMs = 5000): Promise<Database> {
  const { Database: Db } = await import('bun:sqlite');
  const db = new Db(path, { create: false, readwrite: true });
  db.exec('PRAGMA journal_mode=WAL');
  db.exec(`PRAGMA busy_timeout=${Math.max(0, Math.floor(busyTimeoutMs))}`);
  db.exec('PRAGMA synchronous=NORMAL');
  return db;
}

export function bunSqliteLedgerTarget(db: Database): LedgerTarget {
  const request: Statement = db.prepare(REQUEST_SQL);
  const attempt: Statement = db.prepare(ATTEMPT_SQL);
  const spend: Statement = db.prepare(SPEND_SQL);
  const writeAll = db.transaction((batch: Pending[], now: number): { rows: number; attempts: number } => {
    const perKey = new Map<string, number>();
    let attempts = 0;
    for (const { row: r, attempts: list } of batch) {
      const cost = Math.round(r.costMicros);
      const args: Bound[] = [
        r.id, r.ts, r.keyName ?? null, r.groupName ?? null, r.route ?? null, r.model ?? null, r.provider ?? null, r.upstreamModel ?? null,
        r.promptTokens, r.completionTokens, r.cachedTokens ?? 0, r.usageSource ?? 'upstream', cost, r.status,
        r.errorCode ?? null, r.latencyMs ?? null, r.ttftMs ?? null, r.stream ? 1 : 0, r.partial ? 1 : 0, r.configHash ?? null,
      ];
      // Already recorded by an earlier (ambiguously failed) flush: its attempts and spend were committed with it.
      if (request.run(...args).changes === 0) continue;
      for (const a of list) {
        attempt.run(r.id, a.n, a.provider, a.upstreamModel ?? null, a.status ?? null, a.errorCode ?? null, a.latencyMs ?? null, a.ts);
        attempts++;
      }
      if (r.keyName && cost > 0) perKey.set(r.keyName, (perKey.get(r.keyName) ?? 0) + cost);
    }
    for (const [key, cost] of perKey) spend.run(key, cost, now);
    return { rows: batch.length, attempts };
  });
  return {
    async write(batch, now) {
      return writeAll.immediate(batch, now);
    },
  };
}
