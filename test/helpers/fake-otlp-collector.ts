// Test helper: a fake OpenTelemetry Collector, a real HTTP server on 127.0.0.1 speaking OTLP/HTTP JSON
// (POST /v1/traces, application/json). Every body is checked strictly against the OTLP JSON encoding of
// ExportTraceServiceRequest (lowerCamelCase fields only, hex ids, 64-bit integers as decimal strings, enums
// as numbers, one value kind per AnyValue); a body that breaks it gets 400 and is listed in `problems`.

export interface OtlpAttribute { key: string; value: Record<string, unknown> }
export interface OtlpSpanJson {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  flags?: number;
  name: string;
  kind: number;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  attributes: OtlpAttribute[];
  events?: Array<{ timeUnixNano: string; name: string; attributes: OtlpAttribute[] }>;
  status?: { code: number; message?: string };
}

export interface ReceivedExport {
  headers: Headers;
  body: string;
  resource: OtlpAttribute[];
  spans: OtlpSpanJson[];
}

export interface FakeCollector {
  readonly url: string;
  readonly port: number;
  readonly exports: ReceivedExport[];
  readonly problems: string[];
  /** Every span received, in order. */
  spans(): OtlpSpanJson[];
  /** What the next exports get: a status (default 200), or hang until stopped. */
  respond(mode: number | 'hang'): void;
  /** Resolves once at least `n` spans arrived (rejects after `timeoutMs`). */
  waitForSpans(n: number, timeoutMs?: number): Promise<OtlpSpanJson[]>;
  stop(): void;
}

const HEX32 = /^[0-9a-f]{32}$/;
const HEX16 = /^[0-9a-f]{16}$/;
const UINT64 = /^(0|[1-9][0-9]*)$/;
const INT64 = /^-?(0|[1-9][0-9]*)$/;
const SPAN_FIELDS = new Set(['traceId', 'spanId', 'traceState', 'parentSpanId', 'flags', 'name', 'kind', 'startTimeUnixNano', 'endTimeUnixNano', 'attributes', 'droppedAttributesCount', 'events', 'droppedEventsCount', 'links', 'droppedLinksCount', 'status']);

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function onlyKeys(where: string, v: Record<string, unknown>, allowed: Iterable<string>): void {
  const ok = new Set(allowed);
  for (const k of Object.keys(v)) if (!ok.has(k)) throw new Error(`${where}: unknown field "${k}"`);
}

function checkValue(where: string, v: unknown): void {
  if (!isObject(v)) throw new Error(`${where}: AnyValue must be an object`);
  const kinds = Object.keys(v);
  if (kinds.length !== 1) throw new Error(`${where}: AnyValue must hold exactly one value, got ${kinds.join(',')}`);
  const [kind] = kinds;
  const x = v[kind];
  if (kind === 'stringValue' && typeof x === 'string') return;
  if (kind === 'boolValue' && typeof x === 'boolean') return;
  if (kind === 'intValue' && typeof x === 'string' && INT64.test(x)) return;
  if (kind === 'doubleValue' && typeof x === 'number' && Number.isFinite(x)) return;
  throw new Error(`${where}: bad AnyValue ${JSON.stringify(v)}`);
}

function checkAttributes(where: string, list: unknown): OtlpAttribute[] {
  if (!Array.isArray(list)) throw new Error(`${where}: attributes must be an array`);
  const seen = new Set<string>();
  for (const [i, kv] of list.entries()) {
    if (!isObject(kv)) throw new Error(`${where}[${i}]: KeyValue must be an object`);
    onlyKeys(`${where}[${i}]`, kv, ['key', 'value']);
    if (typeof kv.key !== 'string' || !kv.key) throw new Error(`${where}[${i}]: key must be a non-empty string`);
    if (seen.has(kv.key)) throw new Error(`${where}: duplicate attribute ${kv.key}`);
    seen.add(kv.key);
    checkValue(`${where}.${kv.key}`, kv.value);
  }
  return list as OtlpAttribute[];
}

function checkSpan(where: string, s: unknown): OtlpSpanJson {
  if (!isObject(s)) throw new Error(`${where}: span must be an object`);
  onlyKeys(where, s, SPAN_FIELDS);
  if (typeof s.traceId !== 'string' || !HEX32.test(s.traceId) || /^0+$/.test(s.traceId)) throw new Error(`${where}: traceId must be 32 lowercase hex digits, not all zero`);
  if (typeof s.spanId !== 'string' || !HEX16.test(s.spanId) || /^0+$/.test(s.spanId)) throw new Error(`${where}: spanId must be 16 lowercase hex digits, not all zero`);
  if (s.parentSpanId !== undefined && (typeof s.parentSpanId !== 'string' || !HEX16.test(s.parentSpanId))) throw new Error(`${where}: parentSpanId must be 16 hex digits`);
  if (typeof s.name !== 'string' || !s.name) throw new Error(`${where}: name must be a non-empty string`);
  if (!Number.isInteger(s.kind) || (s.kind as number) < 0 || (s.kind as number) > 5) throw new Error(`${where}: kind must be a SpanKind number`);
  if (s.flags !== undefined && (!Number.isInteger(s.flags) || (s.flags as number) < 0 || (s.flags as number) > 0xffffffff)) throw new Error(`${where}: flags must be a fixed32 number`);
  for (const t of ['startTimeUnixNano', 'endTimeUnixNano'] as const) {
    if (typeof s[t] !== 'string' || !UINT64.test(s[t] as string)) throw new Error(`${where}: ${t} must be a decimal string`);
  }
  if (BigInt(s.endTimeUnixNano as string) < BigInt(s.startTimeUnixNano as string)) throw new Error(`${where}: ends before it starts`);
  checkAttributes(`${where}.attributes`, s.attributes);
  if (s.events !== undefined) {
    if (!Array.isArray(s.events)) throw new Error(`${where}: events must be an array`);
    for (const [i, e] of s.events.entries()) {
      if (!isObject(e)) throw new Error(`${where}.events[${i}]: must be an object`);
      onlyKeys(`${where}.events[${i}]`, e, ['timeUnixNano', 'name', 'attributes', 'droppedAttributesCount']);
      if (typeof e.timeUnixNano !== 'string' || !UINT64.test(e.timeUnixNano)) throw new Error(`${where}.events[${i}]: timeUnixNano must be a decimal string`);
      if (typeof e.name !== 'string' || !e.name) throw new Error(`${where}.events[${i}]: name required`);
      checkAttributes(`${where}.events[${i}].attributes`, e.attributes);
    }
  }
  if (s.status !== undefined) {
    if (!isObject(s.status)) throw new Error(`${where}: status must be an object`);
    onlyKeys(`${where}.status`, s.status, ['code', 'message']);
    if (![0, 1, 2].includes(s.status.code as number)) throw new Error(`${where}: status.code must be 0, 1 or 2`);
    if (s.status.message !== undefined && typeof s.status.message !== 'string') throw new Error(`${where}: status.message must be a string`);
  }
  return s as unknown as OtlpSpanJson;
}

/** Parses and checks one ExportTraceServiceRequest body; throws on the first violation. */
export function checkExport(body: unknown): { resource: OtlpAttribute[]; spans: OtlpSpanJson[] } {
  if (!isObject(body)) throw new Error('body must be an object');
  onlyKeys('request', body, ['resourceSpans']);
  if (!Array.isArray(body.resourceSpans) || body.resourceSpans.length === 0) throw new Error('resourceSpans must be a non-empty array');
  const spans: OtlpSpanJson[] = [];
  let resource: OtlpAttribute[] = [];
  for (const [i, rs] of body.resourceSpans.entries()) {
    if (!isObject(rs)) throw new Error(`resourceSpans[${i}] must be an object`);
    onlyKeys(`resourceSpans[${i}]`, rs, ['resource', 'scopeSpans', 'schemaUrl']);
    if (!isObject(rs.resource)) throw new Error(`resourceSpans[${i}].resource required`);
    onlyKeys(`resourceSpans[${i}].resource`, rs.resource, ['attributes', 'droppedAttributesCount']);
    resource = checkAttributes(`resourceSpans[${i}].resource.attributes`, rs.resource.attributes);
    if (!Array.isArray(rs.scopeSpans)) throw new Error(`resourceSpans[${i}].scopeSpans must be an array`);
    for (const [j, ss] of rs.scopeSpans.entries()) {
      if (!isObject(ss)) throw new Error(`scopeSpans[${j}] must be an object`);
      onlyKeys(`scopeSpans[${j}]`, ss, ['scope', 'spans', 'schemaUrl']);
      if (!isObject(ss.scope) || typeof ss.scope.name !== 'string') throw new Error(`scopeSpans[${j}].scope.name required`);
      onlyKeys(`scopeSpans[${j}].scope`, ss.scope, ['name', 'version', 'attributes', 'droppedAttributesCount']);
      if (!Array.isArray(ss.spans)) throw new Error(`scopeSpans[${j}].spans must be an array`);
      ss.spans.forEach((s, k) => spans.push(checkSpan(`spans[${k}]`, s)));
    }
  }
  return { resource, spans };
}

export function startFakeCollector(): FakeCollector {
  const exports: ReceivedExport[] = [];
  const problems: string[] = [];
  let mode: number | 'hang' = 200;
  const hanging: Array<() => void> = [];
  const waiters: Array<() => void> = [];
  const all = () => exports.flatMap((e) => e.spans);
  const server = Bun.serve({
    hostname: '127.0.0.1',
    port: 0,
    async fetch(req) {
      const url = new URL(req.url);
      if (req.method !== 'POST' || url.pathname !== '/v1/traces') return new Response('not found', { status: 404 });
      if (req.headers.get('content-type') !== 'application/json') {
        problems.push(`content-type ${req.headers.get('content-type')}`);
        return new Response('unsupported media type', { status: 415 });
      }
      if (mode === 'hang') await new Promise<void>((resolve) => hanging.push(resolve));
      const body = await req.text();
      if (typeof mode === 'number' && mode !== 200) return new Response(JSON.stringify({}), { status: mode, headers: { 'content-type': 'application/json' } });
      try {
        const { resource, spans } = checkExport(JSON.parse(body));
        exports.push({ headers: req.headers, body, resource, spans });
        for (const w of waiters.splice(0)) w();
        // ExportTraceServiceResponse: empty object on full success.
        return new Response('{}', { headers: { 'content-type': 'application/json' } });
      } catch (err) {
        problems.push((err as Error).message);
        return new Response(JSON.stringify({ code: 3, message: (err as Error).message }), { status: 400, headers: { 'content-type': 'application/json' } });
      }
    },
  });
  return {
    url: `http://127.0.0.1:${server.port}`,
    port: server.port ?? 0,
    exports,
    problems,
    spans: all,
    respond(next) {
      mode = next;
      if (next !== 'hang') for (const h of hanging.splice(0)) h();
    },
    async waitForSpans(n, timeoutMs = 5000) {
      const deadline = Date.now() + timeoutMs;
      while (all().length < n) {
        if (Date.now() > deadline) throw new Error(`expected ${n} spans, got ${all().length} (problems: ${problems.join('; ') || 'none'})`);
        await Promise.race([new Promise<void>((r) => waiters.push(r)), Bun.sleep(50)]);
      }
      return all();
    },
    stop() {
      for (const h of hanging.splice(0)) h();
      server.stop(true);
    },
  };
}
