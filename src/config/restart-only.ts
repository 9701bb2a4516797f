// The server.* settings a reload cannot apply because they are read once, when the process starts:
// the listening socket (host, port, the body size cap it was opened with), the worker processes, the
// metrics collection and, under a workers supervisor, the supervisor's shutdown wait. A reload that
// changes them still applies everything else; the gateway warns which fields need a restart.

import type { GatewayConfig } from './types.ts';

/** What the running process fixed at start (besides the config it started with). */
export interface StartFacts {
  /** Largest request body the listening socket accepts, in bytes. */
  listenBodyCap: number;
  /** Running as one worker of a `server.workers` supervisor. */
  worker: boolean;
}

const DEFAULT_MAX_BODY = 20 * 1024 * 1024;
const DEFAULT_DRAIN_MS = 30_000;

/** The listening socket's body cap for a config (the compiled limit is enforced below it, with headroom). */
export function listenBodyCap(maxBodyBytes: number): number {
  return Math.max(maxBodyBytes * 2, 64 * 1024 * 1024);
}

/** Dotted names of the restart-only fields whose value in `next` differs from the one the process runs with. */
export function restartOnlyChanges(started: GatewayConfig, next: GatewayConfig, facts: StartFacts): string[] {
  const a = started.server ?? {};
  const b = next.server ?? {};
  const changed: string[] = [];
  if ((a.host ?? '127.0.0.1') !== (b.host ?? '127.0.0.1')) changed.push('server.host');
  if ((a.port ?? 3000) !== (b.port ?? 3000)) changed.push('server.port');
  if ((a.workers ?? 1) !== (b.workers ?? 1)) changed.push('server.workers');
  if (a.stall_exit_ms !== b.stall_exit_ms) changed.push('server.stall_exit_ms');
  // Off at start means nothing is collected; switching it off later works (the route checks live).
  if (a.metrics?.enabled === false && b.metrics?.enabled !== false) changed.push('server.metrics.enabled');
  if (a.metrics?.max_key_labels !== b.metrics?.max_key_labels) changed.push('server.metrics.max_key_labels');
  if (listenBodyCap(b.max_body_bytes ?? DEFAULT_MAX_BODY) > facts.listenBodyCap) changed.push('server.max_body_bytes');
  if (facts.worker && (b.drain_timeout_ms ?? DEFAULT_DRAIN_MS) > (a.drain_timeout_ms ?? DEFAULT_DRAIN_MS)) changed.push('server.drain_timeout_ms');
  return changed;
}
