// One finished request (its ledger row and attempts) as an OTLP span, in the OTLP/HTTP JSON encoding of
// opentelemetry-proto (ExportTraceServiceRequest): lowerCamelCase fields, trace and span ids as lowercase
// hex, 64-bit integers (times in ns, intValue) as decimal strings, enums as numbers.
//
// Attributes follow the OpenTelemetry GenAI semantic conventions (gen_ai.*), plus switchyard.* for what
// they do not cover (cost, key name, attempts, cache). Key names only: the row never holds key values.

import type { AttemptRow, RequestRow } from '../../runtime/contracts.ts';
import type { TraceParent } from './traceparent.ts';

export type AnyValue = { stringValue: string } | { intValue: string } | { doubleValue: number } | { boolValue: boolean };
export interface KeyValue { key: string; value: AnyValue }

export interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  flags: number;
  name: string;
  kind: number;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  attributes: KeyValue[];
  events: Array<{ timeUnixNano: string; name: string; attributes: KeyValue[] }>;
  status: { code: number; message?: string };
}

/** A finished request waiting to become a span. */
export interface SpanInput {
  row: RequestRow;
  attempts: readonly AttemptRow[];
  parent?: TraceParent;
  /** The answering provider's adapter (openai, anthropic, ...), for gen_ai.provider.name. */
  adapter?: string;
}

const SPAN_KIND_SERVER = 2;
const STATUS_UNSET = 0;
const STATUS_ERROR = 2;
// SpanFlags: bit 8 says bit 9 is known; bit 9 says the parent is remote. Bits 0-7 are W3C trace flags
// (sampled = 1: every exported span was recorded).
const FLAGS_LOCAL_ROOT = 0x100 | 0x01;
const FLAGS_REMOTE_PARENT = 0x300 | 0x01;

/** gen_ai.operation.name (well-known values where one exists), from the gateway's operation. */
const OPERATION: Record<string, string> = { chat: 'chat', responses: 'chat', completions: 'text_completion', embeddings: 'embeddings' };
/** gen_ai.provider.name well-known values, by adapter. */
const PROVIDER: Record<string, string> = {
  openai: 'openai', anthropic: 'anthropic', gemini: 'gcp.gemini', vertex: 'gcp.vertex_ai', bedrock: 'aws.bedrock',
  azure: 'azure.ai.openai', cohere: 'cohere', deepseek: 'deepseek', mistral: 'mistral_ai', groq: 'groq', xai: 'x_ai',
};

const str = (key: string, v: string): KeyValue => ({ key, value: { stringValue: v } });
const int = (key: string, v: number): KeyValue => ({ key, value: { intValue: String(Math.trunc(v)) } });
const dbl = (key: string, v: number): KeyValue => ({ key, value: { doubleValue: v } });
const bool = (key: string, v: boolean): KeyValue => ({ key, value: { boolValue: v } });
const nanos = (ms: number): string => (Math.trunc(ms) === 0 ? '0' : `${Math.trunc(ms)}000000`);

export function randomHex(bytes: number): string {
  const b = crypto.getRandomValues(new Uint8Array(bytes));
  let out = '';
  for (const x of b) out += x.toString(16).padStart(2, '0');
  return out;
}

export function operationName(op: string | undefined): string {
  return op ? OPERATION[op] ?? op : 'chat';
}

export function toSpan(input: SpanInput): OtlpSpan {
  const { row, attempts, parent } = input;
  const operation = operationName(row.operation);
  const attributes: KeyValue[] = [str('gen_ai.operation.name', operation)];
  if (row.model) attributes.push(str('gen_ai.request.model', row.model));
  if (row.upstreamModel) attributes.push(str('gen_ai.response.model', row.upstreamModel));
  // A custom adapter (a file path in the config) is not a provider name: reported as _OTHER.
  if (input.adapter) attributes.push(str('gen_ai.provider.name', PROVIDER[input.adapter] ?? (/^[\w-]+$/.test(input.adapter) ? input.adapter : '_OTHER')));
  if (row.usageSource !== 'none') {
    attributes.push(int('gen_ai.usage.input_tokens', row.promptTokens), int('gen_ai.usage.output_tokens', row.completionTokens));
  }
  if (row.status >= 400) attributes.push(str('error.type', row.errorCode ?? String(row.status)));
  attributes.push(
    int('http.response.status_code', row.status),
    str('switchyard.request_id', row.id),
    str('switchyard.surface', row.surface ?? 'openai'),
    str('switchyard.route', row.route),
    int('switchyard.status', row.status),
    int('switchyard.attempts', attempts.length),
    dbl('switchyard.cost_usd', row.costMicros / 1e6),
    str('switchyard.cache', row.errorCode === 'cache_hit' ? 'hit' : 'miss'),
    bool('switchyard.stream', row.stream),
    str('switchyard.usage_source', row.usageSource),
    str('switchyard.config_hash', row.configHash),
  );
  if (row.keyName) attributes.push(str('switchyard.key', row.keyName));
  if (row.group) attributes.push(str('switchyard.group', row.group));
  if (row.provider) attributes.push(str('switchyard.provider', row.provider));
  if (row.cachedTokens) attributes.push(int('switchyard.usage.cached_tokens', row.cachedTokens));
  if (row.reasoningTokens) attributes.push(int('switchyard.usage.reasoning_tokens', row.reasoningTokens));
  if (row.ttftMs !== null) attributes.push(int('switchyard.ttft_ms', row.ttftMs));
  if (row.partial) attributes.push(bool('switchyard.partial', true));
  if (row.status < 400 && row.errorCode && row.errorCode !== 'cache_hit') attributes.push(str('switchyard.note', row.errorCode));

  const span: OtlpSpan = {
    traceId: parent?.traceId ?? randomHex(16),
    spanId: randomHex(8),
    flags: parent ? FLAGS_REMOTE_PARENT : FLAGS_LOCAL_ROOT,
    name: row.model ? `${operation} ${row.model}` : operation,
    kind: SPAN_KIND_SERVER,
    startTimeUnixNano: nanos(row.ts),
    endTimeUnixNano: nanos(row.ts + row.latencyMs),
    attributes,
    events: attempts.map((a) => ({
      timeUnixNano: nanos(a.ts),
      name: 'switchyard.attempt',
      attributes: [
        int('switchyard.attempt', a.n), str('switchyard.provider', a.provider), str('gen_ai.response.model', a.upstreamModel),
        int('http.response.status_code', a.status), int('switchyard.latency_ms', a.latencyMs),
        ...(a.errorCode ? [str('error.type', a.errorCode)] : []),
      ],
    })),
    status: row.status >= 400 ? { code: STATUS_ERROR, message: row.errorCode ?? `HTTP ${row.status}` } : { code: STATUS_UNSET },
  };
  if (parent) span.parentSpanId = parent.spanId;
  return span;
}

/** The ExportTraceServiceRequest body for a batch of spans of this service. */
export function exportRequest(serviceName: string, spans: OtlpSpan[]): string {
  return JSON.stringify({
    resourceSpans: [{
      resource: { attributes: [str('service.name', serviceName)] },
      scopeSpans: [{ scope: { name: 'switchyard' }, spans }],
    }],
  });
}
