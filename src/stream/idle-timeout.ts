// Passes a byte stream through unchanged, but fails it (and aborts its source) when no data arrives for
// `idleMs`: a raw upstream body (audio, files) that stalls must not hold a request open forever.

export function withIdleTimeout(body: ReadableStream<Uint8Array>, idleMs: number, onStall: () => void): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  let timer: ReturnType<typeof setTimeout> | undefined;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const stalled = new Promise<'stalled'>((resolve) => {
        timer = setTimeout(() => resolve('stalled'), idleMs);
      });
      const next = await Promise.race([reader.read(), stalled]).finally(() => clearTimeout(timer));
      if (next === 'stalled') {
        onStall();
        reader.cancel().catch(() => {});
        controller.error(new Error(`upstream body stalled for ${idleMs} ms`));
        return;
      }
      if (next.done) controller.close();
      else controller.enqueue(next.value);
    },
    cancel(reason) {
      clearTimeout(timer);
      return reader.cancel(reason);
    },
  });
}
