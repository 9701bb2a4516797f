// Batched ledger writer. record() only queues (never blocks a request); a timer flushes the queue every
// flushMs in ONE write transaction: spend upsert, request rows, attempt rows. The transaction itself is the
// dialect's LedgerTarget (ledger-sqlite.ts: one libsql batch; ledger-pg.ts: one PostgreSQL transaction).
//
// Exactly-once: request rows are INSERT ... ON CONFLICT DO NOTHING on the request id and attempt rows on
// (request_id, n); spend is added only for rows whose id is not yet in `requests`, evaluated inside the same
// transaction before the insert. So a flush that is retried after an ambiguous failure (committed, but the
// client saw an error) never duplicates rows nor double-counts spend. On failure rows stay queued and the
// next tick retries; onError is told, nothing is printed. While the database is unreachable the queue is
// the outage buffer: health() says since when writes fail, and the runtime refuses new billable requests
// once `pending` reaches its bound (see ledger-guard.ts). A kill -9 loses at most the unflushed window.

import type { Client } from '@libsql/client';
import { pgLedgerTarget } from './ledger-pg.ts';
import { sqliteLedgerTarget } from './ledger-sqlite.ts';
import type { PgStore } from './open-pg.ts';

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
  /** The group whose budget the request counted against: its cost is added to that group's spend account too. */
  budgetGroup?: string | null;
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

/** One queued request row with its attempts. */
export interface Pending {
  row: RequestRow;
  attempts: AttemptRow[];
}

/** Writes a batch (request ids already unique) in ONE transaction, idempotently by request id. */
export interface LedgerTarget {
  write(batch: Pending[], now: number): Promise<{ rows: number; attempts: number }>;
}

/** Where the writer writes: a libsql client (SQLite, sqld), a PostgreSQL store, or any target. */
export type LedgerDestination = { client: Client; db?: unknown } | Pick<PgStore, 'dialect' | 'pool'> | { target: LedgerTarget };

export interface LedgerHealth {
  pending: number;
  /** First failure of the current run of failed flushes (ms since epoch); undefined while writes succeed. */
  failingSince?: number;
  /** The latest flush failure, as one line. */
  lastError?: string;
}

function targetOf(dest: LedgerDestination): LedgerTarget {
  if ('target' in dest) return dest.target;
  if ('pool' in dest) return pgLedgerTarget(dest.pool);
  return sqliteLedgerTarget(dest.client);
}

export class LedgerWriter {
  readonly #target: LedgerTarget;
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
  #failingSince: number | undefined;
  #lastError: string | undefined;

  constructor(destination: LedgerDestination, options: LedgerWriterOptions = {}) {
    this.#target = targetOf(destination);
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

  health(): LedgerHealth {
    return { pending: this.#queue.length, failingSince: this.#failingSince, lastError: this.#lastError };
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
    // A request id queued twice keeps its first row; the second is a duplicate by definition.
    const byId = new Map<string, Pending>();
    for (const p of batch) if (!byId.has(p.row.id)) byId.set(p.row.id, p);
    let written: { rows: number; attempts: number };
    try {
      written = await this.#target.write([...byId.values()], Date.now());
    } catch (err) {
      this.#failingSince ??= Date.now();
      this.#lastError = String((err as Error)?.message ?? err).split('\n')[0];
      throw err;
    }
    this.#failingSince = undefined;
    this.#lastError = undefined;
    const { rows, attempts } = written;
    // Rows recorded meanwhile were appended at the tail; the head is exactly `batch`.
    this.#queue.splice(0, batch.length);
    try {
      this.#onFlush?.({ rows, attempts, ms: performance.now() - started });
    } catch {} // an observer's bug is not a ledger failure: the rows are committed
    return batch.length;
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
