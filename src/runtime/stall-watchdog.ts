// Ends a gateway process whose event loop is stuck. JavaScript cannot interrupt synchronous code, so a
// plugin hook that loops (`while (true) {}`) or runs for minutes would hold every request and /health of the
// process forever, and SIGTERM's handler would never run. The main thread stamps the time into a shared
// buffer every BEAT_MS; a worker thread (stall-watchdog-worker.ts) reads it and, once the stamp is older
// than `server.stall_exit_ms`, writes one error line to stderr and kills the process (SIGKILL: nothing else
// could end it), so the supervisor of `server.workers`, systemd or Kubernetes starts a fresh one. Started by
// `switchyard start` only (not by in-process embeddings such as the tests); one per process.

export const DEFAULT_STALL_EXIT_MS = 30_000;
const BEAT_MS = 250;

/** Starts the watchdog; returns what stops it. `limitMs` 0: off. */
export function startStallWatchdog(limitMs: number): () => void {
  if (limitMs <= 0) return () => {};
  const shared = new SharedArrayBuffer(8);
  const beat = new Float64Array(shared);
  beat[0] = Date.now();
  const stamp = setInterval(() => { beat[0] = Date.now(); }, Math.min(BEAT_MS, Math.floor(limitMs / 4)));
  stamp.unref?.();
  const worker = new Worker(new URL('./stall-watchdog-worker.ts', import.meta.url));
  worker.postMessage({ shared, limitMs, pid: process.pid });
  (worker as Worker & { unref?: () => void }).unref?.(); // the process may exit while it runs
  return () => {
    clearInterval(stamp);
    worker.terminate();
  };
}
