// EVALSHA's fallback, shared by both script clients (ioredis in ./client.ts, Bun's in ./bun-link.ts): a
// restarted or flushed Redis has forgotten its loaded scripts and answers NOSCRIPT; the script is then sent
// whole with EVAL (which also loads it again). Any other error is the caller's.

export function evalOnNoScript<T>(evalsha: Promise<T>, evalWhole: () => Promise<T>): Promise<T> {
  return evalsha.catch((err: unknown) => {
    if (!String((err as Error)?.message ?? '').includes('NOSCRIPT')) throw err;
    return evalWhole();
  });
}
