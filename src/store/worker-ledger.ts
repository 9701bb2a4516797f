// The request thread's side of the ledger worker: record() only appends the row, flattened (ledger-wire.ts),
// to an array; every flushMs the batch is posted to the worker (one JSON string per batch), which commits
// it in one transaction.
// flush() resolves once everything recorded before it is committed; close() flushes and stops the worker.
// A batch whose commit failed stays counted in `pending` (the outage buffer, ledger-guard.ts) until the worker
// says its queue drained (it retries on its own timer) or acknowledges a later batch.
// If the worker dies, every batch it had not acknowledged is re-recorded into a main-thread writer
// (duplicates are harmless: inserts are idempotent by request id) and writing continues there.
// A kill -9 loses at most the rows of the current flush window (plus a batch being committed).

import type { AttemptRow, LedgerHealth, RequestRow } from './ledger.ts';
import type { FromWorker, LedgerDriver, ToWorker } from './ledger-worker.ts';
import { decodeRow, encodeRow, type WireRow } from './ledger-wire.ts';

export interface LedgerSink {
  record(row: RequestRow, attempts?: AttemptRow[]): void;
  flush(): Promise<void>;
  close(): Promise<void>;
  readonly pending: number;
  /** Queue length and whether writes currently fail (the outage buffer, see ledger-guard.ts). */
  health(): LedgerHealth;
}

interface InFlight {
  json: string;
  rows: number;
  done: Promise<void>;
  resolve: () => void;
  reject: (err: Error) => void;
}

export interface WorkerLedgerOptions {
  url: string;
  authToken?: string;
  flushMs: number;
  onError: (message: string) => void;
  /** A main-thread writer to continue with if the worker dies. */
  fallback: () => LedgerSink;
  /** How the worker writes a file (default `prepared`; SWITCHYARD_LEDGER_DRIVER=client selects the @libsql/client batch). */
  driver?: LedgerDriver;
  /** The worker connection's busy timeout in ms (default 5000, as the store's). */
  busyTimeoutMs?: number;
  /** How long close() waits for the worker (default 10 s). */
  closeTimeoutMs?: number;
}

export class WorkerLedger implements LedgerSink {
  readonly #worker: Worker;
  readonly #timer: ReturnType<typeof setInterval>;
  readonly #opts: WorkerLedgerOptions;
  #buffer: WireRow[] = [];
  #seq = 0;
  #inFlight = new Map<number, InFlight>();
  /** Batches whose commit failed: still queued in the worker, which retries them. */
  #failed = new Map<number, InFlight>();
  /** Rows in #inFlight and #failed, recounted when either changes (a few times a second), so `pending`, read on every request by the ledger guard, walks nothing. */
  #heldRows = 0;
  #fallback?: LedgerSink;
  // The worker stays referenced (not unref'd): while a flush or close awaits it, it must keep the
  // process alive, or the process could exit with rows unwritten. close() terminates it.
  #closed?: Promise<void>;
  #stopping = false;
  #onClosed?: (pending: number) => void;
  #failingSince?: number;
  #lastError?: string;

  private constructor(worker: Worker, opts: WorkerLedgerOptions) {
    this.#worker = worker;
    this.#opts = opts;
    this.#timer = setInterval(() => void this.#send().catch(() => {}), opts.flushMs);
    this.#timer.unref?.();
    worker.onmessage = (event: MessageEvent<FromWorker>) => this.#receive(event.data);
    worker.onerror = (event) => this.#workerDied(event.message || 'worker error');
    worker.addEventListener('close', () => this.#workerDied('worker exited'));
  }

  /** Starts the worker and waits until it has opened the database (migrations already applied). */
  static async start(opts: WorkerLedgerOptions): Promise<WorkerLedger> {
    const worker = new Worker(new URL('./ledger-worker.ts', import.meta.url).href);
    try {
      await new Promise<void>((resolve, reject) => {
        worker.onmessage = (event: MessageEvent<FromWorker>) => {
          if (event.data.type === 'ready') resolve();
          else if (event.data.type === 'error') reject(new Error(event.data.message));
        };
        worker.onerror = (event) => reject(new Error(event.message));
        const driver = opts.driver ?? (process.env.SWITCHYARD_LEDGER_DRIVER === 'client' ? 'client' : 'prepared');
        worker.postMessage({ type: 'init', url: opts.url, authToken: opts.authToken, flushMs: opts.flushMs, driver, busyTimeoutMs: opts.busyTimeoutMs } satisfies ToWorker);
      });
    } catch (err) {
      worker.terminate();
      throw err;
    }
    return new WorkerLedger(worker, opts);
  }

  get pending(): number {
    if (this.#fallback) return this.#fallback.pending;
    return this.#buffer.length + this.#heldRows;
  }

  health(): LedgerHealth {
    if (this.#fallback) return this.#fallback.health();
    return { pending: this.pending, failingSince: this.#failingSince, lastError: this.#lastError };
  }

  record(row: RequestRow, attempts: AttemptRow[] = []): void {
    if (this.#fallback) return this.#fallback.record(row, attempts);
    if (this.#closed) return this.#opts.onError(`ledger row ${row.id} dropped: writer closed`);
    this.#buffer.push(encodeRow(row, attempts));
  }

  flush(): Promise<void> {
    return this.#send(true);
  }

  close(): Promise<void> {
    return (this.#closed ??= (async () => {
      clearInterval(this.#timer);
      await this.#send(true).catch(() => {});
      if (this.#fallback) return this.#fallback.close();
      this.#stopping = true;
      const pending = await new Promise<number>((resolve) => {
        const timer = setTimeout(() => resolve(-1), this.#opts.closeTimeoutMs ?? 10_000);
        this.#onClosed = (n) => {
          clearTimeout(timer);
          resolve(n);
        };
        this.#worker.postMessage({ type: 'close' } satisfies ToWorker);
      });
      this.#worker.terminate();
      if (pending === -1) throw new Error('the ledger worker did not confirm its last flush in time');
      if (pending > 0) throw new Error(`ledger close left ${pending} rows unwritten`);
    })());
  }

  /** Stops the worker abruptly, as a crash would (tests and operators' drills); writing continues here. */
  killWorker(): void {
    this.#worker.terminate();
    this.#workerDied('terminated');
  }

  /** Posts the buffered rows; with `waitAll`, resolves when every batch sent so far is committed. */
  #send(waitAll = false): Promise<void> {
    if (this.#fallback) return waitAll ? this.#fallback.flush() : Promise.resolve();
    if (this.#buffer.length > 0) {
      const rows = this.#buffer;
      this.#buffer = [];
      const seq = ++this.#seq;
      let resolve!: () => void;
      let reject!: (err: Error) => void;
      const done = new Promise<void>((res, rej) => { resolve = res; reject = rej; });
      done.catch(() => {}); // timer sends are not awaited; failures are reported through onError
      // One JSON string per batch: structured-cloning thousands of row objects costs the request
      // thread several times more than JSON.stringify plus a string transfer.
      const json = JSON.stringify(rows);
      this.#inFlight.set(seq, { json, rows: rows.length, done, resolve, reject });
      this.#recount();
      this.#worker.postMessage({ type: 'rows', seq, json } satisfies ToWorker);
    }
    if (!waitAll) return Promise.resolve();
    return Promise.all([...this.#inFlight.values()].map((f) => f.done)).then(() => {});
  }

  #recount(): void {
    let n = 0;
    for (const f of this.#inFlight.values()) n += f.rows;
    for (const f of this.#failed.values()) n += f.rows;
    this.#heldRows = n;
  }

  #receive(message: FromWorker): void {
    if (message.type === 'ack') {
      const entry = this.#inFlight.get(message.seq);
      this.#inFlight.delete(message.seq);
      // The worker's flush drains its whole queue: earlier failed batches are committed too.
      for (const seq of this.#failed.keys()) if (seq < message.seq) this.#failed.delete(seq);
      this.#recount();
      this.#failingSince = undefined;
      this.#lastError = undefined;
      entry?.resolve();
    } else if (message.type === 'drained') {
      this.#failed.clear();
      this.#recount();
      this.#failingSince = undefined;
      this.#lastError = undefined;
    } else if (message.type === 'error') {
      this.#opts.onError(message.message);
      this.#failingSince ??= Date.now();
      this.#lastError = message.message;
      if (message.seq !== undefined) {
        // The rows stay queued in the worker's writer, which retries them on its own timer.
        const entry = this.#inFlight.get(message.seq);
        this.#inFlight.delete(message.seq);
        if (entry) {
          this.#failed.set(message.seq, entry);
          this.#recount();
          entry.reject(new Error(message.message));
        }
      }
    } else if (message.type === 'closed') {
      this.#onClosed?.(message.pending);
    }
  }

  /** The worker is gone unexpectedly: continue on this thread with everything it had not confirmed. */
  #workerDied(reason: string): void {
    if (this.#fallback || this.#stopping) return;
    this.#opts.onError(`ledger worker stopped (${reason}); writing from the main thread`);
    const fallback = (this.#fallback = this.#opts.fallback());
    const failed = [...this.#failed.values()];
    const unconfirmed = [...this.#inFlight.values()];
    this.#failed.clear();
    this.#inFlight.clear();
    this.#recount();
    const rows = [...failed, ...unconfirmed].flatMap((entry) => JSON.parse(entry.json) as WireRow[]).concat(this.#buffer);
    for (const { row, attempts } of rows.map(decodeRow)) fallback.record(row, attempts);
    this.#buffer = [];
    fallback.flush().then(
      () => unconfirmed.forEach((e) => e.resolve()),
      (err: unknown) => unconfirmed.forEach((e) => e.reject(err instanceof Error ? err : new Error(String(err)))),
    );
  }
}
