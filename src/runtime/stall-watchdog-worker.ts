// The stall watchdog's thread (see stall-watchdog.ts): checks the main thread's time stamp and, when the
// event loop has not stamped it for longer than the limit, writes one JSON error line straight to stderr
// (writeSync from this thread: the main thread is the one that is stuck) and SIGKILLs the process.

import { writeSync } from 'node:fs';

declare const self: Worker;

self.onmessage = (event: MessageEvent<{ shared: SharedArrayBuffer; limitMs: number; pid: number }>) => {
  const { shared, limitMs, pid } = event.data;
  const beat = new Float64Array(shared);
  setInterval(() => {
    const stalled = Date.now() - (beat[0] ?? 0);
    if (stalled <= limitMs) return;
    const line = {
      time: new Date().toISOString(), level: 'error', msg: 'event loop stalled; exiting so the process can be restarted',
      stalled_ms: stalled, stall_exit_ms: limitMs, pid,
      hint: 'Synchronous code held the event loop (a plugin hook or adapter that loops or computes for long?). Requests in flight are lost.',
    };
    try {
      writeSync(2, `${JSON.stringify(line)}\n`);
    } finally {
      process.kill(pid, 'SIGKILL');
    }
  }, Math.max(50, Math.min(1000, Math.floor(limitMs / 4))));
};
