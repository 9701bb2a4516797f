// Worker side of `server.workers`: a gateway process started by the supervisor learns its index from
// the environment, shares the port (reusePort), tags its log lines with its index, tells the supervisor
// when it listens, and drains and exits if the supervisor goes away (no orphan keeps the port).

import type { LogFields, Logger } from '../log.ts';

/** Set by the supervisor on each worker: "<index>/<count>", e.g. "0/2". */
export const WORKER_ENV = 'SWITCHYARD_WORKER';

export interface WorkerIdentity {
  index: number;
  count: number;
}

/** Message a worker sends over the IPC channel once it listens. */
export interface WorkerReady {
  type: 'ready';
  port: number;
  pid: number;
}

export function workerIdentity(env: Record<string, string | undefined>): WorkerIdentity | undefined {
  const m = /^(\d+)\/(\d+)$/.exec(env[WORKER_ENV] ?? '');
  return m ? { index: Number(m[1]), count: Number(m[2]) } : undefined;
}

/** The same logger with `worker` and `pid` on every line. */
export function workerLogger(log: Logger, id: WorkerIdentity): Logger {
  const tag: LogFields = { worker: id.index, pid: process.pid };
  return {
    debug: (m, f) => log.debug(m, { ...tag, ...f }),
    info: (m, f) => log.info(m, { ...tag, ...f }),
    warn: (m, f) => log.warn(m, { ...tag, ...f }),
    error: (m, f) => log.error(m, { ...tag, ...f }),
    setSecrets: (s) => log.setSecrets(s),
    flush: () => log.flush?.(),
    // The same tag first on JSON fast-path lines (as on the lines above).
    json: log.json && {
      enabled: (level) => log.json!.enabled(level),
      str: (s, memo) => log.json!.str(s, memo),
      write: (level, message, fields) => log.json!.write(level, message, `"worker":${id.index},"pid":${process.pid}${fields ? ',' : ''}${fields}`),
    },
  };
}

export function announceReady(port: number): void {
  const ready: WorkerReady = { type: 'ready', port, pid: process.pid };
  process.send?.(ready);
}

/** Runs `fn` once when the IPC channel to the supervisor closes (the supervisor exited or was killed). */
export function onSupervisorGone(fn: () => void): void {
  process.once('disconnect', fn);
}

/**
 * Until the config watcher handles SIGHUP, a hangup sent to the whole process group (or forwarded while
 * this worker starts) must not kill it: the worker reads the newest file at start anyway. Returns the undo.
 */
export function holdSighupWhileStarting(): () => void {
  const ignore = () => {};
  process.on('SIGHUP', ignore);
  return () => process.off('SIGHUP', ignore);
}
