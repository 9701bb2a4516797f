// Prometheus metrics (prom-client, one Registry per gateway process: no module globals). Request
// metrics are fed from the finished request's ledger row, so metrics, the request log and the ledger
// always agree (one finished request = one update); live values (in flight, breakers, config, ledger
// queue) are read from the runtime at scrape time, so the hot path never pays for them.
//
// Names follow the OpenTelemetry GenAI conventions where they exist (gen_ai_client_token_usage,
// gen_ai_client_operation_duration_seconds, gen_ai_server_time_to_first_token_seconds); the rest are
// switchyard_*. Key names (never key values) are labels, capped at `maxKeyLabels` distinct names;
// later names are counted under key="_other".

import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import { type CounterSeries, FastCounter, FastHistogram, type HistogramSeries } from './fast-series.ts';
import type { AttemptRow, RequestRow } from '../runtime/contracts.ts';

/** prom-client's per-heap-space gauges: too costly to collect under Bun (see the constructor). */
/** How often the event-loop lag histogram takes a sample (prom-client's default, 10 ms, costs an idle gateway 8 ms/s). */
const EVENT_LOOP_SAMPLE_MS = 100;
const HEAP_SPACE_METRICS = ['nodejs_heap_space_size_total_bytes', 'nodejs_heap_space_size_used_bytes', 'nodejs_heap_space_size_available_bytes'];

/** What the metrics read from the runtime at scrape time. */
export interface LiveSources {
  inFlight(): number;
  streamsInFlight(): number;
  breakers(): Array<{ key: string; state: 'closed' | 'open' | 'half_open' }>;
  config(): { hash: string; loadedAt: number; reloads: number; failures: number };
  ledgerPending(): number;
  /** Readiness of attached dependencies (ledger database, Redis) by name. */
  dependencies(): Array<{ name: string; status: string; up: boolean }>;
  /** Last good upstream account balances of the providers with a balance check. */
  balances?: () => Array<{ provider: string; currency: string; amount: number }>;
  /** OTLP trace export counts, when observability.otlp is configured. */
  otlp?: () => { exported: number; droppedQueueFull: number; droppedExportFailed: number; queued: number };
}

export interface RowFacts {
  surface: string;
  /** Is the answered model priced (any non-zero price)? */
  priced: boolean;
  reasoningTokens: number;
}

const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];
const OVERHEAD_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1];
const TOKEN_BUCKETS = [1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576];
const BREAKER_VALUE = { closed: 0, half_open: 1, open: 2 } as const;

export const DEFAULT_MAX_KEY_LABELS = 200;
const NO_LABELS: readonly string[] = [];
const STATUS_CLASS: Record<number, string> = { 1: '1xx', 2: '2xx', 3: '3xx', 4: '4xx', 5: '5xx' };
/** Distinct request label tuples whose series are kept at hand; beyond it the cache starts over. */
const TUPLE_CACHE_LIMIT = 4_096;
const SEP = '\u0001';

/**
 * The series one kind of request updates (surface × model × provider × key × status × error code),
 * found once and kept: a request then costs one Map lookup instead of one per metric. Each series is
 * taken when first added to, so a series that was never updated is not exported (as before).
 */
interface TupleSeries {
  model: string;
  provider: string;
  key: string;
  requests: CounterSeries;
  duration: HistogramSeries;
  overhead?: HistogramSeries;
  ttft?: HistogramSeries;
  streamDuration?: HistogramSeries;
  usageIn?: HistogramSeries;
  usageOut?: HistogramSeries;
  tokensIn?: CounterSeries;
  tokensOut?: CounterSeries;
  cost?: CounterSeries;
}

export class GatewayMetrics {
  readonly registry = new Registry();
  private readonly keys = new Set<string>();
  private readonly requests: FastCounter;
  private readonly duration: FastHistogram;
  private readonly overhead: FastHistogram;
  private readonly upstream: FastHistogram;
  private readonly ttft: FastHistogram;
  private readonly streamDuration: FastHistogram;
  private readonly tokenUsage: FastHistogram;
  private readonly tokens: FastCounter;
  private readonly cost: FastCounter;
  private readonly unpriced: FastCounter;
  private readonly refusals: FastCounter;
  private readonly retries: FastCounter;
  private readonly failovers: FastCounter;
  private readonly ledgerRows: FastCounter;
  private readonly rejectedRequests: FastCounter;
  private readonly tuples = new Map<string, TupleSeries>();
  /** Per provider: its upstream-duration series for outcome ok and error. */
  private readonly upstreamByProvider = new Map<string, [HistogramSeries?, HistogramSeries?]>();
  private rowsSeries?: CounterSeries;

  constructor(live: LiveSources, private readonly maxKeyLabels = DEFAULT_MAX_KEY_LABELS) {
    const r = [this.registry];
    // The event-loop lag histogram samples with a timer: prom-client's default (every 10 ms) woke an idle
    // gateway 100 times a second and cost it 8 ms of main-thread CPU per second, loaded or not (measured:
    // 8 ms/s at 10 ms, ~0 at 100 ms). Sampled every 100 ms, each sample's lag is still measured exactly.
    collectDefaultMetrics({ register: this.registry, prefix: 'switchyard_process_', eventLoopMonitoringPrecision: EVENT_LOOP_SAMPLE_MS });
    // Under Bun, v8.getHeapSpaceStatistics() walks the whole heap (~35 ms with a busy gateway's heap): every
    // scrape stalled the event loop that long and cost ~14% of the gateway's CPU at a 2 s scrape interval
    // (bench/README.md). Heap totals stay (switchyard_process_nodejs_heap_size_*, from process.memoryUsage()).
    for (const metric of HEAP_SPACE_METRICS) this.registry.removeSingleMetric(`switchyard_process_${metric}`);
    this.requests = new FastCounter('switchyard_requests_total', 'Finished requests by surface, model, provider, status class and error code.', ['surface', 'model', 'provider', 'status_class', 'code'], this.registry);
    this.duration = new FastHistogram('gen_ai_client_operation_duration_seconds', 'Whole request duration as the client sees it (streams: until the last byte).', ['gen_ai_operation_name', 'gen_ai_request_model', 'gen_ai_provider_name', 'error_type'], LATENCY_BUCKETS, this.registry);
    this.overhead = new FastHistogram('switchyard_gateway_overhead_seconds', 'Time spent in the gateway itself: duration (or time to first chunk for streams) minus upstream time.', ['surface'], OVERHEAD_BUCKETS, this.registry);
    this.upstream = new FastHistogram('switchyard_upstream_duration_seconds', 'Per upstream attempt: until the answer (non-stream) or the first chunk (stream).', ['provider', 'outcome'], LATENCY_BUCKETS, this.registry);
    this.ttft = new FastHistogram('gen_ai_server_time_to_first_token_seconds', 'Time to the first streamed chunk.', ['gen_ai_request_model', 'gen_ai_provider_name'], LATENCY_BUCKETS, this.registry);
    this.streamDuration = new FastHistogram('switchyard_stream_duration_seconds', 'From the first streamed chunk to the end of the stream.', ['model', 'provider'], LATENCY_BUCKETS, this.registry);
    this.tokenUsage = new FastHistogram('gen_ai_client_token_usage', 'Tokens per request (OpenTelemetry GenAI), by token type input/output.', ['gen_ai_token_type', 'gen_ai_request_model', 'gen_ai_provider_name'], TOKEN_BUCKETS, this.registry);
    this.tokens = new FastCounter('switchyard_tokens_total', 'Tokens by type (input, output, cached, reasoning), model, provider and key name.', ['type', 'model', 'provider', 'key'], this.registry);
    this.cost = new FastCounter('switchyard_cost_usd_total', 'Billed cost in USD (ledger cost) by model, provider and key name.', ['model', 'provider', 'key'], this.registry);
    this.unpriced = new FastCounter('switchyard_unpriced_tokens_total', 'Tokens served by models without a price (billed $0): set models.<name>.price.', ['model'], this.registry);
    this.refusals = new FastCounter('switchyard_refusals_total', 'Requests refused by a rate limit, a concurrency limit or a budget.', ['reason', 'key'], this.registry);
    this.retries = new FastCounter('switchyard_retries_total', 'Upstream attempts after the first, per request.', ['model'], this.registry);
    this.failovers = new FastCounter('switchyard_failovers_total', 'Requests answered by another provider than the first one tried.', ['model', 'from', 'to'], this.registry);
    this.ledgerRows = new FastCounter('switchyard_ledger_rows_recorded_total', 'Request rows handed to the ledger writer.', [], this.registry);
    this.rejectedRequests = new FastCounter('switchyard_rejected_requests_total', 'API requests refused before they got past authentication (no ledger row): bad or missing key, unknown path, bad host, shutting down.', ['surface', 'status', 'code'], this.registry);

    new Gauge({ name: 'switchyard_in_flight_requests', help: 'Requests in flight (streams included).', registers: r, collect() { this.set(live.inFlight()); } });
    new Gauge({ name: 'switchyard_in_flight_streams', help: 'Streams being relayed.', registers: r, collect() { this.set(live.streamsInFlight()); } });
    new Gauge({
      name: 'switchyard_circuit_breaker_state', help: 'Circuit breaker per target (provider/upstream model): 0 closed, 1 half-open, 2 open.', labelNames: ['target'], registers: r,
      collect() {
        this.reset();
        for (const b of live.breakers()) this.set({ target: b.key }, BREAKER_VALUE[b.state]);
      },
    });
    const balances = live.balances;
    if (balances) {
      new Gauge({
        name: 'switchyard_provider_balance', help: 'Upstream account balance per provider with a balance check (providers.<name>.balance), in the currency the vendor reports; the last good reading.', labelNames: ['provider', 'currency'], registers: r,
        collect() {
          this.reset();
          for (const b of balances()) this.set({ provider: b.provider, currency: b.currency }, b.amount);
        },
      });
    }
    new Gauge({ name: 'switchyard_config_info', help: 'The active config (its hash as a label); always 1.', labelNames: ['hash'], registers: r, collect() { this.reset(); this.set({ hash: live.config().hash }, 1); } });
    new Gauge({ name: 'switchyard_config_seconds_since_load', help: 'Seconds since the active config was loaded.', registers: r, collect() { this.set((Date.now() - live.config().loadedAt) / 1000); } });
    new Gauge({ name: 'switchyard_config_reloads', help: 'Config reloads by result since start.', labelNames: ['result'], registers: r, collect() { const c = live.config(); this.set({ result: 'success' }, c.reloads); this.set({ result: 'failure' }, c.failures); } });
    new Gauge({ name: 'switchyard_ledger_rows_pending', help: 'Ledger rows recorded and not yet committed (queue depth).', registers: r, collect() { this.set(live.ledgerPending()); } });
    new Gauge({
      name: 'switchyard_dependency_up', help: 'Per configured dependency (ledger database, redis): 1 when healthy (status ok), 0 when degraded or down.', labelNames: ['name'], registers: r,
      collect() { this.reset(); for (const d of live.dependencies()) this.set({ name: d.name }, d.up ? 1 : 0); },
    });
    new Gauge({
      name: 'switchyard_dependency_status', help: 'Per configured dependency, its readiness status as a label (ledger: ok, buffering, refusing; redis: ok, degraded, unavailable); always 1.', labelNames: ['name', 'status'], registers: r,
      collect() { this.reset(); for (const d of live.dependencies()) this.set({ name: d.name, status: d.status }, 1); },
    });
    const otlp = live.otlp;
    if (otlp) {
      new Counter({ name: 'switchyard_otlp_spans_exported_total', help: 'Spans accepted by the OTLP collector.', registers: r, collect() { this.reset(); this.inc(otlp().exported); } });
      new Counter({
        name: 'switchyard_otlp_spans_dropped_total', help: 'Spans not exported: queue_full (observability.otlp.max_queue reached) or export_failed (collector down, slow or refusing).', labelNames: ['reason'], registers: r,
        collect() { const c = otlp(); this.reset(); this.inc({ reason: 'queue_full' }, c.droppedQueueFull); this.inc({ reason: 'export_failed' }, c.droppedExportFailed); },
      });
      new Gauge({ name: 'switchyard_otlp_queue_spans', help: 'Spans waiting to be exported.', registers: r, collect() { this.set(otlp().queued); } });
    }
  }

  /** The key label: its name, or "_other" beyond the cardinality cap. */
  private keyLabel(name: string | null): string {
    if (!name) return '';
    if (this.keys.has(name)) return name;
    if (this.keys.size >= this.maxKeyLabels) return '_other';
    this.keys.add(name);
    return name;
  }

  /** The series of this kind of request (see TupleSeries). */
  private tuple(row: RequestRow, surface: string): TupleSeries {
    const id = `${surface}${SEP}${row.model ?? ''}${SEP}${row.provider ?? ''}${SEP}${row.keyName ?? ''}${SEP}${row.status}${SEP}${row.errorCode ?? ''}`;
    let t = this.tuples.get(id);
    if (t) return t;
    const model = row.model ?? '';
    const provider = row.provider ?? '';
    const code = row.errorCode ?? '';
    const hundreds = Math.floor(row.status / 100);
    t = {
      model,
      provider,
      key: this.keyLabel(row.keyName),
      requests: this.requests.child([surface, model, provider, STATUS_CLASS[hundreds] ?? `${hundreds}xx`, code]),
      duration: this.duration.child(['chat', model, provider, row.status >= 400 ? code || String(row.status) : '']),
    };
    if (this.tuples.size >= TUPLE_CACHE_LIMIT) this.tuples.clear();
    this.tuples.set(id, t);
    return t;
  }

  private upstreamSeries(provider: string, ok: boolean): HistogramSeries {
    let pair = this.upstreamByProvider.get(provider);
    if (!pair) {
      if (this.upstreamByProvider.size >= TUPLE_CACHE_LIMIT) this.upstreamByProvider.clear();
      this.upstreamByProvider.set(provider, (pair = [undefined, undefined]));
    }
    const i = ok ? 0 : 1;
    return (pair[i] ??= this.upstream.child([provider, ok ? 'ok' : 'error']));
  }

  /** One finished request (the ledger row and its attempts). */
  observe(row: RequestRow, attempts: readonly AttemptRow[], facts: RowFacts): void {
    const t = this.tuple(row, facts.surface);
    const { model, provider, key } = t;
    (this.rowsSeries ??= this.ledgerRows.child(NO_LABELS)).value += 1;
    t.requests.value += 1;
    this.duration.record(t.duration, row.latencyMs / 1000);
    let upstreamMs = 0;
    for (const a of attempts) {
      upstreamMs += a.latencyMs;
      this.upstream.record(this.upstreamSeries(a.provider, a.status < 400), a.latencyMs / 1000);
    }
    if (attempts.length) {
      const untilAnswer = row.stream && row.ttftMs !== null ? row.ttftMs : row.latencyMs;
      this.overhead.record((t.overhead ??= this.overhead.child([facts.surface])), Math.max(0, untilAnswer - upstreamMs) / 1000);
      if (attempts.length > 1) this.retries.inc([model], attempts.length - 1);
      const first = attempts[0].provider;
      const last = attempts[attempts.length - 1];
      if (last.status < 400 && last.provider !== first) this.failovers.inc([model, first, last.provider]);
    }
    if (row.stream && row.ttftMs !== null) {
      this.ttft.record((t.ttft ??= this.ttft.child([model, provider])), row.ttftMs / 1000);
      this.streamDuration.record((t.streamDuration ??= this.streamDuration.child([model, provider])), Math.max(0, row.latencyMs - row.ttftMs) / 1000);
    }
    if (row.promptTokens || row.completionTokens) {
      this.tokenUsage.record((t.usageIn ??= this.tokenUsage.child(['input', model, provider])), row.promptTokens);
      this.tokenUsage.record((t.usageOut ??= this.tokenUsage.child(['output', model, provider])), row.completionTokens);
      (t.tokensIn ??= this.tokens.child(['input', model, provider, key])).value += row.promptTokens;
      (t.tokensOut ??= this.tokens.child(['output', model, provider, key])).value += row.completionTokens;
      if (row.cachedTokens) this.tokens.inc(['cached', model, provider, key], row.cachedTokens);
      if (facts.reasoningTokens) this.tokens.inc(['reasoning', model, provider, key], facts.reasoningTokens);
      if (!facts.priced) this.unpriced.inc([model], row.promptTokens + row.completionTokens);
    }
    if (row.costMicros) (t.cost ??= this.cost.child([model, provider, key])).value += row.costMicros / 1e6;
    // Refused by the gateway itself (no upstream was asked): rate, concurrency or budget limits.
    if (row.status === 429 && row.errorCode && attempts.length === 0) this.refusals.inc([row.errorCode, key]);
  }

  /**
   * One API request refused before it got past authentication (it has no ledger row, so `observe` never
   * sees it). Labels are bounded: the surface, the status the gateway answered and its error code.
   */
  rejected(surface: string, status: number, code: string): void {
    this.rejectedRequests.inc([surface, String(status), code]);
  }

  /** Prometheus text exposition. */
  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
