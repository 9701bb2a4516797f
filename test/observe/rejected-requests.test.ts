// Requests the gateway refuses before a key got them past authentication have no ledger row; they must
// still be seen: counted in switchyard_rejected_requests_total (bounded labels: surface, status, code),
// written to the request log, and wrong keys or tokens warned about at most once per address per interval
// (with the count, never the key). Also: a request line names the provider that answered an upstream 400.

import { afterAll, beforeAll, expect, test } from 'bun:test';
import { createLogger } from '../../src/log.ts';
import { json, startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream.ts';
import { type TestGateway, TEST_KEY, config, startTestGateway } from '../helpers/gateway.ts';
import { parsePrometheus } from '../helpers/prom-text.ts';

const ADMIN = 'admin-token-rejected-0123456789';
let up: FakeUpstream;
let gw: TestGateway;
const out: string[] = [];
const logger = createLogger('info', 'json', { out: (t) => void out.push(t), err: (t) => void out.push(t) });

type Line = Record<string, unknown>;
const lines = async (): Promise<Line[]> => {
  logger.flush?.();
  await Bun.sleep(20);
  return out.join('').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Line);
};

beforeAll(async () => {
  up = startFakeUpstream(() => json({ error: { message: 'bad request from upstream', type: 'invalid_request_error' } }, 400));
  gw = await startTestGateway(config(`providers:
  up: { adapter: openai, base_url: ${'UP'}/v1, api_key: sk-up-secret-0123456789, models: [m] }
server: { admin_token: ${ADMIN}, expose_upstream: false }
`).replace('UP', up.url), { logger });
});
afterAll(async () => {
  await gw.stop();
  up.stop();
});

const scrape = async () => {
  const res = await fetch(`${gw.url}/metrics`, { headers: { authorization: `Bearer ${ADMIN}` } });
  expect(res.status).toBe(200);
  return parsePrometheus(await res.text());
};
const chat = (key?: string, path = '/v1/chat/completions') => fetch(`${gw.url}${path}`, {
  method: 'POST', headers: { 'content-type': 'application/json', ...(key && { authorization: `Bearer ${key}` }) },
  body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'hi' }] }),
});

test('60 wrong keys: all counted, all in the request log, one warning with no key in it', async () => {
  const guesses = Array.from({ length: 60 }, (_, i) => `sk-guess-${i}-xxxxxxxx`);
  for (const key of guesses) expect((await fetch(`${gw.url}/v1/models`, { headers: { authorization: `Bearer ${key}` } })).status).toBe(401);
  expect((await chat()).status).toBe(401); // no key
  expect((await fetch(`${gw.url}/nothing-here`)).status).toBe(404); // unknown path (outside /v1), before authentication
  const anthropic = await fetch(`${gw.url}/v1/messages`, { method: 'POST', headers: { 'x-api-key': 'sk-ant-guess-0123456789', 'content-type': 'application/json', 'anthropic-version': '2023-06-01' }, body: '{}' });
  expect(anthropic.status).toBe(401);

  const m = await scrape();
  expect(m.sum('switchyard_rejected_requests_total', { surface: 'openai', status: '401', code: 'invalid_api_key' })).toBe(60);
  expect(m.sum('switchyard_rejected_requests_total', { status: '401', code: 'missing_api_key' })).toBe(1);
  expect(m.sum('switchyard_rejected_requests_total', { status: '404', code: 'unknown_route' })).toBe(1);
  expect(m.sum('switchyard_rejected_requests_total', { surface: 'anthropic', status: '401', code: 'invalid_api_key' })).toBe(1);
  for (const s of m.samples.filter((x) => x.name === 'switchyard_rejected_requests_total')) expect(Object.keys(s.labels).sort()).toEqual(['code', 'status', 'surface']);
  // requests_total stays the ledger's count: refused requests are not in it.
  expect(m.sum('switchyard_requests_total')).toBe(0);

  const all = await lines();
  const warnings = all.filter((l) => l.msg === 'authentication failed');
  expect(warnings).toHaveLength(1); // one address, one interval: the 61 other failures wait for the interval's end
  expect(warnings[0]).toMatchObject({ level: 'warn', address: '127.0.0.1', failures: 1, code: 'invalid_api_key', surface: 'openai' });
  // Keyless refusals write no request line each (a stranger could fill the log at will): the counter and the
  // per-address warning are their record.
  expect(all.filter((l) => l.msg === 'request' && (l.status === 401 || l.status === 404))).toHaveLength(0);
  const text = out.join('');
  expect(text).not.toContain('sk-guess');
  expect(text).not.toContain('sk-ant-guess');
  // Bounded state: one address tracked.
  expect(gw.runtime.authFailures.size).toBe(1);
});

test('wrong admin tokens: warned per address, and the lock-out is logged once; no token in the log', async () => {
  const codes: number[] = [];
  for (let i = 0; i < 11; i++) codes.push((await fetch(`${gw.url}/admin/config`, { headers: { authorization: `Bearer wrong-admin-${i}` } })).status);
  expect(codes.slice(0, 10)).toEqual(Array(10).fill(401));
  expect(codes[10]).toBe(429);
  const all = await lines();
  const lockouts = all.filter((l) => l.msg === 'too many wrong tokens: address locked out');
  expect(lockouts).toHaveLength(1);
  expect(lockouts[0]).toMatchObject({ level: 'warn', address: '127.0.0.1', surface: 'admin', code: 'invalid_admin_token' });
  expect(Number(lockouts[0].retry_after_s)).toBeGreaterThan(0);
  // The address already had a line in this interval (the wrong API keys above): counted, not written again.
  expect(all.filter((l) => l.msg === 'authentication failed')).toHaveLength(1);
  expect(out.join('')).not.toContain('wrong-admin-');
  expect(out.join('')).not.toContain(ADMIN);
});

test('an upstream 400: the request line names the provider that answered (expose_upstream: false hides it from clients only)', async () => {
  const res = await chat(TEST_KEY);
  expect(res.status).toBe(400);
  expect(res.headers.get('x-switchyard-provider')).toBeNull();
  const line = (await lines()).find((l) => l.msg === 'request' && l.key === 'tester' && l.status === 400);
  expect(line).toMatchObject({ provider: 'up', attempts: 1, model: 'm' });
});
