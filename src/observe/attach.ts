// Wires observability into a started runtime: the Prometheus registry (reading live values from the
// runtime at scrape time), the OTLP trace exporter (observability.otlp, off by default) and the observed
// ledger (metrics + request log + span per finished request). Returns what must be flushed at shutdown.

import type { GatewayConfig } from '../config/types.ts';
import type { Runtime } from '../runtime/runtime.ts';
import { DEFAULT_MAX_KEY_LABELS, GatewayMetrics } from './metrics.ts';
import { observeLedger } from './observed-ledger.ts';
import { SpanExporter } from './otlp/span-exporter.ts';

export interface Observability {
  /** Sends the spans still queued (at shutdown, after the ledger's last rows). */
  close(): Promise<void>;
}

export function attachObservability(rt: Runtime, config: GatewayConfig): Observability {
  const otlp = config.observability?.otlp;
  const spans = otlp ? new SpanExporter(otlp, () => rt.current(), rt.log) : undefined;
  rt.spans = spans;
  // server.metrics.enabled: false at start means no collection at all (nothing to pay on the hot path).
  const metrics = config.server?.metrics?.enabled === false ? undefined : new GatewayMetrics({
    inFlight: () => rt.inFlight,
    streamsInFlight: () => rt.streamsInFlight,
    breakers: () => rt.breakers.snapshot().map((b) => ({ key: b.key, state: b.state })),
    config: () => rt.status,
    ledgerPending: () => rt.ledger.pending ?? 0,
    dependencies: () => [...rt.readiness].map(([name, report]) => {
      try {
        const r = report();
        return { name, status: r.status, up: r.ready && r.status === 'ok' };
      } catch {
        return { name, status: 'unknown', up: false };
      }
    }),
    balances: () => rt.balances?.gauges() ?? [],
    otlp: spans && (() => ({ ...spans.counts, queued: spans.queued })),
  }, config.server?.metrics?.max_key_labels ?? DEFAULT_MAX_KEY_LABELS);
  rt.metrics = metrics;
  // The request log follows the current config (server.request_log can be switched by a reload).
  rt.ledger = observeLedger(rt.ledger, { metrics, spans, log: rt.log, requestLog: () => rt.current().config.server?.request_log !== false, current: () => rt.current() });
  return { close: async () => { rt.authFailures.close(); await spans?.close(); } };
}
