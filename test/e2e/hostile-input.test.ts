// Hostile request bodies and paths found by attacking a running gateway: each is refused with a 4xx that
// says what is wrong, quickly, on every surface, and never reaches an adapter or an upstream.

import { afterAll, beforeAll, expect, test } from 'bun:test';
import { TEST_KEY, type TestGateway, config, startTestGateway } from '../helpers/gateway.ts';
import { type FakeUpstream, chatCompletion, json, startFakeUpstream } from '../helpers/fake-upstream.ts';

let gw: TestGateway;
let up: FakeUpstream;
beforeAll(async () => {
  up = startFakeUpstream(() => json(chatCompletion('hi')));
  gw = await startTestGateway(config(`providers:
  mock:
    adapter: mock
    models: [mock-echo]
  files:
    adapter: openai
    base_url: ${up.url}/v1
    api_key: sk-provider-secret-000
    models: [up-model]
    passthrough: [/files]
`));
});
afterAll(() => {
  gw.stop();
  up.stop();
});

const nested = (depth: number) => `{"model":"mock-echo","max_tokens":5,"messages":[{"role":"user","content":"hi"}],"x":${'['.repeat(depth)}${']'.repeat(depth)}}`;

test('a body nested 100 000 levels deep is a 400 invalid_json on every surface, refused before parsing (it was a 500 after a second of CPU)', async () => {
  for (const path of ['/v1/chat/completions', '/v1/messages', '/v1/responses', '/v1/files']) {
    const res = await fetch(`${gw.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${TEST_KEY}`, 'content-type': 'application/json' }, body: nested(100_000) });
    const body = (await res.json()) as { error?: { code?: string; message?: string }; type?: string };
    expect({ path, status: res.status }).toEqual({ path, status: 400 });
    expect(JSON.stringify(body)).toContain('nested more than 256 levels');
  }
  expect(up.received.length).toBe(0);
});

test('ordinary nesting (a deep JSON Schema in a tool) still passes, and braces inside strings do not count', async () => {
  const res = await fetch(`${gw.url}/v1/chat/completions`, {
    method: 'POST', headers: { authorization: `Bearer ${TEST_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'mock-echo', messages: [{ role: 'user', content: '['.repeat(5000) + '\\"{' }], x: JSON.parse(nested(200)).x }),
  });
  expect(res.status).toBe(200);
});

test('a passthrough path cannot climb out of its prefix with encoded dot segments or separators', async () => {
  const get = (path: string) => fetch(`${gw.url}${path}`, { headers: { authorization: `Bearer ${TEST_KEY}` } });
  const before = up.received.length;
  for (const path of ['/v1/files/..%2f..%2fadmin', '/v1/files/%252e%252e/%252e%252e/admin', '/v1/files/x%5c..%5cadmin', '/v1/files/a%2F..%2F..%2Fadmin']) {
    const res = await get(path);
    expect({ path, status: res.status }).toEqual({ path, status: 400 });
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('invalid_path');
  }
  expect(up.received.length).toBe(before);
  const ok = await get('/v1/files/file-abc123/content?limit=2');
  expect(ok.status).toBe(200);
  expect(up.received.at(-1)?.path).toBe('/v1/files/file-abc123/content?limit=2');
});

test('a password in a base_url (https://user:password@host) is masked in the compiled config view', async () => {
  const other = await startTestGateway(config(`server: { admin_token: adm-userinfo-token-0123456789 }
providers:
  proxied:
    adapter: openai
    base_url: http://relay:UserinfoPassw0rd@127.0.0.1:9/v1
    api_key: sk-provider-secret-000
    models: [up-model]
`));
  try {
    const res = await fetch(`${other.url}/admin/config/compiled`, { headers: { authorization: 'Bearer adm-userinfo-token-0123456789' } });
    const text = await res.text();
    expect(res.status).toBe(200);
    expect(text).toContain('http://relay:***@127.0.0.1:9/v1');
    expect(text).not.toContain('UserinfoPassw0rd');
  } finally {
    await other.stop();
  }
});
