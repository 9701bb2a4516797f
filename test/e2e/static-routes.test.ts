// The fixed API paths are static routes (Bun's native router) beside the catch-all; both must behave as one:
// the same pipeline on POST, the catch-all's hints for other methods, route prefixes, the other surfaces'
// paths with their own error shape, and Connection: close for an unread body.

import { afterAll, beforeAll, expect, test } from 'bun:test';
import { config, startTestGateway, TEST_KEY, type TestGateway } from '../helpers/gateway.ts';

let gw: TestGateway;
const chat = JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'hi' }] });
const auth = { authorization: `Bearer ${TEST_KEY}`, 'content-type': 'application/json' };

beforeAll(async () => {
  gw = await startTestGateway(config('providers:\n  mock: { adapter: mock, models: [m] }\nmodels:\n  m: { price: { input: 1, output: 1 } }', 'routes:\n  - { path: /team }'));
});
afterAll(() => gw.stop());

test('POST on a static path runs the pipeline (answer, request id, cost header)', async () => {
  const res = await fetch(`${gw.url}/v1/chat/completions`, { method: 'POST', headers: auth, body: chat });
  expect(res.status).toBe(200);
  expect(res.headers.get('x-request-id')).toMatch(/^req_/);
  expect(res.headers.get('x-switchyard-cost-usd')).not.toBeNull();
  expect(((await res.json()) as { object: string }).object).toBe('chat.completion');
});

test('another method on a static path still reaches the catch-all: 405 with Allow', async () => {
  const res = await fetch(`${gw.url}/v1/chat/completions`, { headers: auth });
  expect(res.status).toBe(405);
  expect(res.headers.get('allow')).toBe('POST');
  const body = (await res.json()) as { error: { code: string; message: string } };
  expect(body.error.code).toBe('method_not_allowed');
  expect(body.error.message).toContain('use POST');
});

test('a route prefix in front of the same path is served by the catch-all', async () => {
  const res = await fetch(`${gw.url}/team/v1/chat/completions`, { method: 'POST', headers: auth, body: chat });
  expect(res.status).toBe(200);
});

test('/v1/messages keeps the Anthropic error shape; a bad key closes a connection whose body was not read', async () => {
  const res = await fetch(`${gw.url}/v1/messages`, { method: 'POST', headers: { 'x-api-key': 'sk-wrong-0123456789', 'content-type': 'application/json', 'anthropic-version': '2023-06-01' }, body: JSON.stringify({ model: 'm', max_tokens: 8, messages: [{ role: 'user', content: 'hi' }] }) });
  expect(res.status).toBe(401);
  const body = (await res.json()) as { type?: string; error?: { type?: string } };
  expect(body.type).toBe('error');
  expect(body.error?.type).toBe('authentication_error');
  expect(res.headers.get('connection')).toBe('close');
});
