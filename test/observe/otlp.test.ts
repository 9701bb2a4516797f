// OTLP trace export against a fake OpenTelemetry Collector (a real HTTP server checking the OTLP/HTTP JSON
// shape strictly): one span per finished request whose gen_ai.* / switchyard.* attributes and times match
// the ledger row, the client's traceparent as parent (malformed ones ignored), nothing secret in the
// spans, batching by max_batch and at shutdown, and a collector that is down, refusing or hanging never
// slows or fails a request (its drops are counted on /metrics). Also the dependency health gauges.

import { afterAll, beforeAll, expect, test } from 'bun:test';
import { chatChunks, chatCompletion, json, sse, startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream.ts';
import { type FakeCollector, type OtlpSpanJson, startFakeCollector } from '../helpers/fake-otlp-collector.ts';
import { parsePrometheus } from '../helpers/prom-text.ts';
import { ADMIN, type Harness, admin, chat, harness } from '../ledger/harness.ts';
import { parseTraceParent } from '../../src/observe/otlp/traceparent.ts';

const KEYS = { a: 'sk-otlp-key-alice-0123456789', b: 'sk-otlp-key-bob-0123456789' };
const OTLP_TOKEN = 'otlp-collector-secret-token-4242';
const UP_KEY = 'sk-otlp-upstream-secret-0123456789';
const PARENT_TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const PARENT_SPAN = '00f067aa0ba902b7';

let up: FakeUpstream;
let bad: FakeUpstream;
const cleanups: Array<() => Promise<void> | void> = [];

const yaml = (otlp: string) => `version: 1
server: { admin_token: ${ADMIN} }
providers:
  up: { adapter: openai, base_url: ${up.url}/v1, api_key: ${UP_KEY}, models: { m: up-model } }
  bad: { adapter: anthropic, base_url: ${bad.url}, api_key: sk-ant-otlp-bad-secret-0123456789, models: { fo: claude-x } }
models:
  m: { price: { input: 2, output: 8 } }
  fo:
    targets: [{ provider: bad, model: fo, priority: 0 }, { provider: up, model: m, priority: 1 }]
    price: { input: 2, output: 8 }
routing: { retry: { attempts: 2 } }
groups: { team: {} }
keys:
  - { name: alice, key: ${KEYS.a}, group: team }
  - { name: bob, key: ${KEYS.b} }
${otlp}
`;

async function gateway(otlp: string): Promise<Harness> {
  const h = await harness(yaml(otlp));
  cleanups.push(() => h.cleanup());
  return h;
}

const attr = (s: OtlpSpanJson, key: string): unknown => {
  const v = s.attributes.find((a) => a.key === key)?.value;
  return v === undefined ? undefined : Object.values(v)[0];
};
/** Polls until `check` passes (a drop counter updated by a background export), or fails after 5 s. */
async function eventually(check: () => Promise<void>): Promise<void> {
  const deadline = Date.now() + 5000;
  for (;;) {
    try {
      return await check();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await Bun.sleep(25);
    }
  }
}
const scrape = async (h: Harness) => parsePrometheus(await (await fetch(`${h.url}/metrics`, { headers: { authorization: `Bearer ${ADMIN}` } })).text());

beforeAll(() => {
  process.env.SWITCHYARD_TEST_OTLP_TOKEN = OTLP_TOKEN;
  up = startFakeUpstream((_req, body) => (JSON.parse(body).stream
    ? sse(chatChunks(['Hello', ' there'], { prompt_tokens: 7, completion_tokens: 2, total_tokens: 9 }))
    : json(chatCompletion('hi!', 'up-model', { prompt_tokens: 11, completion_tokens: 4, total_tokens: 15 }))));
  bad = startFakeUpstream(() => json({ type: 'error', error: { type: 'api_error', message: 'overloaded' } }, 500));
});
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
  up.stop();
  bad.stop();
  delete process.env.SWITCHYARD_TEST_OTLP_TOKEN;
});

test('one span per finished request, matching its ledger row; traceparent honoured; nothing secret', async () => {
  const collector = startFakeCollector();
  cleanups.push(() => collector.stop());
  const h = await gateway(`observability:
  otlp:
    endpoint: ${collector.url}
    service_name: gateway-under-test
    flush_ms: 50
    headers: { authorization: "Bearer \${SWITCHYARD_TEST_OTLP_TOKEN}", x-tenant: acme }`);

  expect((await chat(h.url, { model: 'm' }, KEYS.a, { traceparent: `00-${PARENT_TRACE}-${PARENT_SPAN}-01` })).status).toBe(200);
  const streamed = await chat(h.url, { model: 'm', stream: true }, KEYS.b, { traceparent: `00-${'0'.repeat(32)}-${PARENT_SPAN}-01` });
  await streamed.text();
  expect((await chat(h.url, { model: 'fo' }, KEYS.a)).status).toBe(200); // bad (500) → up
  expect((await chat(h.url, { model: 'nope' }, KEYS.b)).status).toBe(404);

  const rows = await h.query('SELECT * FROM requests ORDER BY ts');
  expect(rows.length).toBe(4);
  const spans = await collector.waitForSpans(4);
  expect(collector.problems).toEqual([]);
  expect(spans.length).toBe(4);

  // The collector got the configured headers (the env value resolved) and the resource's service name.
  const first = collector.exports[0];
  expect(first.headers.get('authorization')).toBe(`Bearer ${OTLP_TOKEN}`);
  expect(first.headers.get('x-tenant')).toBe('acme');
  expect(first.resource).toContainEqual({ key: 'service.name', value: { stringValue: 'gateway-under-test' } });

  const attempts = await h.query('SELECT request_id, COUNT(*) AS n FROM attempts GROUP BY request_id');
  const attemptsOf = (id: string) => Number(attempts.find((a) => a.request_id === id)?.n ?? 0);
  for (const row of rows) {
    const span = spans.find((s) => attr(s, 'switchyard.request_id') === row.id);
    expect(span).toBeDefined();
    const s = span!;
    expect(s.kind).toBe(2);
    expect(s.startTimeUnixNano).toBe(`${row.ts}000000`);
    expect(BigInt(s.endTimeUnixNano) - BigInt(s.startTimeUnixNano)).toBe(BigInt(Number(row.latency_ms)) * 1_000_000n);
    expect(attr(s, 'gen_ai.request.model')).toBe(row.model ?? undefined);
    expect(attr(s, 'switchyard.key')).toBe(row.key_name);
    expect(attr(s, 'switchyard.status')).toBe(String(row.status));
    expect(attr(s, 'http.response.status_code')).toBe(String(row.status));
    expect(attr(s, 'switchyard.cost_usd')).toBeCloseTo(Number(row.cost_micros) / 1e6, 9);
    expect(attr(s, 'switchyard.attempts')).toBe(String(attemptsOf(String(row.id))));
    expect(s.events?.length ?? 0).toBe(attemptsOf(String(row.id)));
    expect(attr(s, 'switchyard.cache')).toBe('miss');
    if (Number(row.status) < 400) {
      expect(attr(s, 'gen_ai.operation.name')).toBe('chat');
      expect(s.name).toBe(`chat ${row.model}`);
      expect(attr(s, 'gen_ai.usage.input_tokens')).toBe(String(row.prompt_tokens));
      expect(attr(s, 'gen_ai.usage.output_tokens')).toBe(String(row.completion_tokens));
      expect(attr(s, 'gen_ai.response.model')).toBe(row.upstream_model);
      expect(attr(s, 'gen_ai.provider.name')).toBe('openai'); // the adapter's well-known name
      expect(attr(s, 'switchyard.provider')).toBe(row.provider);
      expect(s.status?.code ?? 0).toBe(0);
    } else {
      expect(s.status).toEqual({ code: 2, message: String(row.error_code) });
      expect(attr(s, 'error.type')).toBe(row.error_code);
      expect(attr(s, 'gen_ai.usage.input_tokens')).toBeUndefined();
    }
  }

  const byKey = (id: unknown) => spans.find((s) => attr(s, 'switchyard.request_id') === id)!;
  // The valid traceparent became the parent; the all-zero one was ignored (a fresh root trace).
  const traced = byKey(rows[0].id);
  expect(traced.traceId).toBe(PARENT_TRACE);
  expect(traced.parentSpanId).toBe(PARENT_SPAN);
  expect(traced.spanId).not.toBe(PARENT_SPAN);
  expect(traced.flags).toBe(0x301);
  const untraced = byKey(rows[1].id);
  expect(untraced.parentSpanId).toBeUndefined();
  expect(untraced.traceId).not.toBe('0'.repeat(32));
  expect(untraced.flags).toBe(0x101);
  expect(attr(untraced, 'switchyard.stream')).toBe(true);
  expect(Number(attr(untraced, 'switchyard.ttft_ms'))).toBe(Number(rows[1].ttft_ms));
  expect(attr(traced, 'switchyard.group')).toBe('team');
  // The failover: the first attempt's event names the failing anthropic target.
  const failover = byKey(rows[2].id);
  expect(failover.events?.map((e) => e.attributes.find((a) => a.key === 'switchyard.provider')?.value.stringValue)).toEqual(['bad', 'up']);
  expect(failover.events?.[0].attributes).toContainEqual({ key: 'http.response.status_code', value: { intValue: '500' } });
  // Distinct span ids.
  expect(new Set(spans.map((s) => s.spanId)).size).toBe(4);

  // Nothing secret went to the collector: no client key, provider key, admin token or OTLP header value.
  const sent = collector.exports.map((e) => e.body).join('\n');
  for (const secret of [KEYS.a, KEYS.b, UP_KEY, 'sk-ant-otlp-bad-secret-0123456789', ADMIN, OTLP_TOKEN]) expect(sent).not.toContain(secret);
  // Nor does the gateway show the OTLP header value anywhere an operator looks.
  const metricsText = await (await fetch(`${h.url}/metrics`, { headers: { authorization: `Bearer ${ADMIN}` } })).text();
  expect(metricsText).not.toContain(OTLP_TOKEN);
  const views = await Promise.all(['/admin/config', '/admin/config/compiled', '/admin/providers'].map(async (p) => {
    const res = await admin(h.url, 'GET', p);
    expect(res.status).toBe(200);
    return res.text();
  }));
  for (const v of views) expect(v).not.toContain(OTLP_TOKEN);
  expect(JSON.parse(views[1]).observability.otlp).toEqual({ endpoint: `${collector.url}/`, headers: ['authorization', 'x-tenant'], service_name: 'gateway-under-test' });
  expect(h.gw.runtime.current().secrets).toContain(OTLP_TOKEN); // every log line masks it

  await eventually(async () => expect((await scrape(h)).sum('switchyard_otlp_spans_exported_total')).toBe(4));
  const m = await scrape(h);
  expect(m.sum('switchyard_otlp_spans_dropped_total')).toBe(0);
  expect(m.sum('switchyard_dependency_up', { name: 'ledger' })).toBe(1);
  expect(m.sum('switchyard_dependency_status', { name: 'ledger', status: 'ok' })).toBe(1);
});

test('batches: max_batch spans per export, the rest sent at shutdown', async () => {
  const collector = startFakeCollector();
  cleanups.push(() => collector.stop());
  const h = await gateway(`observability: { otlp: { endpoint: "${collector.url}/v1/traces", max_batch: 3, flush_ms: 600000 } }`);
  for (let i = 0; i < 7; i++) expect((await chat(h.url, { model: 'm' }, KEYS.a)).status).toBe(200);
  await collector.waitForSpans(6);
  expect(collector.exports.map((e) => e.spans.length)).toEqual([3, 3]);
  await h.stop(); // flush_ms is 10 minutes: the seventh span leaves at shutdown
  expect(collector.exports.map((e) => e.spans.length)).toEqual([3, 3, 1]);
  expect(collector.problems).toEqual([]);
  expect(new Set(collector.spans().map((s) => attr(s, 'switchyard.request_id'))).size).toBe(7);
});

test('a collector that is down, refusing or hanging never slows or fails a request; drops are counted', async () => {
  // Down: nothing listens on the endpoint's port.
  const gone = startFakeCollector();
  gone.stop();
  const h = await gateway(`observability: { otlp: { endpoint: ${gone.url}, flush_ms: 20, max_queue: 5, timeout_ms: 200 } }`);
  for (let i = 0; i < 4; i++) expect((await chat(h.url, { model: 'm' }, KEYS.a)).status).toBe(200);
  await eventually(async () => expect((await scrape(h)).sum('switchyard_otlp_spans_dropped_total', { reason: 'export_failed' })).toBe(4));
  let m = await scrape(h);
  expect(m.sum('switchyard_otlp_spans_exported_total')).toBe(0);

  // Hanging: exports time out after timeout_ms; meanwhile the bounded queue drops the overflow.
  const hang = startFakeCollector();
  cleanups.push(() => hang.stop());
  hang.respond('hang');
  const h2 = await gateway(`observability: { otlp: { endpoint: ${hang.url}, flush_ms: 20, max_queue: 3, max_batch: 2, timeout_ms: 3000 } }`);
  expect((await chat(h2.url, { model: 'm' }, KEYS.a)).status).toBe(200);
  await Bun.sleep(60); // the first span's export is now hanging
  const started = performance.now();
  for (let i = 0; i < 8; i++) expect((await chat(h2.url, { model: 'm' }, KEYS.b)).status).toBe(200);
  const perRequestMs = (performance.now() - started) / 8;
  expect(perRequestMs).toBeLessThan(100); // not waiting on the hanging export
  m = await scrape(h2);
  expect(m.sum('switchyard_otlp_spans_dropped_total', { reason: 'queue_full' })).toBe(5); // 8 arrived, 3 fit
  expect(m.sum('switchyard_otlp_queue_spans')).toBe(3);
  hang.respond(200); // the collector answers again: the hung export and the queued spans go through
  await hang.waitForSpans(4);
  await eventually(async () => expect((await scrape(h2)).sum('switchyard_otlp_queue_spans')).toBe(0));

  // Refusing (HTTP 503), then recovered: later spans arrive.
  const refusing = startFakeCollector();
  cleanups.push(() => refusing.stop());
  refusing.respond(503);
  const h3 = await gateway(`observability: { otlp: { endpoint: ${refusing.url}, flush_ms: 20 } }`);
  expect((await chat(h3.url, { model: 'm' }, KEYS.a)).status).toBe(200);
  await eventually(async () => expect((await scrape(h3)).sum('switchyard_otlp_spans_dropped_total', { reason: 'export_failed' })).toBe(1));
  refusing.respond(200);
  expect((await chat(h3.url, { model: 'm' }, KEYS.a)).status).toBe(200);
  await refusing.waitForSpans(1);
  await eventually(async () => expect((await scrape(h3)).sum('switchyard_otlp_spans_exported_total')).toBe(1));
  expect((await scrape(h3)).sum('switchyard_otlp_spans_dropped_total', { reason: 'export_failed' })).toBe(1);
});

test('off by default: no exporter, no traceparent read, no OTLP metrics', async () => {
  const h = await gateway('');
  expect(h.gw.runtime.spans).toBeUndefined();
  expect((await chat(h.url, { model: 'm' }, KEYS.a, { traceparent: `00-${PARENT_TRACE}-${PARENT_SPAN}-01` })).status).toBe(200);
  const m = await scrape(h);
  expect(m.samples.some((s) => s.name.startsWith('switchyard_otlp_'))).toBe(false);
  expect(m.sum('switchyard_dependency_up', { name: 'ledger' })).toBe(1);
});

test('traceparent parsing follows W3C Trace Context', () => {
  expect(parseTraceParent(`00-${PARENT_TRACE}-${PARENT_SPAN}-01`)).toEqual({ traceId: PARENT_TRACE, spanId: PARENT_SPAN });
  expect(parseTraceParent(`00-${PARENT_TRACE}-${PARENT_SPAN}-00`)).toEqual({ traceId: PARENT_TRACE, spanId: PARENT_SPAN }); // not sampled: still the parent
  expect(parseTraceParent(`01-${PARENT_TRACE}-${PARENT_SPAN}-01-extra`)).toEqual({ traceId: PARENT_TRACE, spanId: PARENT_SPAN }); // future version
  for (const bad of [
    undefined, '', 'garbage', `00-${PARENT_TRACE}-${PARENT_SPAN}-01-extra`, `ff-${PARENT_TRACE}-${PARENT_SPAN}-01`,
    `00-${'0'.repeat(32)}-${PARENT_SPAN}-01`, `00-${PARENT_TRACE}-${'0'.repeat(16)}-01`, `00-${PARENT_TRACE.toUpperCase()}-${PARENT_SPAN}-01`,
    `00-${PARENT_TRACE.slice(1)}-${PARENT_SPAN}-01`, `00-${PARENT_TRACE}-${PARENT_SPAN}-1`,
  ]) expect(parseTraceParent(bad)).toBeUndefined();
});
