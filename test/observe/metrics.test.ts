// GET /metrics after real traffic: parsed strictly as Prometheus text, its numbers match the ledger
// (requests, tokens, cost, refusals), failovers and retries are counted, unpriced models' tokens are
// counted apart, key labels are capped and never carry key values, and the endpoint is refused
// without its token and off when disabled.

import { afterAll, beforeAll, expect, test } from 'bun:test';
import { chatChunks, chatCompletion, json, sse, startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream.ts';
import { parsePrometheus } from '../helpers/prom-text.ts';
import { ADMIN, type Harness, chat, harness } from '../ledger/harness.ts';

const KEYS = { a: 'sk-metrics-key-a-0123456789', b: 'sk-metrics-key-b-0123456789', c: 'sk-metrics-key-c-0123456789', poor: 'sk-metrics-key-poor-0123456789' };
let up: FakeUpstream;
let bad: FakeUpstream;
let h: Harness;

const yaml = (metrics: string) => `version: 1
server: { admin_token: ${ADMIN}, ${metrics} }
providers:
  up: { adapter: openai, base_url: UP/v1, api_key: sk-up-secret-0123456789, models: [m, free] }
  bad: { adapter: openai, base_url: BAD/v1, api_key: sk-bad-secret-0123456789, models: { fo: m } }
models:
  m: { price: { input: 2, output: 8 } }
  fo:
    targets: [{ provider: bad, model: m, priority: 0 }, { provider: up, model: m, priority: 1 }]
    price: { input: 2, output: 8 }
routing: { retry: { attempts: 2 } }
keys:
  - { name: alice, key: ${KEYS.a} }
  - { name: bob, key: ${KEYS.b} }
  - { name: carol, key: ${KEYS.c} }
  - { name: poor, key: ${KEYS.poor}, budget: 0.000001 }
`;

beforeAll(async () => {
  up = startFakeUpstream((_req, body) => (JSON.parse(body).stream
    ? sse(chatChunks(['Hello', ' there'], { prompt_tokens: 7, completion_tokens: 2, total_tokens: 9 }))
    : json(chatCompletion('hi!', 'up', { prompt_tokens: 11, completion_tokens: 4, total_tokens: 15 }))));
  bad = startFakeUpstream(() => json({ error: { message: 'boom', type: 'server_error' } }, 500));
  h = await harness(yaml('metrics: { max_key_labels: 2 }').replace('UP', up.url).replace('BAD', bad.url));
});
afterAll(async () => {
  await h.cleanup();
  up.stop();
  bad.stop();
});

const scrape = async (token: string | null = ADMIN) => fetch(`${h.url}/metrics`, { headers: token ? { authorization: `Bearer ${token}` } : {} });

test('metrics agree with the ledger after mixed traffic', async () => {
  for (let i = 0; i < 3; i++) expect((await chat(h.url, { model: 'm' }, KEYS.a)).status).toBe(200);
  const streamed = await chat(h.url, { model: 'm', stream: true }, KEYS.b);
  await streamed.text();
  expect((await chat(h.url, { model: 'fo' }, KEYS.a)).status).toBe(200); // bad → up
  expect((await chat(h.url, { model: 'free' }, KEYS.c)).status).toBe(200); // unpriced
  expect((await chat(h.url, { model: 'm' }, KEYS.poor)).status).toBe(429); // budget
  expect((await chat(h.url, { model: 'nope' }, KEYS.a)).status).toBe(404);

  const [ledger] = await h.query('SELECT COUNT(*) AS n, SUM(prompt_tokens) AS p, SUM(completion_tokens) AS c, SUM(cost_micros) AS cost FROM requests');
  const res = await scrape();
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toContain('text/plain');
  const text = await res.text();
  const m = parsePrometheus(text);
  expect(m.sum('switchyard_requests_total')).toBe(Number(ledger.n));
  expect(m.sum('switchyard_tokens_total', { type: 'input' })).toBe(Number(ledger.p));
  expect(m.sum('switchyard_tokens_total', { type: 'output' })).toBe(Number(ledger.c));
  expect(m.sum('switchyard_cost_usd_total')).toBeCloseTo(Number(ledger.cost) / 1e6, 9);
  expect(m.sum('gen_ai_client_token_usage_sum', { gen_ai_token_type: 'input' })).toBe(Number(ledger.p));
  expect(m.sum('switchyard_requests_total', { model: 'm', status_class: '2xx' })).toBe(4);
  expect(m.sum('switchyard_requests_total', { status_class: '4xx', code: 'insufficient_quota' })).toBe(1);
  expect(m.sum('switchyard_refusals_total', { reason: 'insufficient_quota' })).toBe(1);
  expect(m.sum('switchyard_failovers_total', { model: 'fo', from: 'bad', to: 'up' })).toBe(1);
  expect(m.sum('switchyard_retries_total', { model: 'fo' })).toBe(1);
  expect(m.sum('switchyard_unpriced_tokens_total', { model: 'free' })).toBe(15);
  expect(m.sum('switchyard_unpriced_tokens_total', { model: 'm' })).toBe(0);
  expect(m.sum('gen_ai_server_time_to_first_token_seconds_count')).toBe(1);
  expect(m.sum('switchyard_stream_duration_seconds_count')).toBe(1);
  expect(m.sum('gen_ai_client_operation_duration_seconds_count')).toBe(Number(ledger.n));
  expect(m.sum('switchyard_gateway_overhead_seconds_count')).toBeGreaterThanOrEqual(5);
  expect(m.sum('switchyard_in_flight_requests')).toBe(0);
  expect(m.sum('switchyard_in_flight_streams')).toBe(0);
  expect(m.sum('switchyard_circuit_breaker_state', { target: 'bad/m' })).toBe(0);
  expect(m.samples.find((s) => s.name === 'switchyard_config_info')!.labels.hash).toBe(h.gw.runtime.status.hash);
  expect(m.sum('switchyard_ledger_rows_pending')).toBe(0);
  // Key names capped at 2 distinct labels; later keys are "_other"; no key value anywhere.
  const keyLabels = new Set(m.samples.filter((s) => s.labels.key !== undefined && s.labels.key !== '').map((s) => s.labels.key));
  expect(keyLabels).toEqual(new Set(['alice', 'bob', '_other']));
  for (const secret of [...Object.values(KEYS), 'sk-up-secret-0123456789', 'sk-bad-secret-0123456789', ADMIN]) expect(text).not.toContain(secret);
});

test('process metrics without the per-heap-space gauges (a heap walk under Bun); heap totals stay', async () => {
  const text = await (await scrape()).text();
  expect(text).not.toContain('nodejs_heap_space_size');
  expect(text).toContain('switchyard_process_nodejs_heap_size_used_bytes');
  expect(text).toContain('switchyard_process_process_cpu_seconds_total');
});

test('an open breaker shows as 2', async () => {
  for (let i = 0; i < 5; i++) await (await chat(h.url, { model: 'fo' }, KEYS.a)).text();
  const m = parsePrometheus(await (await scrape()).text());
  expect(m.sum('switchyard_circuit_breaker_state', { target: 'bad/m' })).toBe(2);
});

test('refused without the token; a metrics token that is not the admin token; off when disabled', async () => {
  expect((await scrape(null)).status).toBe(401);
  expect((await scrape('wrong-token')).status).toBe(401);
  h.write(yaml('metrics: { token: scrape-only-token-0123 }').replace('UP', up.url).replace('BAD', bad.url));
  await h.gw.reload('test');
  expect((await scrape('scrape-only-token-0123')).status).toBe(200);
  expect((await scrape()).status).toBe(401);
  h.write(yaml('metrics: { enabled: false }').replace('UP', up.url).replace('BAD', bad.url));
  await h.gw.reload('test');
  const off = await scrape();
  expect(off.status).toBe(404);
  expect((await off.json()).error.code).toBe('metrics_disabled');
});
