// The idle timeout of a streamed upstream body: one deadline on the process's wheel (deadline-wheel.ts) per
// stream instead of a timer, a race and its promises per chunk read. A read that waits `idleMs` for data is a
// stall: the watchdog cancels the reader and that read throws StreamStalled. Time the consumer spends between
// reads (a slow client) never counts. The deadline is re-armed only when it comes due while a younger read is
// waiting, so a healthy stream costs a few wheel entries in all.

import { type Deadline, deadlines } from '../runtime/deadline-wheel.ts';

type ReadResult = Awaited<ReturnType<ReadableStreamDefaultReader<Uint8Array>['read']>>;

/** What a read that waited the whole idle timeout throws. */
export class StreamStalled extends Error {
  constructor() {
    super('upstream stream stalled');
  }
}

export class ReadWatchdog {
  #deadline: Deadline | undefined;
  /** When the read now waiting began (performance.now()); undefined between reads. */
  #readingSince: number | undefined;
  #reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  #stopped = false;
  #stalled = false;

  /** `onStall` runs once, from the wheel, just before the waiting read is ended. */
  constructor(private readonly idleMs: number, private readonly onStall: () => void = () => {}) {}

  /** One read of `reader` under the timeout: its result, or StreamStalled. */
  async read(reader: ReadableStreamDefaultReader<Uint8Array>): Promise<ReadResult> {
    this.#reader = reader;
    this.#readingSince = performance.now();
    if (!this.#stopped) this.#deadline ??= deadlines.after(this.idleMs, this);
    let result: ReadResult;
    try {
      result = await reader.read();
    } catch (err) {
      throw this.#stalled ? new StreamStalled() : err;
    } finally {
      this.#readingSince = undefined;
    }
    if (this.#stalled) throw new StreamStalled(); // the reader was cancelled: the read ended empty
    return result;
  }

  /** The body is over: no more deadlines. Idempotent. */
  stop(): void {
    this.#stopped = true;
    this.#deadline?.cancel();
    this.#deadline = undefined;
  }

  /** Called by the wheel. */
  deadlineReached(): void {
    this.#deadline = undefined;
    if (this.#stopped || this.#readingSince === undefined) return; // the next read arms it again
    const waited = performance.now() - this.#readingSince;
    if (waited < this.idleMs) {
      this.#deadline = deadlines.after(this.idleMs - waited, this);
      return;
    }
    this.#stalled = true;
    this.stop();
    this.onStall();
    this.#reader?.cancel(new StreamStalled()).catch(() => {}); // ends the waiting read
  }
}
