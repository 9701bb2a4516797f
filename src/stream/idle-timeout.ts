// Passes a byte stream through unchanged, but fails it (and aborts its source) when no data arrives for
// `idleMs`: a raw upstream body (audio, files) that stalls must not hold a request open forever. The timeout
// is one watchdog per body (read-watchdog.ts); time the client spends between reads is not counted.

import { ReadWatchdog, StreamStalled } from './read-watchdog.ts';

/** `onEnd` runs once when the body is over: read to the end, stalled, failed or cancelled. */
export function withIdleTimeout(body: ReadableStream<Uint8Array>, idleMs: number, onStall: () => void, onEnd: () => void = () => {}): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  const watchdog = new ReadWatchdog(idleMs, onStall);
  let ended = false;
  const end = () => {
    if (ended) return;
    ended = true;
    watchdog.stop();
    onEnd();
  };
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      let next: Awaited<ReturnType<typeof reader.read>>;
      try {
        next = await watchdog.read(reader);
      } catch (err) {
        end();
        if (!(err instanceof StreamStalled)) throw err;
        controller.error(new Error(`upstream body stalled for ${idleMs} ms`));
        return;
      }
      if (next.done) {
        end();
        controller.close();
      } else controller.enqueue(next.value);
    },
    cancel(reason) {
      end();
      return reader.cancel(reason);
    },
  });
}
