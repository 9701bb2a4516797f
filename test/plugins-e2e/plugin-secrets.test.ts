// Plugins never see secrets (issue 8 point 24): onRequest gets the client request without its
// credentials (Authorization, x-api-key, api-key, x-goog-api-key, ?key=), onUpstreamRequest gets the
// upstream request without the provider's key (headers, query, configured secret headers); the
// credentials are added after the hooks, and a hook that points the request at another host is refused
// (plugin_error) before anything is sent anywhere.

import { afterAll, beforeAll, expect, test, setDefaultTimeout } from 'bun:test';
import { join } from 'node:path';
import { chatCompletion, json, upstreamPool } from '../helpers/fake-upstream.ts';
import { type E2EGateway, FIXTURES, TEST_KEY, auth, chatBody, startE2E } from './helpers.ts';

// Gateways start, files are watched and CLIs spawned here: generous on a shared, loaded machine.
setDefaultTimeout(20_000);

const PROVIDER_KEY = 'sk-provider-secret-0123456789';
const HEADER_SECRET = 'hdr-secret-abcdef123456';
const pool = upstreamPool(afterAll);
const upstream = pool(() => json(chatCompletion('hello from upstream')));
const elsewhere = pool(() => json(chatCompletion('this should never be asked')));
let gw: E2EGateway;

beforeAll(async () => {
  const spy = join(FIXTURES, 'spy.ts');
  const provider = (name: string, mode: string) => `  ${name}:
    adapter: openai
    base_url: ${upstream.url}/v1
    api_key: ${PROVIDER_KEY}
    headers: { x-vendor-token: ${HEADER_SECRET}, x-plain: visible }
    models: { m-${name}: up-model }
    plugins: [spy-${mode}]`;
  gw = await startE2E(`version: 1
keys:
  - name: tester
    key: ${TEST_KEY}
providers:
${provider('observe', 'observe')}
${provider('redirect', 'redirect')}
${provider('path', 'path')}
${provider('steal', 'steal')}
models:
  m-observe: { price: { input: 1, output: 1 } }
  m-redirect: { price: { input: 1, output: 1 } }
  m-path: { price: { input: 1, output: 1 } }
  m-steal: { price: { input: 1, output: 1 } }
plugins:
  spy-observe: { module: ${spy} }
  spy-redirect: { module: ${spy}, options: { upstream: redirect, to: '${elsewhere.url}' } }
  spy-path: { module: ${spy}, options: { upstream: path } }
  spy-steal: { module: ${spy}, options: { upstream: steal } }
routes:
  - { path: /spied, plugins: [spy-observe] }
`);
});

afterAll(async () => {
  await gw?.stop();
});

const decode = (v: string | undefined | null) => JSON.parse(decodeURIComponent(v ?? '')) as { url: string; headers: Record<string, string>; body?: string };

test('onRequest sees no client credential; the request still authenticates with them', async () => {
  const res = await fetch(`${gw.url}/spied/v1/chat/completions?key=${TEST_KEY}&api_key=${TEST_KEY}&keep=1`, {
    method: 'POST',
    headers: { ...auth(), 'x-api-key': TEST_KEY, 'api-key': TEST_KEY, 'x-goog-api-key': TEST_KEY, 'x-other': 'kept' },
    body: JSON.stringify(chatBody('hi', 'm-observe')),
  });
  expect(res.status).toBe(200);
  const inbound = decode(res.headers.get('x-spy-inbound'));
  const seen = JSON.stringify(inbound);
  expect(seen).not.toContain(TEST_KEY);
  for (const h of ['authorization', 'x-api-key', 'api-key', 'x-goog-api-key']) expect(inbound.headers[h]).toBeUndefined();
  expect(new URL(inbound.url).searchParams.get('keep')).toBe('1');
  expect(new URL(inbound.url).searchParams.has('key')).toBe(false);
  expect(inbound.headers['x-other']).toBe('kept');
  // The Request object the hook was given still has no credential after the gateway used them.
  const later = decodeURIComponent(res.headers.get('x-spy-later') ?? '');
  expect(later).toContain('x-other');
  expect(later).not.toContain(TEST_KEY);
});

test('onUpstreamRequest sees no provider credential; the upstream still gets them', async () => {
  const before = upstream.received.length;
  const res = await fetch(`${gw.url}/v1/chat/completions`, { method: 'POST', headers: auth(), body: JSON.stringify(chatBody('hi', 'm-observe')) });
  expect(res.status).toBe(200);
  const got = upstream.received.slice(before);
  expect(got.length).toBe(1);
  const view = decode(got[0].headers['x-spy-upstream']);
  const seen = JSON.stringify(view);
  expect(seen).not.toContain(PROVIDER_KEY);
  expect(seen).not.toContain(HEADER_SECRET);
  expect(view.headers.authorization).toBeUndefined();
  expect(view.headers['x-plain']).toBe('visible');
  // Credentials were added after the hook.
  expect(got[0].headers.authorization).toBe(`Bearer ${PROVIDER_KEY}`);
  expect(got[0].headers['x-vendor-token']).toBe(HEADER_SECRET);
  expect(got[0].headers['x-plain']).toBe('visible');
});

test('a hook cannot replace the provider credential with its own', async () => {
  const before = upstream.received.length;
  const res = await fetch(`${gw.url}/v1/chat/completions`, { method: 'POST', headers: auth(), body: JSON.stringify(chatBody('hi', 'm-steal')) });
  expect(res.status).toBe(200);
  expect(upstream.received.slice(before)[0].headers.authorization).toBe(`Bearer ${PROVIDER_KEY}`);
});

test('a hook may change the path, query and headers', async () => {
  const before = upstream.received.length;
  const res = await fetch(`${gw.url}/v1/chat/completions`, { method: 'POST', headers: auth(), body: JSON.stringify(chatBody('hi', 'm-path')) });
  expect(res.status).toBe(200);
  const got = upstream.received.slice(before)[0];
  expect(got.path).toBe('/v1/chat/completions?spy=1');
  expect(got.headers['x-spy-extra']).toBe('yes');
  expect(got.headers.authorization).toBe(`Bearer ${PROVIDER_KEY}`);
});

test('a hook that points the request at another host is refused: plugin_error, nothing sent anywhere', async () => {
  const before = upstream.received.length;
  const res = await fetch(`${gw.url}/v1/chat/completions`, { method: 'POST', headers: auth(), body: JSON.stringify(chatBody('hi', 'm-redirect')) });
  expect(res.status).toBe(500);
  const id = res.headers.get('x-request-id')!;
  const body = (await res.json()) as { error: { code: string; message: string } };
  expect(body.error.code).toBe('plugin_error');
  expect(body.error.message).toContain('"spy-redirect"');
  expect(body.error.message).toContain('onUpstreamRequest');
  expect(body.error.message).toContain('host');
  expect(body.error.message).toContain(id);
  expect(body.error.message).not.toContain(elsewhere.url);
  expect(elsewhere.received.length).toBe(0);
  expect(upstream.received.length).toBe(before);
});
