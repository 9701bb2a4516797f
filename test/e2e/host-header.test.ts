// The Host header is the client's: a request without one (HTTP/1.0) is served by its path, one with an
// invalid Host gets a 400 in the surface's error shape with an x-request-id (never a bare 500), and a
// Host is never echoed into an error's base_url hint. A raw TCP client sends what fetch would not.

import { afterAll, beforeAll, expect, test } from 'bun:test';
import { join } from 'node:path';
import { TEST_KEY, type TestGateway, config, startTestGateway } from '../helpers/gateway.ts';
import { type RawAnswer, sendRaw } from '../helpers/raw-http.ts';

const ADMIN = 'admin-token-for-host-tests';
let gw: TestGateway;
let port: number;
beforeAll(async () => {
  gw = await startTestGateway(config(`server: { admin_token: ${ADMIN} }
providers:
  mock: { adapter: mock, models: [m] }
models:
  m: { price: { input: 1, output: 1 } }
plugins:
  spy: { module: ${join(import.meta.dir, '..', 'plugins-e2e', 'fixtures', 'spy.ts')} }
routes:
  - { path: /spied, plugins: [spy] }
  - { path: /gem, protocol: gemini }
  - { path: /ant, protocol: anthropic }
  - { path: /resp, protocol: responses }`));
  port = Number(new URL(gw.url).port);
});
afterAll(async () => {
  await gw.stop();
});

/** Sends `head` (request line and headers, without the blank line) and `body` on a fresh connection. */
const raw = (head: string[], body = ''): Promise<RawAnswer> => sendRaw(port, `${head.join('\r\n')}\r\n\r\n${body}`);

const CHAT = JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'hi' }] });
const post = (path: string, host: string | null, version = 'HTTP/1.1') => raw([
  `POST ${path} ${version}`, ...(host === null ? [] : [`Host: ${host}`]), 'Connection: close', `Authorization: Bearer ${TEST_KEY}`,
  'Content-Type: application/json', `Content-Length: ${Buffer.byteLength(CHAT)}`,
], CHAT);
const get = (path: string, host: string | null, auth = `Bearer ${TEST_KEY}`) => raw([
  `GET ${path} HTTP/1.0`, ...(host === null ? [] : [`Host: ${host}`]), `Authorization: ${auth}`,
]);

test('HTTP/1.0 without a Host header: served by the path (API, route plugins, admin, metrics, dashboard)', async () => {
  const models = await get('/v1/models', null);
  expect(models.status).toBe(200);
  expect(models.headers['x-request-id']).toBeTruthy();
  expect((JSON.parse(models.body) as { data: Array<{ id: string }> }).data.map((m) => m.id)).toContain('m');
  const chat = await post('/v1/chat/completions', null, 'HTTP/1.0');
  expect(chat.status).toBe(200);
  expect(JSON.parse(chat.body).object).toBe('chat.completion');
  const spied = await post('/spied/v1/chat/completions', null, 'HTTP/1.0');
  expect(spied.status).toBe(200);
  expect((await get('/admin/config', null, `Bearer ${ADMIN}`)).status).toBe(200);
  expect((await get('/metrics', null, `Bearer ${ADMIN}`)).status).toBe(200);
  const dashboard = await get('/dashboard', null, '');
  expect(dashboard.status).toBe(200);
  expect(dashboard.headers['content-type']).toContain('text/html');
});

test('an invalid Host header: 400 invalid_host with an x-request-id, in the surface shape', async () => {
  for (const host of ['a b', 'a/b?c', 'x\tz']) {
    const res = await post('/v1/chat/completions', host);
    expect(res.status).toBe(400);
    expect(res.headers['x-request-id']).toMatch(/^req_/);
    expect(JSON.parse(res.body)).toMatchObject({ error: { type: 'invalid_request_error', code: 'invalid_host' } });
  }
  for (const path of ['/v1/models', '/admin/config', '/metrics']) {
    const res = await get(path, 'a b', `Bearer ${ADMIN}`);
    expect(res.status).toBe(400);
    expect(res.headers['x-request-id']).toMatch(/^req_/);
    expect(JSON.parse(res.body).error.code).toBe('invalid_host');
  }
});

test('the unknown-route hint never echoes a client-supplied Host', async () => {
  const res = await get('/foo', 'evil.example.com');
  expect(res.status).toBe(404);
  const body = JSON.parse(res.body) as { error: { code: string; message: string } };
  expect(body.error.code).toBe('unknown_route');
  expect(body.error.message).not.toContain('evil.example.com');
  expect(body.error.message).toContain('/v1');
});

test('no error on any surface echoes a client-supplied Host (Gemini\'s base-URL hint names <gateway address>)', async () => {
  const host = 'evil.example.com';
  const gemini = await get('/v1beta/files', host, '');
  expect(gemini.status).toBe(404);
  expect(JSON.parse(gemini.body).error.message).toContain('Point your Gemini client at <gateway address> ');
  const onRoute = await get('/gem/v1beta/files', host, '');
  expect(JSON.parse(onRoute.body).error.message).toContain('Point your Gemini client at <gateway address>/gem ');
  const answers = [gemini, onRoute];
  for (const path of ['/foo', '/v1/files', '/v1/models/nope', '/ant/nope', '/resp/nope', '/gem/nope', '/admin/nope', '/dashboard/nope', '/v1beta/models/nope']) {
    answers.push(await get(path, host), await get(path, host, `Bearer ${ADMIN}`));
  }
  answers.push(await post('/v1beta/models/nope:generateContent', host), await post('/gem/v1beta/models/nope:embedContent', host));
  for (const res of answers) {
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.body).not.toContain('evil');
  }
});
