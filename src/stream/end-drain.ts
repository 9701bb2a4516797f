// What happens to an upstream body after its end marker ([DONE], message_stop): the answer is complete, but
// the body may not have ended yet. Aborting the request there (as the gateway once did) costs the runtime an
// abort per stream and closes the connection, so the next request to that provider opens a new one. Instead
// the rest is read in the background: normally it is just the body's end, a moment later, and the connection
// goes back to the pool. A body that does not end within END_GRACE_MS, or keeps sending (more than
// END_DRAIN_BYTES), is cut then, so an upstream that holds the connection open cannot hold it for long. The
// grace is short on purpose: with 1 s, 5,000 streams from an upstream that closes 400 ms after [DONE] left the
// process 20 MB larger for good (bench/README.md); 100 ms covers an upstream that ends its body at once.

import { deadlines } from '../runtime/deadline-wheel.ts';

/** How long a body may take to end after its end marker before the upstream request is aborted. */
export const END_GRACE_MS = 100;
/** How much a body may still send after its end marker before the upstream request is aborted. */
export const END_DRAIN_BYTES = 64 * 1024;

/**
 * Reads the rest of `reader` in the background; never throws, never reports the bytes. `abortUpstream` aborts
 * the upstream request when the body does not end in time or keeps sending.
 */
export function drainAfterEnd(reader: ReadableStreamDefaultReader<Uint8Array>, abortUpstream: () => void): void {
  void new EndDrain(reader, abortUpstream).run();
}

class EndDrain {
  #cut = false;
  readonly #grace;

  constructor(private readonly reader: ReadableStreamDefaultReader<Uint8Array>, private readonly abortUpstream: () => void) {
    this.#grace = deadlines.after(END_GRACE_MS, this);
  }

  async run(): Promise<void> {
    let bytes = 0;
    try {
      for (;;) {
        const { done, value } = await this.reader.read();
        if (done || this.#cut) break;
        bytes += value.byteLength;
        if (bytes > END_DRAIN_BYTES) {
          this.#cutNow();
          break;
        }
      }
    } catch {
      // the body failed after the answer was complete: nothing left to report
    }
    this.#grace.cancel();
  }

  /** The grace ran out with the body still open. */
  deadlineReached(): void {
    this.#cutNow();
  }

  #cutNow(): void {
    if (this.#cut) return;
    this.#cut = true;
    this.reader.cancel().catch(() => {}); // ends the waiting read, first: whatever the abort does
    this.abortUpstream();
  }
}
