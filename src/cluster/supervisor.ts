// The supervisor of `server.workers: N`: starts N gateway worker processes on one port (each binds it
// with SO_REUSEPORT; the kernel spreads connections), restarts a worker that exits unexpectedly (with
// exponential backoff, logged), forwards reloads (SIGHUP) to every worker, and on stop sends SIGTERM to
// all, waits until each has drained, and reports whether every one exited cleanly.
// It serves no traffic itself and holds no gateway state; each worker loads and watches the file.

import type { Subprocess } from 'bun';
import type { Logger } from '../log.ts';
import { WORKER_ENV, type WorkerReady } from './worker.ts';

export interface Backoff {
  /** Delay before the first restart after a crash (doubles per consecutive crash). */
  initialMs: number;
  maxMs: number;
  /** A worker that ran this long before crashing counts as a first crash again. */
  stableMs: number;
}

export interface SupervisorOptions {
  workers: number;
  /** Command line of one worker; the supervisor appends `--port N`. */
  command: string[];
  /** Port to share; 0 lets the first worker pick one, the others then join it. */
  port: number;
  env: Record<string, string | undefined>;
  /** How long a worker may take to exit after SIGTERM before it is killed (drain + ledger flush). */
  stopTimeoutMs: number;
  log: Logger;
  backoff?: Backoff;
}

export interface Supervisor {
  /** The shared port (known once the first worker listens). */
  readonly port: number;
  /** Starts every worker; resolves once all listen, rejects (after stopping the rest) if one exits first. */
  start(): Promise<void>;
  /** Sends SIGHUP to every listening worker; each reloads the file. */
  reload(): number;
  /** SIGTERM to all, wait for them; resolves to 0 when every worker drained and exited 0, else 1. */
  stop(reason: string): Promise<number>;
}

interface Slot {
  index: number;
  proc?: Subprocess;
  ready: boolean;
  startedAt: number;
  crashes: number;
  timer?: ReturnType<typeof setTimeout>;
}

const DEFAULT_BACKOFF: Backoff = { initialMs: 200, maxMs: 30_000, stableMs: 30_000 };

export function createSupervisor(opts: SupervisorOptions): Supervisor {
  const backoff = opts.backoff ?? DEFAULT_BACKOFF;
  const log = opts.log;
  const slots: Slot[] = Array.from({ length: opts.workers }, (_, index) => ({ index, ready: false, startedAt: 0, crashes: 0 }));
  let port = opts.port;
  let stopping: Promise<number> | undefined;
  let started = false;

  /** Spawns the worker of a slot; resolves with its port once it listens, rejects if it exits first. */
  const spawn = (slot: Slot): Promise<number> => new Promise<number>((resolveReady, rejectReady) => {
    slot.ready = false;
    slot.startedAt = Date.now();
    const proc = Bun.spawn([...opts.command, '--port', String(port)], {
      env: { ...opts.env, [WORKER_ENV]: `${slot.index}/${opts.workers}` },
      stdio: ['ignore', 'inherit', 'inherit'],
      ipc(message: WorkerReady) {
        if (message?.type !== 'ready' || slot.proc !== proc) return;
        slot.ready = true;
        log.info('worker listening', { worker: slot.index, pid: proc.pid, port: message.port });
        resolveReady(message.port);
      },
    });
    slot.proc = proc;
    log.info('worker started', { worker: slot.index, pid: proc.pid });
    void proc.exited.then(() => {
      const wasReady = slot.ready;
      if (slot.proc === proc) {
        slot.proc = undefined;
        slot.ready = false;
      }
      if (!wasReady) rejectReady(new Error(`worker ${slot.index} exited (${exitText(proc)}) before it was listening`));
      // A worker that never listened during start fails the start instead; one that did is restarted.
      if (!stopping && (started || wasReady)) onCrash(slot, proc);
    });
  });

  const onCrash = (slot: Slot, proc: Subprocess) => {
    const ranMs = Date.now() - slot.startedAt;
    slot.crashes = ranMs >= backoff.stableMs ? 1 : slot.crashes + 1;
    const delay = Math.min(backoff.maxMs, backoff.initialMs * 2 ** (slot.crashes - 1));
    log.error('worker exited unexpectedly; restarting it', { worker: slot.index, pid: proc.pid, exit: exitText(proc), ran_ms: ranMs, restart_in_ms: delay, consecutive_crashes: slot.crashes });
    slot.timer = setTimeout(() => {
      slot.timer = undefined;
      if (stopping) return;
      spawn(slot).then(
        () => log.info('worker restarted', { worker: slot.index, pid: slot.proc?.pid }),
        () => {}, // its exit is handled (and logged) as the next crash
      );
    }, delay);
  };

  const stopAll = async (reason: string): Promise<number> => {
    for (const slot of slots) clearTimeout(slot.timer);
    const live = slots.filter((s) => s.proc).map((s) => ({ slot: s, proc: s.proc!, listening: s.ready }));
    log.info('stopping workers: each drains its in-flight requests', { reason, workers: live.length });
    for (const { proc } of live) proc.kill('SIGTERM');
    let timer: ReturnType<typeof setTimeout> | undefined;
    const deadline = new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), opts.stopTimeoutMs)));
    let clean = true;
    await Promise.all(live.map(async ({ slot, proc, listening }) => {
      if ((await Promise.race([proc.exited, deadline])) === 'timeout') {
        log.error('worker did not exit in time after SIGTERM; killing it', { worker: slot.index, pid: proc.pid, timeout_ms: opts.stopTimeoutMs });
        proc.kill('SIGKILL');
        await proc.exited;
        clean = false;
      } else if (proc.exitCode !== 0 && !(!listening && proc.signalCode === 'SIGTERM')) {
        // (a worker still starting has nothing to drain: SIGTERM before its handlers exist is fine)
        log.error('worker did not drain cleanly', { worker: slot.index, pid: proc.pid, exit: exitText(proc) });
        clean = false;
      }
    }));
    clearTimeout(timer);
    if (clean) log.info('all workers drained; supervisor exiting', { workers: live.length });
    return clean ? 0 : 1;
  };

  return {
    get port() {
      return port;
    },
    async start() {
      try {
        // The first worker binds (and, for port 0, picks) the port; the others join it. Starting one first
        // also lets it apply ledger migrations before the others open the same database.
        port = await spawn(slots[0]);
        await Promise.all(slots.slice(1).map((s) => spawn(s)));
      } catch (err) {
        await (stopping ??= stopAll('a worker failed to start'));
        throw err;
      }
      started = true;
      log.info('switchyard supervisor: all workers listening', { workers: opts.workers, port, pid: process.pid });
    },
    reload() {
      const ready = slots.filter((s) => s.ready && s.proc);
      for (const s of ready) s.proc!.kill('SIGHUP');
      log.info('SIGHUP forwarded: every worker reloads the config', { workers: ready.length });
      return ready.length;
    },
    stop: (reason) => (stopping ??= stopAll(reason)),
  };
}

function exitText(proc: Subprocess): string {
  return proc.signalCode ? `signal ${proc.signalCode}` : `code ${proc.exitCode}`;
}
