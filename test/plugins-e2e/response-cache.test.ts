// The response cache: opt-in precedence (request > model > key > route > enabled_by_default, with the
// master switch), the cache key (canonical JSON, `user` ignored, scoped per key unless shared), TTL and
// size bound, and through HTTP: hit/miss headers, zero-cost ledger rows, streams and errors never cached.

import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { cacheApplies, cacheKey, canonicalJson } from '../../src/cache/response-cache.ts';
import type { CompiledGateway } from '../../src/compile/types.ts';
import type { GatewayConfig } from '../../src/config/types.ts';
import type { CacheableCall } from '../../src/runtime/contracts.ts';
import { cacheStats } from '../../src/store/cache-repo.ts';
import { type E2EGateway, TEST_KEY, auth, chatBody, postJson, startE2E } from './helpers.ts';

describe('opt-in precedence and cache key', () => {
  const gwOf = (config: Partial<GatewayConfig>) => ({ config: { version: 1, providers: {}, ...config } }) as unknown as CompiledGateway;
  const call = (over: Partial<CacheableCall> = {}): CacheableCall => ({ keyName: 'k', route: '/r', model: 'm', operation: 'chat', path: '/chat/completions', body: { model: 'm', messages: [] }, ...over });

  test('nothing configured: only the request opts in; "no" always bypasses', () => {
    const gw = gwOf({});
    expect(cacheApplies(gw, call())).toBe(false);
    expect(cacheApplies(gw, call({ requested: 'yes' }))).toBe(true);
    expect(cacheApplies(gwOf({ cache: { enabled_by_default: true } }), call({ requested: 'no' }))).toBe(false);
    expect(cacheApplies(gwOf({ cache: { enabled_by_default: true } }), call())).toBe(true);
  });

  test('model > key > route > enabled_by_default; enabled: false wins over everything', () => {
    const full = (m?: boolean, k?: boolean, r?: boolean, d?: boolean) => gwOf({
      models: { m: { cache: m } }, keys: [{ name: 'k', key: 'x'.repeat(10), cache: k }], routes: [{ path: '/r/', cache: r }], cache: { enabled_by_default: d },
    });
    expect(cacheApplies(full(undefined, undefined, true), call())).toBe(true);
    expect(cacheApplies(full(undefined, false, true), call())).toBe(false);
    expect(cacheApplies(full(true, false, false), call())).toBe(true);
    expect(cacheApplies(full(false, undefined, undefined, true), call())).toBe(false);
    expect(cacheApplies(full(undefined, true), call())).toBe(true);
    expect(cacheApplies(gwOf({ cache: { enabled: false }, models: { m: { cache: true } } }), call({ requested: 'yes' }))).toBe(false);
  });

  test('canonical JSON sorts keys at every depth; `user` is ignored; scoped per key unless shared', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: null } })).toBe('{"a":{"c":null,"d":[3,{"y":2,"z":1}]},"b":1}');
    const a = call({ body: { model: 'm', messages: [{ role: 'user', content: 'x' }], temperature: 0 } });
    const b = call({ body: { temperature: 0, user: 'end-user-42', messages: [{ content: 'x', role: 'user' }], model: 'm' } });
    expect(cacheKey(a, false)).toBe(cacheKey(b, false));
    expect(cacheKey(a, false)).not.toBe(cacheKey({ ...a, body: { ...a.body, model: 'other' } }, false));
    expect(cacheKey(a, false)).not.toBe(cacheKey({ ...a, keyName: 'k2' }, false));
    expect(cacheKey(a, true)).toBe(cacheKey({ ...a, keyName: 'k2' }, true));
    expect(cacheKey(a, false)).not.toBe(cacheKey({ ...a, route: '' }, false));
  });
});

describe('through the gateway', () => {
  const OTHER = 'sk-other-key-3333333333';
  let gw: E2EGateway;
  const yaml = (cache: string) => `version: 1
keys:
  - { name: tester, key: ${TEST_KEY} }
  - { name: other, key: ${OTHER} }
providers:
  mock:
    adapter: mock
    models: [mock-echo, cached-echo, mock-embed]
models:
  mock-echo: { price: { input: 1, output: 1 } }
  cached-echo: { cache: true, price: { input: 1, output: 1 } }
routes:
  - { path: /cached, cache: true }
cache: ${cache}
`;
  beforeAll(async () => {
    gw = await startE2E(yaml('{ ttl_ms: 400 }'));
  });
  afterAll(async () => {
    await gw?.stop();
  });

  const unique = () => `q ${Math.random()}`;
  const chat = (path: string, body: unknown, headers: Record<string, string> = {}, key = TEST_KEY) => postJson(`${gw.url}${path}`, body, { ...auth(key), ...headers });

  test('x-switchyard-cache: yes → miss then hit; the hit costs 0 and is in the ledger', async () => {
    const body = chatBody(unique(), 'mock-echo');
    const first = await chat('/v1/chat/completions', body, { 'x-switchyard-cache': 'yes' });
    expect(first.headers.get('x-switchyard-cache')).toBe('miss');
    const a = await first.json();
    const second = await chat('/v1/chat/completions', { ...body, user: 'someone-else' }, { 'x-switchyard-cache': 'yes' });
    expect(second.headers.get('x-switchyard-cache')).toBe('hit');
    expect(second.headers.get('x-switchyard-cost-usd')).toBe('0.000000');
    expect(await second.json()).toEqual(a);
    const row = await gw.row(second.headers.get('x-request-id')!);
    expect(row).toMatchObject({ costMicros: 0, errorCode: 'cache_hit', status: 200, keyName: 'tester' });
    expect((await gw.row(first.headers.get('x-request-id')!)).costMicros).toBeGreaterThan(0);
  });

  test('not opted in: no lookup and no header; "no" bypasses an opted-in route', async () => {
    const body = chatBody(unique(), 'mock-echo');
    for (let i = 0; i < 2; i++) expect((await chat('/v1/chat/completions', body)).headers.get('x-switchyard-cache')).toBeNull();
    await chat('/cached/v1/chat/completions', body);
    expect((await chat('/cached/v1/chat/completions', body)).headers.get('x-switchyard-cache')).toBe('hit');
    expect((await chat('/cached/v1/chat/completions', body, { 'x-switchyard-cache': 'no' })).headers.get('x-switchyard-cache')).toBeNull();
  });

  test('models.X.cache: true; entries are scoped per key', async () => {
    const body = chatBody(unique(), 'cached-echo');
    expect((await chat('/v1/chat/completions', body)).headers.get('x-switchyard-cache')).toBe('miss');
    expect((await chat('/v1/chat/completions', body)).headers.get('x-switchyard-cache')).toBe('hit');
    expect((await chat('/v1/chat/completions', body, {}, OTHER)).headers.get('x-switchyard-cache')).toBe('miss');
  });

  test('embeddings are cached too; streams and errors never are', async () => {
    const emb = { model: 'mock-embed', input: unique() };
    await chat('/v1/embeddings', emb, { 'x-switchyard-cache': 'yes' });
    expect((await chat('/v1/embeddings', emb, { 'x-switchyard-cache': 'yes' })).headers.get('x-switchyard-cache')).toBe('hit');
    const stream = await chat('/v1/chat/completions', chatBody(unique(), 'cached-echo', { stream: true }));
    expect(stream.headers.get('x-switchyard-cache')).toBeNull();
    await stream.text();
    const before = await cacheStats(gw.runtime.store!.db);
    const failing = chatBody('mock:fail=500', 'cached-echo');
    for (let i = 0; i < 2; i++) {
      const res = await chat('/v1/chat/completions', failing);
      expect(res.status).toBe(502);
      expect(res.headers.get('x-switchyard-cache')).toBeNull();
    }
    expect((await cacheStats(gw.runtime.store!.db)).entries).toBe(before.entries);
  });

  test('entries expire after ttl_ms', async () => {
    const body = chatBody(unique(), 'cached-echo');
    await chat('/v1/chat/completions', body);
    expect((await chat('/v1/chat/completions', body)).headers.get('x-switchyard-cache')).toBe('hit');
    await Bun.sleep(450);
    expect((await chat('/v1/chat/completions', body)).headers.get('x-switchyard-cache')).toBe('miss');
  });

  test('a reload applies shared, max_bytes and the master switch', async () => {
    gw.write(yaml('{ shared: true, max_bytes: 3000 }'));
    expect(await gw.reload('test')).toBe(true);
    const body = chatBody(unique(), 'cached-echo');
    await chat('/v1/chat/completions', body);
    expect((await chat('/v1/chat/completions', body, {}, OTHER)).headers.get('x-switchyard-cache')).toBe('hit');
    for (let i = 0; i < 10; i++) await chat('/v1/chat/completions', chatBody(unique(), 'cached-echo'));
    expect((await cacheStats(gw.runtime.store!.db)).bytes).toBeLessThanOrEqual(3000);

    gw.write(yaml('{ enabled: false }'));
    expect(await gw.reload('test')).toBe(true);
    expect((await chat('/v1/chat/completions', body, { 'x-switchyard-cache': 'yes' })).headers.get('x-switchyard-cache')).toBeNull();
  });
});
