// `switchyard start` when `server.workers` > 1: resolves the shared port, refuses a port already in
// use (workers share it with SO_REUSEPORT, so a stray listener must not be joined silently), runs the
// supervisor, and wires the signals: SIGHUP → reload every worker, SIGTERM/SIGINT → drain all, then
// exit 0 when all drained (1 otherwise).

import type { GatewayConfig } from '../config/types.ts';
import { createLogger } from '../log.ts';
import { createSupervisor } from './supervisor.ts';

export interface WorkersStart {
  config: GatewayConfig;
  workers: number;
  /** The CLI script path and the `start` arguments as given (any --port is replaced). */
  cliPath: string;
  args: string[];
  port?: number;
  host?: string;
}

/** Extra time after drain_timeout_ms for a worker to flush its ledger and exit. */
const EXIT_GRACE_MS = 15_000;

export async function runWorkers(o: WorkersStart): Promise<never> {
  const log = createLogger();
  const exit = (code: number): never => {
    log.flush?.(); // info lines are batched per event-loop turn
    process.exit(code);
  };
  const port = o.port ?? o.config.server?.port ?? 3000;
  const host = o.host ?? o.config.server?.host ?? '127.0.0.1';
  if (port !== 0) {
    try {
      Bun.listen({ hostname: host, port, socket: { data() {} } }).stop(true);
    } catch (err) {
      console.error(`switchyard: failed to start: port ${port} on ${host} is in use (${(err as Error).message}). Another process listens there: stop it, or choose another port with --port N or PORT=N.`);
      process.exit(1);
    }
  }
  const supervisor = createSupervisor({
    workers: o.workers,
    command: [process.execPath, o.cliPath, 'start', ...withoutPort(o.args)],
    port,
    env: process.env,
    stopTimeoutMs: (o.config.server?.drain_timeout_ms ?? 30_000) + EXIT_GRACE_MS,
    log,
  });
  let stopRequested = false;
  const stop = (signal: string) => {
    stopRequested = true;
    void supervisor.stop(signal).then((code) => exit(code));
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGHUP', () => supervisor.reload());
  try {
    await supervisor.start();
  } catch (err) {
    if (stopRequested) return new Promise<never>(() => {}); // the signal handler exits
    log.error('switchyard: a worker failed to start; all workers stopped', { reason: (err as Error).message });
    exit(1);
  }
  return new Promise<never>(() => {}); // runs until a signal stops it
}

function withoutPort(args: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--port') i++;
    else if (!args[i].startsWith('--port=')) out.push(args[i]);
  }
  return out;
}
