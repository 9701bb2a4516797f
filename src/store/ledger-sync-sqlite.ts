// The ledger worker's target for a database FILE: libsql's synchronous binding (the `libsql` package that
// @libsql/client runs on for files, better-sqlite3's API), multi-row statements prepared once per size and
// reused by every flush, one synchronous transaction per flush: about half the CPU per row of
// `client.batch`, which re-prepares and converts every statement (bench/ledger-insert.ts). It must be the
// SAME SQLite library as the main thread's connection: two SQLite copies in one process (bun:sqlite beside
// libsql, for one) do not see each other's POSIX locks, so both could write the WAL at once and corrupt it.
//
// Exactly-once, as in ledger.ts and ledger-sqlite.ts: request rows are INSERT ... ON CONFLICT DO NOTHING on
// the id, attempt rows on (request_id, n), and spend is added only for rows whose id is not in `requests`
// yet, evaluated before their insert in the same transaction, so a retried flush never duplicates rows
// nor double-counts spend. A row that counted against a group budget adds its cost to the group's account too.

import Database from 'libsql';
import type { LedgerTarget, Pending } from './ledger.ts';
import { groupAccount } from './spend-accounts.ts';

type Bound = string | number | null;

const REQUEST_COLUMNS =
  'id, ts, key_name, group_name, route, model, provider, upstream_model, prompt_tokens, completion_tokens, ' +
  'cached_tokens, usage_source, cost_micros, status, error_code, latency_ms, ttft_ms, stream, partial, config_hash';
const ATTEMPT_COLUMNS = 'request_id, n, provider, upstream_model, status, error_code, latency_ms, ts';
export type SyncDb = InstanceType<typeof Database>;

/** Opens an existing (migrated) ledger file: WAL, synchronous=NORMAL and a busy timeout, as open.ts does. */
export function openSyncLedgerFile(path: string, busyTimeoutMs = 5000): SyncDb {
  const db = new Database(path, { fileMustExist: true, timeout: Math.max(0, Math.floor(busyTimeoutMs)) });
  db.exec('PRAGMA journal_mode=WAL');
  db.exec(`PRAGMA busy_timeout=${Math.max(0, Math.floor(busyTimeoutMs))}`);
  db.exec('PRAGMA synchronous=NORMAL');
  return db;
}

// Up to ROWS_PER_STATEMENT rows per statement: the binding is called about three times per chunk of rows
// instead of two or three times per row (measured: 50 rows per statement ~15% cheaper than one).
const ROWS_PER_STATEMENT = 50;
const places = (n: number, k: number) => Array(n).fill(`(${Array(k).fill('?').join(', ')})`).join(', ');

export function syncSqliteLedgerTarget(db: SyncDb): LedgerTarget {
  type Stmt = { run(args: Bound[]): unknown };
  const cache = new Map<string, Stmt>();
  const stmt = (kind: 'r' | 'a' | 's', n: number): Stmt => {
    const key = kind + n;
    let s = cache.get(key);
    if (!s) {
      const sql =
        kind === 'r' ? `INSERT INTO requests (${REQUEST_COLUMNS}) VALUES ${places(n, 20)} ON CONFLICT DO NOTHING`
        : kind === 'a' ? `INSERT INTO attempts (${ATTEMPT_COLUMNS}) VALUES ${places(n, 8)} ON CONFLICT DO NOTHING`
        : `WITH v(id, key_name, cost) AS (VALUES ${places(n, 3)}) INSERT INTO key_spend (key_name, spent_micros, budget_adjust_micros, updated_at) ` +
          'SELECT key_name, SUM(cost), 0, ? FROM v WHERE id NOT IN (SELECT id FROM requests) GROUP BY key_name ' +
          'ON CONFLICT(key_name) DO UPDATE SET spent_micros = key_spend.spent_micros + excluded.spent_micros, updated_at = excluded.updated_at';
      cache.set(key, (s = db.prepare<[Bound[]]>(sql)));
    }
    return s;
  };
  const writeAll = db.transaction((batch: Pending[], now: number): { rows: number; attempts: number } => {
    let attemptCount = 0;
    for (let start = 0; start < batch.length; start += ROWS_PER_STATEMENT) {
      const part = batch.slice(start, start + ROWS_PER_STATEMENT);
      const spendArgs: Bound[] = [];
      const rowArgs: Bound[] = [];
      const attemptArgs: Bound[] = [];
      let keyed = 0;
      let attempts = 0;
      for (const { row: r, attempts: list } of part) {
        const cost = Math.round(r.costMicros);
        if (r.keyName && cost > 0) { spendArgs.push(r.id, r.keyName, cost); keyed++; }
        if (r.budgetGroup && cost > 0) { spendArgs.push(r.id, groupAccount(r.budgetGroup), cost); keyed++; }
        rowArgs.push(
          r.id, r.ts, r.keyName ?? null, r.groupName ?? null, r.route ?? null, r.model ?? null, r.provider ?? null, r.upstreamModel ?? null,
          r.promptTokens, r.completionTokens, r.cachedTokens ?? 0, r.usageSource ?? 'upstream', cost, r.status,
          r.errorCode ?? null, r.latencyMs ?? null, r.ttftMs ?? null, r.stream ? 1 : 0, r.partial ? 1 : 0, r.configHash ?? null,
        );
        for (const a of list) {
          attemptArgs.push(r.id, a.n, a.provider, a.upstreamModel ?? null, a.status ?? null, a.errorCode ?? null, a.latencyMs ?? null, a.ts);
          attempts++;
        }
      }
      // One array argument: the binding then uses it as it is (spread arguments are copied twice: the spread, then its flat()).
      if (keyed) {
        spendArgs.push(now);
        stmt('s', keyed).run(spendArgs);
      }
      stmt('r', part.length).run(rowArgs);
      for (let a = 0; a < attempts; a += ROWS_PER_STATEMENT) {
        const n = Math.min(ROWS_PER_STATEMENT, attempts - a);
        stmt('a', n).run(attemptArgs.slice(a * 8, (a + n) * 8));
      }
      attemptCount += attempts;
    }
    return { rows: batch.length, attempts: attemptCount };
  });
  return {
    async write(batch, now) {
      return writeAll.immediate(batch, now);
    },
  };
}

