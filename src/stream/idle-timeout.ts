// Passes a byte stream through unchanged, but fails it (and aborts its source) when no data arrives for
// `idleMs`: a raw upstream body (audio, files) that stalls must not hold a request open forever.

/** `onEnd` runs once when the body is over: read to the end, stalled, failed or cancelled. */
export function withIdleTimeout(body: ReadableStream<Uint8Array>, idleMs: number, onStall: () => void, onEnd: () => void = () => {}): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  let timer: ReturnType<typeof setTimeout> | undefined;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const stalled = new Promise<'stalled'>((resolve) => {
        timer = setTimeout(() => resolve('stalled'), idleMs);
      });
      let next: Awaited<ReturnType<typeof reader.read>> | 'stalled';
      try {
        next = await Promise.race([reader.read(), stalled]).finally(() => clearTimeout(timer));
      } catch (err) {
        onEnd();
        throw err;
      }
      if (next === 'stalled') {
        onStall();
        onEnd();
        reader.cancel().catch(() => {});
        controller.error(new Error(`upstream body stalled for ${idleMs} ms`));
        return;
      }
      if (next.done) {
        onEnd();
        controller.close();
      } else controller.enqueue(next.value);
    },
    cancel(reason) {
      clearTimeout(timer);
      onEnd();
      return reader.cancel(reason);
    },
  });
}
