// Wires observability into a started runtime: the Prometheus registry (reading live values from the
// runtime at scrape time) and the observed ledger (metrics + request log per finished request).

import type { GatewayConfig } from '../config/types.ts';
import type { Runtime } from '../runtime/runtime.ts';
import { DEFAULT_MAX_KEY_LABELS, GatewayMetrics } from './metrics.ts';
import { observeLedger } from './observed-ledger.ts';

export function attachObservability(rt: Runtime, config: GatewayConfig): void {
  // server.metrics.enabled: false at start means no collection at all (nothing to pay on the hot path).
  const metrics = config.server?.metrics?.enabled === false ? undefined : new GatewayMetrics({
    inFlight: () => rt.inFlight,
    streamsInFlight: () => rt.streamsInFlight,
    breakers: () => rt.breakers.snapshot().map((b) => ({ key: b.key, state: b.state })),
    config: () => rt.status,
    ledgerPending: () => rt.ledger.pending ?? 0,
  }, config.server?.metrics?.max_key_labels ?? DEFAULT_MAX_KEY_LABELS);
  rt.metrics = metrics;
  // The request log follows the current config (server.request_log can be switched by a reload).
  rt.ledger = observeLedger(rt.ledger, { metrics, log: rt.log, requestLog: () => rt.current().config.server?.request_log !== false, current: () => rt.current() });
}
