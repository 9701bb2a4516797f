// Batched ledger writer. record() only queues (never blocks a request); a timer flushes the queue every
// flushMs in ONE write transaction (client.batch 'write'): spend upsert, request rows, attempt rows.
//
// Exactly-once: request rows are INSERT ... ON CONFLICT DO NOTHING on the request id and attempt rows on
// (request_id, n); spend is added only for rows whose id is not yet in `requests`, evaluated inside the same
// transaction before the insert. So a flush that is retried after an ambiguous failure (committed, but the
// client saw an error) never duplicates rows nor double-counts spend. On failure rows stay queued and the
// next tick retries; onError is told, nothing is printed. A kill -9 loses at most the unflushed window;
// SQLite's WAL keeps the file consistent.

import type { Client, InStatement, InValue } from '@libsql/client';
import type { StoreDb } from './open.ts';

/** One ledger row per client request (unique by id). Money is integer micro-dollars. */
export interface RequestRow {
  id: string;
  /** Request start, ms since epoch. */
  ts: number;
  keyName?: string | null;
  groupName?: string | null;
  route?: string | null;
  /** Model name the client asked for. */
  model?: string | null;
  provider?: string | null;
  upstreamModel?: string | null;
  promptTokens: number;
  completionTokens: number;
  cachedTokens?: number;
  usageSource?: 'upstream' | 'estimated' | 'none';
  costMicros: number;
  /** HTTP status returned to the client. */
  status: number;
  errorCode?: string | null;
  latencyMs?: number | null;
  ttftMs?: number | null;
  stream?: boolean;
  /** Client abort or a stream cut after the first byte. */
  partial?: boolean;
  configHash?: string | null;
}

/** One upstream attempt of a request; `n` (from 1) is unique per request. */
export interface AttemptRow {
  n: number;
  provider: string;
  upstreamModel?: string | null;
  status?: number | null;
  errorCode?: string | null;
  latencyMs?: number | null;
  ts: number;
}

export interface FlushInfo {
  rows: number;
  attempts: number;
  ms: number;
}

export interface LedgerWriterOptions {
  /** Flush interval in ms (default 200). */
  flushMs?: number;
  /** Most request rows per transaction (default 5000); a larger backlog drains over several ticks. */
  maxBatchRows?: number;
  /** Queue bound (default 100000 rows). Beyond it new rows are dropped and reported through onError. */
  maxQueued?: number;
  /** Background failures (timer flushes, dropped rows). Never throws back into the writer. */
  onError?: (err: unknown) => void;
  /** Called after each committed transaction. */
  onFlush?: (info: FlushInfo) => void;
}

interface Pending {
  row: RequestRow;
  attempts: AttemptRow[];
}

const ROWS_PER_STATEMENT = 200;
const ATTEMPTS_PER_STATEMENT = 500;

function chunks<T>(items: T[], size: number): T[][] {
  return Array.from({ length: Math.ceil(items.length / size) }, (_, i) => items.slice(i * size, (i + 1) * size));
}

export class LedgerWriter {
  readonly #client: Client;
  readonly #flushMs: number;
  readonly #maxBatchRows: number;
  readonly #maxQueued: number;
  readonly #onError: (err: unknown) => void;
  readonly #onFlush: ((info: FlushInfo) => void) | undefined;
  #queue: Pending[] = [];
  #chain: Promise<void> = Promise.resolve();
  #ticking = false;
  #closed = false;
  #dropped = 0;
  #timer: ReturnType<typeof setInterval> | undefined;

  constructor(store: { client: Client; db: StoreDb }, options: LedgerWriterOptions = {}) {
    this.#client = store.client;
    this.#flushMs = Math.max(1, options.flushMs ?? 200);
    this.#maxBatchRows = Math.max(1, options.maxBatchRows ?? 5000);
    this.#maxQueued = Math.max(1, options.maxQueued ?? 100_000);
    this.#onError = options.onError ?? (() => {});
    this.#onFlush = options.onFlush;
    this.#timer = setInterval(() => this.#tick(), this.#flushMs);
    // The HTTP server keeps the process alive; the ledger timer must not.
    this.#timer.unref?.();
  }

  /** Rows queued and not yet committed. */
  get pending(): number {
    return this.#queue.length;
  }

  /** Rows refused because the queue was full or the writer was closed. */
  get dropped(): number {
    return this.#dropped;
  }

  /** Queues one request row and its attempts. Never blocks, never throws. */
  record(row: RequestRow, attempts: AttemptRow[] = []): void {
    const problem = this.#closed
      ? 'writer closed'
      : this.#queue.length >= this.#maxQueued
        ? 'queue full'
        : invalidRow(row, attempts);
    if (problem) {
      this.#dropped++;
      this.#onError(new Error(`ledger row ${String(row.id)} dropped: ${problem}`));
      return;
    }
    this.#queue.push({ row, attempts });
  }

  /** Commits everything queued before the call. Rejects if a transaction fails (rows stay queued). */
  flush(): Promise<void> {
    const target = this.#queue.length;
    const run = this.#chain.then(() => this.#drain(target));
    this.#chain = run.catch(() => {});
    return run;
  }

  /** Stops the timer and flushes what is left (a few attempts); rejects if rows could not be written. */
  async close(): Promise<void> {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
    this.#closed = true;
    let lastErr: unknown;
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        await this.flush();
        if (this.#queue.length === 0) return;
      } catch (err) {
        lastErr = err;
        await new Promise((r) => setTimeout(r, 50 * (attempt + 1)));
      }
    }
    if (this.#queue.length > 0) throw lastErr ?? new Error(`ledger close left ${this.#queue.length} rows unwritten`);
  }

  #tick(): void {
    if (this.#ticking || this.#queue.length === 0) return;
    this.#ticking = true;
    this.flush()
      .catch((err: unknown) => this.#onError(err))
      .finally(() => {
        this.#ticking = false;
      });
  }

  async #drain(target: number): Promise<void> {
    let done = 0;
    while (done < target && this.#queue.length > 0) {
      done += await this.#flushOnce();
    }
  }

  /** Writes the head of the queue in one transaction; removes it only after COMMIT. */
  async #flushOnce(): Promise<number> {
    const batch = this.#queue.slice(0, this.#maxBatchRows);
    if (batch.length === 0) return 0;
    const started = performance.now();
    const { statements, rows, attempts } = this.#statements(batch);
    await this.#client.batch(statements, 'write');
    // Rows recorded meanwhile were appended at the tail; the head is exactly `batch`.
    this.#queue.splice(0, batch.length);
    try {
      this.#onFlush?.({ rows, attempts, ms: performance.now() - started });
    } catch {} // an observer's bug is not a ledger failure: the rows are committed
    return batch.length;
  }

  #statements(batch: Pending[]): { statements: InStatement[]; rows: number; attempts: number } {
    // A request id queued twice keeps its first row; the second is a duplicate by definition.
    const byId = new Map<string, Pending>();
    for (const p of batch) if (!byId.has(p.row.id)) byId.set(p.row.id, p);
    const unique = [...byId.values()];
    const statements: InStatement[] = [];
    const now = Date.now();
    let attemptCount = 0;
    for (const part of chunks(unique, ROWS_PER_STATEMENT)) {
      const spend = this.#spendStatement(part, now);
      if (spend) statements.push(spend);
      statements.push(requestInsert(part.map((p) => p.row)));
      const attemptRows = part.flatMap((p) => p.attempts.map((a) => [p.row.id, a] as const));
      attemptCount += attemptRows.length;
      for (const a of chunks(attemptRows, ATTEMPTS_PER_STATEMENT)) statements.push(attemptInsert(a));
    }
    return { statements, rows: unique.length, attempts: attemptCount };
  }

  /** key_spend += cost for rows with a key whose id is not in `requests` yet (runs before their insert). */
  #spendStatement(part: Pending[], now: number): InStatement | null {
    const keyed = part.filter((p) => p.row.keyName && p.row.costMicros > 0);
    if (keyed.length === 0) return null;
    const args: InValue[] = [];
    for (const p of keyed) args.push(p.row.id, p.row.keyName ?? null, Math.round(p.row.costMicros));
    args.push(now);
    return {
      sql:
        `WITH v(id, key_name, cost) AS (VALUES ${keyed.map(() => '(?, ?, ?)').join(', ')}) ` +
        'INSERT INTO key_spend (key_name, spent_micros, budget_adjust_micros, updated_at) ' +
        'SELECT key_name, SUM(cost), 0, ? FROM v WHERE id NOT IN (SELECT id FROM requests) GROUP BY key_name ' +
        'ON CONFLICT(key_name) DO UPDATE SET spent_micros = key_spend.spent_micros + excluded.spent_micros, ' +
        'updated_at = excluded.updated_at',
      args,
    };
  }
}

const isInt = (v: unknown): boolean => typeof v === 'number' && Number.isFinite(v);
const isOptInt = (v: unknown): boolean => v === undefined || v === null || isInt(v);

/** A malformed row would fail its whole transaction forever (poison); refuse it at the door instead. */
function invalidRow(r: RequestRow, attempts: AttemptRow[]): string | null {
  if (typeof r.id !== 'string' || r.id === '') return 'missing id';
  if (!isInt(r.ts) || !isInt(r.status) || !isInt(r.costMicros)) return 'ts, status and costMicros must be numbers';
  if (!isInt(r.promptTokens) || !isInt(r.completionTokens) || !isOptInt(r.cachedTokens)) return 'token counts must be numbers';
  if (!isOptInt(r.latencyMs) || !isOptInt(r.ttftMs)) return 'latencyMs and ttftMs must be numbers';
  for (const a of attempts) {
    if (!isInt(a.n) || !isInt(a.ts) || typeof a.provider !== 'string' || !isOptInt(a.status) || !isOptInt(a.latencyMs)) {
      return `attempt ${String(a.n)} is malformed`;
    }
  }
  return null;
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
