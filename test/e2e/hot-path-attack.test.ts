// Attacks on the request hot path: the path read without a URL parse (raw request lines over a socket
// must be routed exactly as their parsed form), per key × model lanes (a reload or a key change must
// never leave an old lane serving), and the plugin hook scope (route and provider hooks of one request
// share its state and see the same key, group and model).

import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { join } from 'node:path';
import { requestTarget, requestUrl } from '../../src/http/request-url.ts';
import { chatCompletion, json, upstreamPool } from '../helpers/fake-upstream.ts';
import { type TestGateway, startTestGateway } from '../helpers/gateway.ts';
import { rawPost } from '../helpers/raw-http.ts';

const pool = upstreamPool(afterAll);
const ups = { a: pool(() => json(chatCompletion('from a'))), b: pool(() => json(chatCompletion('from b'))) };
const KEY = 'sk-attack-key-0123456789';
const LIMITED = 'sk-attack-limited-0123456789';
const chat = (model = 'm') => JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }] });

const yaml = (o: { limitedModels?: string; partners?: string; models?: string } = {}) => `version: 1
providers:
  a: { adapter: openai, base_url: ${ups.a.url}/v1, api_key: sk-a-upstream-0123456789, models: [${o.models ?? 'm, n'}] }
  b: { adapter: openai, base_url: ${ups.b.url}/v1, api_key: sk-b-upstream-0123456789, models: [${o.models ?? 'm, n'}] }
groups:
  partners: { providers: [${o.partners ?? 'b'}] }
keys:
  - { name: plain, key: ${KEY} }
  - { name: limited, key: ${LIMITED}, group: partners, models: [${o.limitedModels ?? 'm, n'}] }
server:
  admin_token: admin-token-123456
plugins:
  probe: { module: ${join(import.meta.dir, 'fixtures', 'scope-probe.ts')} }
routes:
  - { path: /probe, plugins: [probe] }
`;

let gw: TestGateway;
let port: number;
beforeAll(async () => {
  gw = await startTestGateway(yaml());
  port = Number(new URL(gw.url).port);
});
afterAll(async () => {
  await gw.stop();
});

async function ask(key: string, model: string, path = '/v1/chat/completions', headers: Record<string, string> = {}) {
  const res = await fetch(`${gw.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...headers }, body: chat(model) });
  const body = (await res.json()) as { error?: { code: string } };
  return { status: res.status, code: body.error?.code, provider: res.headers.get('x-switchyard-provider'), res };
}

describe('lanes never outlive a reload or a key change', () => {
  test('a model removed from a key\'s allowlist is refused right after the reload', async () => {
    expect((await ask(LIMITED, 'n')).status).toBe(200);
    gw.write(yaml({ limitedModels: 'm' }));
    expect(await gw.reload('test')).toBe(true);
    expect(await ask(LIMITED, 'n')).toMatchObject({ status: 403, code: 'model_not_allowed' });
    expect((await ask(LIMITED, 'm')).status).toBe(200);
  });

  test('a group\'s providers changed by a reload take effect on the next request', async () => {
    gw.write(yaml());
    expect(await gw.reload('test')).toBe(true);
    for (let i = 0; i < 3; i++) expect((await ask(LIMITED, 'm')).provider).toBe('b');
    gw.write(yaml({ partners: 'a' }));
    expect(await gw.reload('test')).toBe(true);
    for (let i = 0; i < 3; i++) expect((await ask(LIMITED, 'm')).provider).toBe('a');
  });

  test('a model removed from the gateway is 404 right after the reload', async () => {
    gw.write(yaml());
    expect(await gw.reload('test')).toBe(true);
    expect((await ask(KEY, 'n')).status).toBe(200);
    gw.write(yaml({ models: 'm' }));
    expect(await gw.reload('test')).toBe(true);
    expect(await ask(KEY, 'n')).toMatchObject({ status: 404, code: 'model_not_found' });
    gw.write(yaml());
    expect(await gw.reload('test')).toBe(true);
  });

  test('2,000 unknown model names are each a 404 model_not_found, and known models still serve', async () => {
    for (let i = 0; i < 2000; i++) {
      const r = await rawPost(port, '/v1/chat/completions', chat(`nope-${i}`), { authorization: `Bearer ${KEY}` });
      if (r.status !== 404 || !r.body.includes('model_not_found')) throw new Error(`nope-${i}: ${r.status} ${r.body}`);
    }
    expect((await ask(KEY, 'm')).status).toBe(200);
  }, 60_000);

  test('pinned requests keep their errors: pin_not_allowed before provider_not_allowed', async () => {
    // A key without can_pin, restricted to b, pinning a: the pin is refused first.
    expect(await ask(LIMITED, 'm', '/v1/chat/completions', { 'x-switchyard-provider': 'a' })).toMatchObject({ status: 403, code: 'pin_not_allowed' });
    expect((await ask(LIMITED, 'm')).status).toBe(200); // and the lane of the same key and model is unaffected
  });
});

describe('runtime keys (admin API) and their lanes', () => {
  const admin = { authorization: 'Bearer admin-token-123456', 'content-type': 'application/json' };
  const adminCall = (method: string, path: string, body?: unknown) => fetch(`${gw.url}/admin/keys${path}`, { method, headers: admin, body: body === undefined ? undefined : JSON.stringify(body) });

  test('a runtime key outlives a reload: its old lane (old group providers) never serves after it', async () => {
    gw.write(yaml());
    await gw.reload('test');
    const created = await adminCall('POST', '', { name: 'rt-reload', group: 'partners' });
    expect(created.status).toBe(201);
    const { key } = (await created.json()) as { key: string };
    for (let i = 0; i < 3; i++) expect((await ask(key, 'm')).provider).toBe('b');
    gw.write(yaml({ partners: 'a' }));
    expect(await gw.reload('test')).toBe(true);
    for (let i = 0; i < 3; i++) expect((await ask(key, 'm')).provider).toBe('a');
    gw.write(yaml());
    expect(await gw.reload('test')).toBe(true);
    for (let i = 0; i < 3; i++) expect((await ask(key, 'm')).provider).toBe('b');
  });

  test('a runtime key changed or revoked between requests is served by its new self only', async () => {
    const created = await adminCall('POST', '', { name: 'rt-patch', models: ['m', 'n'] });
    expect(created.status).toBe(201);
    const { key } = (await created.json()) as { key: string };
    expect((await ask(key, 'n')).status).toBe(200);
    expect((await adminCall('PATCH', '/rt-patch', { models: ['m'] })).status).toBeLessThan(300);
    expect(await ask(key, 'n')).toMatchObject({ status: 403, code: 'model_not_allowed' });
    expect((await adminCall('PATCH', '/rt-patch', { group: 'partners', models: ['m', 'n'] })).status).toBeLessThan(300);
    for (let i = 0; i < 3; i++) expect((await ask(key, 'n')).provider).toBe('b');
    expect((await adminCall('DELETE', '/rt-patch')).status).toBeLessThan(300);
    expect(await ask(key, 'n')).toMatchObject({ status: 401, code: 'revoked_api_key' });
  });
});

describe('plugin hook scope', () => {
  test('route and provider hooks of one request share its state and see key, group, model and provider', async () => {
    gw.write(yaml().replace('  a: { adapter: openai,', '  a: { plugins: [probe], adapter: openai,').replace('  b: { adapter: openai,', '  b: { plugins: [probe], adapter: openai,'));
    expect(await gw.reload('test')).toBe(true);
    const before = ups.a.received.length + ups.b.received.length;
    const r = await ask(LIMITED, 'm', '/probe/v1/chat/completions');
    expect(r.status).toBe(200);
    const id = r.res.headers.get('x-request-id');
    const got = [...ups.a.received, ...ups.b.received].slice(-1)[0];
    expect(ups.a.received.length + ups.b.received.length).toBe(before + 1);
    expect(JSON.parse(got.headers['x-probe'])).toEqual({ keyName: 'limited', group: 'partners', model: 'm', provider: 'b', state: `route:${id}`, requestId: id });
    expect(JSON.parse(r.res.headers.get('x-probe-route')!)).toEqual({ keyName: 'limited', group: 'partners', model: 'm', provider: null, state: `route:${id}` });
  });
});

// Last: its admin paths, sent with a client key, count as failed admin logins (and lock the admin API out).
describe('raw request targets are routed as their parsed form', () => {
  // What Bun hands a handler for each raw target, and what the fast path and `new URL` make of it.
  let echo: ReturnType<typeof Bun.serve>;
  beforeAll(() => {
    echo = Bun.serve({
      port: 0, hostname: '127.0.0.1',
      fetch(req) {
        const fast = requestTarget(req);
        const slow = requestUrl(req);
        return Response.json({ url: req.url, fast: { pathname: fast.pathname, search: fast.search }, slow: { pathname: slow.pathname, search: slow.search } });
      },
    });
  });
  afterAll(() => echo.stop(true));

  const targets = [
    '/v1/chat/completions', '/v1/../admin/keys', '/v1/../v1/chat/completions', '//v1/chat/completions', '/v1//chat/completions',
    '/v1/chat/completions;x', '/V1/chat/completions', '/v1/%2e%2e/admin/keys', '/v1/%2E%2E%2Fadmin/keys', '/v1/chat%2Fcompletions',
    '/v1\\..\\admin\\keys', '/v1/chat/completions#frag', '/v1/chat/completions?', '/v1/chat/completions?a=1&b=%zz', '/v1/chat/completions?a=%22x%22',
    '/v1/chat/completions?q=caf%C3%A9', '/v1/chat/caf\u00e9', '/v1/./chat/completions', '/v1/chat/completions/.', '/v1/chat/completions/..',
    `/v1/${'a'.repeat(6000)}`, '/probe/v1/chat/completions', '/probe/../v1/chat/completions', '/probe%2Fv1/chat/completions',
    'http://evil/v1/chat/completions', 'http://evil/v1/../admin/keys', 'http://127.0.0.1/admin/keys', '*',
  ];

  test('the fast path agrees with new URL on every url Bun produces', async () => {
    for (const t of targets) {
      const r = await rawPost(echo.port!, t, '{}');
      if (r.status !== 200) continue; // Bun refused the request line itself: nothing reaches a handler
      const seen = JSON.parse(r.body) as { url: string; fast: unknown; slow: unknown };
      expect({ t, url: seen.url, ...(seen.fast as object) }).toEqual({ t, url: seen.url, ...(seen.slow as object) });
    }
  });

  test('the gateway answers a raw target exactly as it answers the parsed path', async () => {
    for (const t of targets) {
      const probe = await rawPost(echo.port!, t, '{}');
      if (probe.status !== 200) continue;
      const { slow } = JSON.parse(probe.body) as { slow: { pathname: string; search: string } };
      const headers = { authorization: `Bearer ${KEY}` };
      const raw = await rawPost(port, t, chat(), headers);
      const parsed = await rawPost(port, slow.pathname + slow.search, chat(), headers);
      const code = (b: string) => (b.startsWith('{') ? ((JSON.parse(b) as { error?: { code?: string } }).error?.code ?? 'ok') : b.slice(0, 40));
      expect({ t, status: raw.status, code: code(raw.body) }).toEqual({ t, status: parsed.status, code: code(parsed.body) });
    }
  });
});
