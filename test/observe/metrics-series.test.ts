// GatewayMetrics in process: a request updates the series of its label tuple, which are kept at hand
// after its first request. The scrape must match every row observed, also when more tuples pass than
// the cache keeps (it starts over), with the key-label cap and without series nobody updated.

import { expect, test } from 'bun:test';
import { GatewayMetrics } from '../../src/observe/metrics.ts';
import type { AttemptRow, RequestRow } from '../../src/runtime/contracts.ts';
import { parsePrometheus } from '../helpers/prom-text.ts';

const live = { inFlight: () => 0, streamsInFlight: () => 0, breakers: () => [], config: () => ({ hash: 'h', loadedAt: Date.now(), reloads: 0, failures: 0 }), ledgerPending: () => 0, dependencies: () => [] };
const row = (over: Partial<RequestRow>): RequestRow => ({
  id: 'r', ts: 1, keyName: 'alice', group: null, route: '', model: 'm', provider: 'up', upstreamModel: 'm', promptTokens: 10, completionTokens: 2,
  cachedTokens: 0, usageSource: 'upstream', costMicros: 30, status: 200, errorCode: null, latencyMs: 20, ttftMs: null, stream: false, partial: false, configHash: 'h', ...over,
});
const attempt = (over: Partial<AttemptRow> = {}): AttemptRow => ({ requestId: 'r', n: 0, provider: 'up', upstreamModel: 'm', status: 200, errorCode: null, latencyMs: 15, ts: 1, ...over });
const facts = { surface: 'openai', priced: true, reasoningTokens: 0 };

test('repeated and distinct tuples (beyond the tuple cache) all count; the key cap holds', async () => {
  const m = new GatewayMetrics(live, 3);
  const models = 4_500; // more distinct tuples than the cache keeps (4,096)
  for (let round = 0; round < 2; round++) {
    for (let i = 0; i < models; i++) m.observe(row({ model: `m${i}`, keyName: `k${i % 5}` }), [attempt()], facts);
  }
  for (let i = 0; i < 100; i++) m.observe(row({ stream: true, ttftMs: 5 }), [attempt()], facts);
  const s = parsePrometheus(await m.text());
  const total = 2 * models + 100;
  expect(s.sum('switchyard_requests_total')).toBe(total);
  expect(s.sum('switchyard_ledger_rows_recorded_total')).toBe(total);
  expect(s.sum('switchyard_requests_total', { model: 'm7' })).toBe(2);
  expect(s.sum('switchyard_tokens_total', { type: 'input' })).toBe(total * 10);
  expect(s.sum('switchyard_tokens_total', { type: 'output' })).toBe(total * 2);
  expect(s.sum('switchyard_cost_usd_total')).toBeCloseTo((total * 30) / 1e6, 9);
  expect(s.sum('gen_ai_client_operation_duration_seconds_count')).toBe(total);
  expect(s.sum('switchyard_upstream_duration_seconds_count', { provider: 'up', outcome: 'ok' })).toBe(total);
  expect(s.sum('gen_ai_server_time_to_first_token_seconds_count', { gen_ai_request_model: 'm' })).toBe(100);
  const keys = new Set(s.samples.filter((x) => x.name === 'switchyard_tokens_total').map((x) => x.labels.key));
  expect(keys).toEqual(new Set(['k0', 'k1', 'k2', '_other']));
  expect(s.sum('switchyard_cost_usd_total', { key: '_other' })).toBeCloseTo(((2 * 2 * 900 + 100) * 30) / 1e6, 9); // k3, k4 and alice
}, 30_000); // a scrape of 4,500 models' histograms takes seconds on a loaded host

test('a series appears only once updated; errors, refusals, retries and failovers keep their labels', async () => {
  const m = new GatewayMetrics(live);
  m.observe(row({ costMicros: 0, promptTokens: 0, completionTokens: 0 }), [attempt()], facts);
  let s = parsePrometheus(await m.text());
  expect(s.samples.some((x) => x.name === 'switchyard_cost_usd_total')).toBe(false);
  expect(s.samples.some((x) => x.name === 'switchyard_tokens_total')).toBe(false);
  expect(s.samples.some((x) => x.name === 'switchyard_gateway_overhead_seconds_count')).toBe(true);
  m.observe(row({ status: 429, errorCode: 'rate_limited', costMicros: 0, promptTokens: 0, completionTokens: 0 }), [], facts);
  m.observe(row({ status: 429, errorCode: 'rate_limited', costMicros: 0, promptTokens: 0, completionTokens: 0 }), [], facts);
  m.observe(row({ provider: 'up2' }), [attempt({ status: 500 }), attempt({ provider: 'up2', n: 1 })], facts);
  m.observe(row({ status: 502, errorCode: 'upstream_error' }), [attempt({ status: 502 })], facts);
  s = parsePrometheus(await m.text());
  expect(s.sum('switchyard_refusals_total', { reason: 'rate_limited', key: 'alice' })).toBe(2);
  expect(s.sum('switchyard_requests_total', { status_class: '4xx', code: 'rate_limited' })).toBe(2);
  expect(s.sum('switchyard_requests_total', { status_class: '5xx', code: 'upstream_error' })).toBe(1);
  expect(s.sum('gen_ai_client_operation_duration_seconds_count', { error_type: 'upstream_error' })).toBe(1);
  expect(s.sum('switchyard_retries_total', { model: 'm' })).toBe(1);
  expect(s.sum('switchyard_failovers_total', { model: 'm', from: 'up', to: 'up2' })).toBe(1);
  expect(s.sum('switchyard_upstream_duration_seconds_count', { provider: 'up', outcome: 'error' })).toBe(2);
  expect(s.sum('switchyard_upstream_duration_seconds_count', { provider: 'up2', outcome: 'ok' })).toBe(1);
});
