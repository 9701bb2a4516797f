// The request thread's side of the ledger worker: record() only appends to an array; every flushMs the
// batch is posted to the worker (one structured clone per batch), which commits it in one transaction.
// flush() resolves once everything recorded before it is committed; close() flushes and stops the worker.
// A kill -9 loses at most the rows of the current flush window (plus a batch being committed).

import type { AttemptRow, RequestRow } from './ledger.ts';
import type { FromWorker, ToWorker } from './ledger-worker.ts';

export interface LedgerSink {
  record(row: RequestRow, attempts?: AttemptRow[]): void;
  flush(): Promise<void>;
  close(): Promise<void>;
  readonly pending: number;
}

export class WorkerLedger implements LedgerSink {
  readonly #worker: Worker;
  readonly #timer: ReturnType<typeof setInterval>;
  #buffer: Array<[RequestRow, AttemptRow[]]> = [];
  #seq = 0;
  #inFlight = new Map<number, { rows: number; done: Promise<void>; resolve: () => void; reject: (err: Error) => void }>();
  // The worker stays referenced (not unref'd): while a flush or close awaits it, it must keep the
  // process alive, or the process could exit with rows unwritten. close() terminates it.
  #closed?: Promise<void>;
  #onClosed?: (pending: number) => void;

  private constructor(worker: Worker, flushMs: number, private readonly onError: (message: string) => void) {
    this.#worker = worker;
    this.#timer = setInterval(() => void this.#send().catch(() => {}), flushMs);
    this.#timer.unref?.();
    worker.onmessage = (event: MessageEvent<FromWorker>) => this.#receive(event.data);
  }

  /** Starts the worker and waits until it has opened the database (migrations already applied). */
  static async start(opts: { url: string; authToken?: string; flushMs: number; onError: (message: string) => void }): Promise<WorkerLedger> {
    const worker = new Worker(new URL('./ledger-worker.ts', import.meta.url).href);
    await new Promise<void>((resolve, reject) => {
      worker.onmessage = (event: MessageEvent<FromWorker>) => {
        if (event.data.type === 'ready') resolve();
        else if (event.data.type === 'error') reject(new Error(event.data.message));
      };
      worker.onerror = (event) => reject(new Error(event.message));
      worker.postMessage({ type: 'init', url: opts.url, authToken: opts.authToken, flushMs: opts.flushMs } satisfies ToWorker);
    });
    return new WorkerLedger(worker, opts.flushMs, opts.onError);
  }

  get pending(): number {
    let n = this.#buffer.length;
    for (const f of this.#inFlight.values()) n += f.rows;
    return n;
  }

  record(row: RequestRow, attempts: AttemptRow[] = []): void {
    if (this.#closed) return this.onError(`ledger row ${row.id} dropped: writer closed`);
    this.#buffer.push([row, attempts]);
  }

  flush(): Promise<void> {
    return this.#send(true);
  }

  close(): Promise<void> {
    return (this.#closed ??= (async () => {
      clearInterval(this.#timer);
      await this.#send(true).catch(() => {});
      const pending = await new Promise<number>((resolve) => {
        this.#onClosed = resolve;
        this.#worker.postMessage({ type: 'close' } satisfies ToWorker);
      });
      this.#worker.terminate();
      if (pending > 0) throw new Error(`ledger close left ${pending} rows unwritten`);
    })());
  }

  /** Posts the buffered rows; with `waitAll`, resolves when every batch sent so far is committed. */
  #send(waitAll = false): Promise<void> {
    if (this.#buffer.length > 0) {
      const rows = this.#buffer;
      this.#buffer = [];
      const seq = ++this.#seq;
      let resolve!: () => void;
      let reject!: (err: Error) => void;
      const done = new Promise<void>((res, rej) => { resolve = res; reject = rej; });
      done.catch(() => {}); // timer sends are not awaited; failures are reported through onError
      this.#inFlight.set(seq, { rows: rows.length, done, resolve, reject });
      // One JSON string per batch: structured-cloning thousands of row objects costs the request
      // thread several times more than JSON.stringify plus a string transfer.
      this.#worker.postMessage({ type: 'rows', seq, json: JSON.stringify(rows) } satisfies ToWorker);
    }
    if (!waitAll) return Promise.resolve();
    return Promise.all([...this.#inFlight.values()].map((f) => f.done)).then(() => {});
  }

  #receive(message: FromWorker): void {
    if (message.type === 'ack') {
      const entry = this.#inFlight.get(message.seq);
      this.#inFlight.delete(message.seq);
      entry?.resolve();
    } else if (message.type === 'error') {
      this.onError(message.message);
      if (message.seq !== undefined) {
        // The rows stay queued in the worker's writer, which retries them on its own timer.
        const entry = this.#inFlight.get(message.seq);
        this.#inFlight.delete(message.seq);
        entry?.reject(new Error(message.message));
      }
    } else if (message.type === 'closed') {
      this.#onClosed?.(message.pending);
    }
  }
}
