// The Ledger every request finishes into, observed: each recorded row also updates the metrics, writes
// the request log line and queues the request's OTLP span, so they always count the same requests.
// Wraps the storage ledger.

import type { CompiledGateway } from '../compile/types.ts';
import type { Logger } from '../log.ts';
import type { Ledger } from '../runtime/contracts.ts';
import type { GatewayMetrics } from './metrics.ts';
import type { SpanExporter } from './otlp/span-exporter.ts';
import { logRequest } from './request-log.ts';

export interface ObserveOptions {
  metrics?: GatewayMetrics;
  /** OTLP trace export: one span per recorded row. */
  spans?: Pick<SpanExporter, 'add'>;
  /** The request log (one line per request), written while `requestLog()` says so. */
  log?: Logger;
  requestLog?: () => boolean;
  /** The active gateway, to tell priced from unpriced models. */
  current: () => CompiledGateway;
}

export function observeLedger(inner: Ledger, options: ObserveOptions): Ledger {
  const { metrics, spans, log, current, requestLog = () => true } = options;
  if (!metrics && !log && !spans) return inner;
  return {
    record(row, attempts) {
      inner.record(row, attempts);
      try {
        if (metrics) {
          const price = row.model ? current().models.get(row.model)?.price : undefined;
          const priced = !!price && (price.input > 0 || price.output > 0 || price.perRequestMicros > 0);
          metrics.observe(row, attempts, { surface: row.surface ?? 'openai', priced, reasoningTokens: row.reasoningTokens ?? 0 });
        }
        if (log && requestLog()) logRequest(log, row, attempts);
        if (spans) spans.add(row, attempts);
      } catch {
        // Observability must never fail a request; the ledger row is already recorded.
      }
    },
    get pending() {
      return inner.pending;
    },
    flush: () => inner.flush(),
    close: () => inner.close(),
  };
}
