// Bad input gets the DESIGN §5 errors: OpenAI-shaped, right status, a message that says how to fix it.

import { afterAll, beforeAll, expect, test } from 'bun:test';
import { TEST_KEY, type TestGateway, config, startTestGateway } from '../helpers/gateway.ts';

let gw: TestGateway;
beforeAll(async () => {
  gw = await startTestGateway(config(`providers:\n  mock:\n    adapter: mock\n    models: [mock-echo]\n`, `server:\n  max_body_bytes: 2048\n`)
    .replace('key: sk-test-key-0123456789', `key: ${TEST_KEY}\n  - name: old\n    key: sk-expired-key-000000\n    expires_at: 2020-01-01T00:00:00Z\n  - name: narrow\n    key: sk-narrow-key-000000\n    models: ["gpt-*"]\n  - name: office\n    key: sk-office-key-000000\n    allow_ips: [10.0.0.0/8]`));
});
afterAll(() => gw.stop());

async function post(body: string | undefined, headers: Record<string, string> = {}, path = '/v1/chat/completions') {
  const res = await fetch(`${gw.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${TEST_KEY}`, 'content-type': 'application/json', ...headers }, body });
  const json = (await res.json()) as { error: { message: string; type: string; code: string; param: string | null } };
  expect(Object.keys(json.error).sort()).toEqual(['code', 'message', 'param', 'type']);
  expect(res.headers.get('x-request-id')).toBeTruthy();
  return { status: res.status, error: json.error };
}

const chat = JSON.stringify({ model: 'mock-echo', messages: [{ role: 'user', content: 'hi' }] });

test('malformed JSON → 400 invalid_json', async () => {
  const r = await post('{"model": "mock-echo", "messages": [');
  expect(r.status).toBe(400);
  expect(r.error.code).toBe('invalid_json');
});

test('messages not an array → 400 invalid_value naming the field', async () => {
  const r = await post(JSON.stringify({ model: 'mock-echo', messages: 'hello' }));
  expect(r.status).toBe(400);
  expect(r.error).toMatchObject({ code: 'invalid_value', param: 'messages' });
});

test('wrong content type → 415', async () => {
  const r = await post(chat, { 'content-type': 'text/plain' });
  expect(r.status).toBe(415);
  expect(r.error.code).toBe('unsupported_content_type');
});

test('missing key → 401 naming this gateway, not OpenAI', async () => {
  const r = await post(chat, { authorization: '' });
  expect(r.status).toBe(401);
  expect(r.error.code).toBe('missing_api_key');
  expect(r.error.message).toContain('Switchyard');
  expect(r.error.message).not.toContain('platform.openai.com');
});

test('invalid key → 401; x-api-key and api-key headers work too', async () => {
  expect((await post(chat, { authorization: 'Bearer sk-wrong' })).error.code).toBe('invalid_api_key');
  const viaXApiKey = await fetch(`${gw.url}/v1/chat/completions`, { method: 'POST', headers: { 'x-api-key': TEST_KEY, 'content-type': 'application/json' }, body: chat });
  expect(viaXApiKey.status).toBe(200);
  const viaApiKey = await fetch(`${gw.url}/v1/chat/completions`, { method: 'POST', headers: { 'api-key': TEST_KEY, 'content-type': 'application/json' }, body: chat });
  expect(viaApiKey.status).toBe(200);
});

test('expired key → 401 expired_api_key; model or IP not allowed → 403', async () => {
  expect((await post(chat, { authorization: 'Bearer sk-expired-key-000000' })).error.code).toBe('expired_api_key');
  const narrow = await post(chat, { authorization: 'Bearer sk-narrow-key-000000' });
  expect(narrow.status).toBe(403);
  expect(narrow.error.code).toBe('model_not_allowed');
  const office = await post(chat, { authorization: 'Bearer sk-office-key-000000' });
  expect(office.status).toBe(403);
  expect(office.error.code).toBe('ip_not_allowed');
});

test('unknown model → 404 model_not_found', async () => {
  const r = await post(JSON.stringify({ model: 'gpt-9', messages: [{ role: 'user', content: 'hi' }] }));
  expect(r.status).toBe(404);
  expect(r.error).toMatchObject({ code: 'model_not_found', param: 'model' });
});

test('oversize body → 413 request_too_large', async () => {
  const r = await post(JSON.stringify({ model: 'mock-echo', messages: [{ role: 'user', content: 'x'.repeat(5000) }] }));
  expect(r.status).toBe(413);
  expect(r.error.code).toBe('request_too_large');
});

test('unknown path → 404 that says which base_url to use; a doubled path is explained', async () => {
  const r = await fetch(`${gw.url}/api/chat`, { headers: { authorization: `Bearer ${TEST_KEY}` } });
  expect(r.status).toBe(404);
  const body = (await r.json()) as { error: { code: string; message: string } };
  expect(body.error.code).toBe('unknown_route');
  expect(body.error.message).toContain('base_url to <gateway address>/v1');
  expect(body.error.message).not.toContain(gw.url); // the Host header is the client's: never echoed
  const doubled = await post(chat, {}, '/v1/chat/completions/chat/completions');
  expect(doubled.status).toBe(404);
  expect(doubled.error.message).toContain('base_url');
});

test('health and readiness', async () => {
  expect((await fetch(`${gw.url}/health`)).status).toBe(200);
  expect((await fetch(`${gw.url}/ready`)).status).toBe(200);
});

test('anthropic count_tokens: unknown model → 404 in Anthropic shape; a known one counts', async () => {
  const post = (model: string) => fetch(`${gw.url}/v1/messages/count_tokens`, {
    method: 'POST', headers: { 'x-api-key': TEST_KEY, 'content-type': 'application/json' },
    body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hello there' }] }),
  });
  const bad = await post('no-such-model');
  expect(bad.status).toBe(404);
  expect(((await bad.json()) as { error: { type: string } }).error.type).toBe('not_found_error');
  const ok = await post('mock-echo');
  expect(ok.status).toBe(200);
  expect(((await ok.json()) as { input_tokens: number }).input_tokens).toBeGreaterThan(0);
});

test('a doubled /v1 is explained; a misspelt endpoint lists the real ones; bad max_tokens is a 400', async () => {
  const doubled = await post(chat, {}, '/v1/v1/chat/completions');
  expect(doubled.status).toBe(404);
  expect(doubled.error.message).toContain('/v1/v1');
  const typo = await post(chat, {}, '/v1/chat/completion');
  expect(typo.status).toBe(404);
  expect(typo.error.message).toContain('/v1/chat/completions');
  const badMax = await post(JSON.stringify({ model: 'mock-echo', max_tokens: 'ten', messages: [{ role: 'user', content: 'hi' }] }));
  expect(badMax.status).toBe(400);
  expect(badMax.error.param).toBe('max_tokens');
});
