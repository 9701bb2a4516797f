// Batched OTLP/HTTP JSON trace export (observability.otlp): finished requests wait in a bounded queue
// (a full queue drops the span and counts it), and are turned into spans and POSTed to
// {endpoint}/v1/traces every flush_ms, when a batch is full, and at shutdown. One export at a time; a
// failed export drops its batch (counted) and is logged once per outage. Nothing here can block or fail a
// request: add() only pushes onto an array.

import type { CompiledGateway } from '../../compile/types.ts';
import type { Logger } from '../../log.ts';
import type { AttemptRow, RequestRow } from '../../runtime/contracts.ts';
import type { ObservabilityConfig } from '../../config/types.ts';
import { postTelemetry } from '../../upstream/telemetry-post.ts';
import { exportRequest, toSpan } from './otlp-span.ts';
import { parseTraceParent } from './traceparent.ts';

/** `observability.otlp` of gateway.yaml. */
export type OtlpSettings = NonNullable<ObservabilityConfig['otlp']>;

export interface ExportCounts {
  exported: number;
  droppedQueueFull: number;
  droppedExportFailed: number;
  queued: number;
}

/** {endpoint}/v1/traces, unless the endpoint already names the traces path. */
export function tracesUrl(endpoint: string): string {
  const base = endpoint.replace(/\/+$/, '');
  return base.endsWith('/v1/traces') ? base : `${base}/v1/traces`;
}

export class SpanExporter {
  private queue: Array<{ row: RequestRow; attempts: readonly AttemptRow[] }> = [];
  private sending?: Promise<void>;
  private readonly timer: ReturnType<typeof setInterval>;
  private failing = false;
  private closed = false;
  private readonly url: string;
  private readonly maxQueue: number;
  private readonly maxBatch: number;
  readonly counts = { exported: 0, droppedQueueFull: 0, droppedExportFailed: 0 };

  constructor(private readonly settings: OtlpSettings, private readonly current: () => CompiledGateway, private readonly log?: Logger) {
    this.url = tracesUrl(settings.endpoint);
    this.maxQueue = settings.max_queue ?? 2048;
    this.maxBatch = settings.max_batch ?? 512;
    this.timer = setInterval(() => void this.flush(), settings.flush_ms ?? 1000);
    this.timer.unref?.();
  }

  get queued(): number {
    return this.queue.length;
  }

  /** One finished request; never throws, never waits. */
  add(row: RequestRow, attempts: readonly AttemptRow[]): void {
    if (this.closed || this.queue.length >= this.maxQueue) {
      this.counts.droppedQueueFull += 1;
      return;
    }
    this.queue.push({ row, attempts });
    if (this.queue.length >= this.maxBatch && !this.sending) void this.flush();
  }

  /** Sends everything queued (batch by batch); resolves when done. Never rejects. */
  flush(): Promise<void> {
    if (this.sending) return this.sending;
    if (this.queue.length === 0) return Promise.resolve();
    this.sending = this.drain().finally(() => (this.sending = undefined));
    return this.sending;
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, this.maxBatch);
      let problem: string | undefined;
      try {
        const gw = this.current();
        const spans = batch.map(({ row, attempts }) => toSpan({
          row, attempts, parent: parseTraceParent(row.traceParent),
          adapter: row.provider ? gw.config.providers[row.provider]?.adapter : undefined,
        }));
        const status = await postTelemetry({ url: this.url, headers: this.settings.headers ?? {}, body: exportRequest(this.settings.service_name ?? 'switchyard', spans), timeoutMs: this.settings.timeout_ms ?? 10_000 });
        if (status < 200 || status >= 300) problem = `HTTP ${status}`;
      } catch (err) {
        problem = (err as Error)?.name === 'TimeoutError' ? 'timeout' : 'collector unreachable';
      }
      if (problem) {
        this.counts.droppedExportFailed += batch.length;
        if (!this.failing) this.log?.warn('OTLP trace export failed; spans of this batch are dropped (counted in switchyard_otlp_spans_dropped_total)', { problem, collector: new URL(this.url).host, spans: batch.length });
        this.failing = true;
        return; // the rest waits for the next flush (no tight retry loop against a dead collector)
      }
      this.counts.exported += batch.length;
      if (this.failing) this.log?.info('OTLP trace export recovered', { collector: new URL(this.url).host });
      this.failing = false;
    }
  }

  /** Stops the timer and sends what is queued (each POST bounded by timeout_ms). */
  async close(): Promise<void> {
    clearInterval(this.timer);
    if (this.sending) await this.sending;
    this.closed = true;
    await this.flush();
  }
}
