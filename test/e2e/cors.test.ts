// server.cors end to end (trial finding 11): a browser's preflight with the headers a browser sends, then
// real chat calls (plain, streamed, refused) from that page's origin; disallowed origins, the non-API
// paths and a config without cors get no CORS header at all; a reload applies a changed cors block.

import { afterEach, expect, test } from 'bun:test';
import { TEST_KEY, type TestGateway, config, startTestGateway } from '../helpers/gateway.ts';

const PAGE = 'https://chat.example.com';

let gw: TestGateway | undefined;
afterEach(async () => {
  await gw?.stop();
  gw = undefined;
});

const yaml = (cors?: string) =>
  config('providers:\n  mock:\n    adapter: mock\n    models: [mock-echo]\n', `server:\n  admin_token: admin-token-123456\n${cors ? `  cors: ${cors}\n` : ''}`);

/** What Chromium sends before `new OpenAI({ dangerouslyAllowBrowser: true }).chat.completions.create(...)`. */
function preflight(path: string, origin = PAGE): Promise<Response> {
  return fetch(`${gw!.url}${path}`, {
    method: 'OPTIONS',
    headers: {
      origin,
      'access-control-request-method': 'POST',
      'access-control-request-headers': 'authorization,content-type,x-stainless-arch,x-stainless-lang,x-stainless-os,x-stainless-retry-count',
      'sec-fetch-mode': 'cors',
    },
  });
}

function chat(origin: string | undefined, stream = false, key = TEST_KEY): Promise<Response> {
  return fetch(`${gw!.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...(origin ? { origin } : {}) },
    body: JSON.stringify({ model: 'mock-echo', stream, messages: [{ role: 'user', content: 'hi there' }] }),
  });
}

const corsHeaders = (res: Response) => [...res.headers.keys()].filter((k) => k.startsWith('access-control-'));

test('a preflight from an allowed origin gets 204 with the origin, methods, mirrored headers and max age', async () => {
  gw = await startTestGateway(yaml(`{ allow_origins: ["${PAGE}", "http://localhost:3000"], max_age_s: 1200 }`));
  const res = await preflight('/v1/chat/completions');
  expect(res.status).toBe(204);
  expect(res.headers.get('access-control-allow-origin')).toBe(PAGE);
  expect(res.headers.get('vary')).toContain('Origin');
  expect(res.headers.get('access-control-allow-methods')).toContain('POST');
  expect(res.headers.get('access-control-allow-headers')).toBe('authorization,content-type,x-stainless-arch,x-stainless-lang,x-stainless-os,x-stainless-retry-count');
  expect(res.headers.get('access-control-max-age')).toBe('1200');
  expect(res.headers.has('access-control-allow-credentials')).toBe(false);
  // The other surfaces, and a route-less request header list (the defaults name what the surfaces read).
  for (const path of ['/v1/messages', '/v1/responses', '/v1beta/models/mock-echo:streamGenerateContent', '/v1/models']) {
    expect((await preflight(path, 'http://localhost:3000')).headers.get('access-control-allow-origin')).toBe('http://localhost:3000');
  }
  const bare = await fetch(`${gw.url}/v1/messages`, { method: 'OPTIONS', headers: { origin: PAGE, 'access-control-request-method': 'POST' } });
  expect(bare.status).toBe(204);
  expect(bare.headers.get('access-control-allow-headers')).toContain('anthropic-version');
  expect(bare.headers.get('access-control-allow-headers')).toContain('x-goog-api-key');
});

test('actual answers to an allowed origin carry Allow-Origin and Expose-Headers: a chat, a stream and an error', async () => {
  gw = await startTestGateway(yaml(`{ allow_origins: ["${PAGE}"] }`));
  const res = await chat(PAGE);
  expect(res.status).toBe(200);
  expect(res.headers.get('access-control-allow-origin')).toBe(PAGE);
  expect(res.headers.get('vary')).toContain('Origin');
  const exposed = res.headers.get('access-control-expose-headers') ?? '';
  for (const h of ['x-request-id', 'retry-after', 'x-ratelimit-remaining-requests', 'x-switchyard-provider', 'x-switchyard-cost-usd']) expect(exposed).toContain(h);
  expect(((await res.json()) as { choices: Array<{ message: { content: string } }> }).choices[0]!.message.content).toContain('hi there');

  const stream = await chat(PAGE, true);
  expect(stream.status).toBe(200);
  expect(stream.headers.get('content-type')).toContain('text/event-stream');
  expect(stream.headers.get('access-control-allow-origin')).toBe(PAGE);
  expect(stream.headers.get('access-control-expose-headers')).toContain('x-request-id');
  const text = await stream.text();
  expect(text).toContain('data: [DONE]');

  const refused = await chat(PAGE, false, 'sk-wrong-key-0123456789');
  expect(refused.status).toBe(401);
  expect(refused.headers.get('access-control-allow-origin')).toBe(PAGE);
  expect(refused.headers.get('x-request-id')).toStartWith('req_');
});

test('a disallowed origin, no Origin at all, and the non-API paths get no CORS header', async () => {
  gw = await startTestGateway(yaml(`{ allow_origins: ["${PAGE}"] }`));
  const evil = await preflight('/v1/chat/completions', 'https://evil.example.com');
  expect(evil.status).not.toBe(204);
  expect(corsHeaders(evil)).toEqual([]);
  const evilChat = await chat('https://evil.example.com');
  expect(evilChat.status).toBe(200); // the browser, not the gateway, withholds the answer from the page
  expect(corsHeaders(evilChat)).toEqual([]);
  expect(evilChat.headers.get('vary')).toContain('Origin');
  expect(corsHeaders(await chat(undefined))).toEqual([]);
  for (const path of ['/admin/config', '/metrics', '/health', '/ready', '/dashboard', '/dashboard/api/summary']) {
    const res = await preflight(path);
    expect(res.status).not.toBe(204);
    expect(corsHeaders(res)).toEqual([]);
  }
  const admin = await fetch(`${gw.url}/admin/config`, { headers: { origin: PAGE, authorization: 'Bearer admin-token-123456' } });
  expect(admin.status).toBe(200);
  expect(corsHeaders(admin)).toEqual([]);
});

test('"*" answers every origin with Allow-Origin: * and no Vary: Origin', async () => {
  gw = await startTestGateway(yaml('{ allow_origins: ["*"] }'));
  const pre = await preflight('/v1/chat/completions', 'https://anyone.example');
  expect(pre.status).toBe(204);
  expect(pre.headers.get('access-control-allow-origin')).toBe('*');
  expect(pre.headers.get('access-control-max-age')).toBe('600');
  const res = await chat('https://anyone.example');
  expect(res.headers.get('access-control-allow-origin')).toBe('*');
  expect(res.headers.get('vary') ?? '').not.toContain('Origin');
});

test('without server.cors nothing changes: no CORS header on a preflight or an answer', async () => {
  gw = await startTestGateway(yaml());
  const pre = await preflight('/v1/chat/completions');
  expect(pre.status).not.toBe(204);
  expect(corsHeaders(pre)).toEqual([]);
  const res = await chat(PAGE);
  expect(res.status).toBe(200);
  expect(corsHeaders(res)).toEqual([]);
  expect(res.headers.get('vary')).toBeNull();
});

test('a reload applies an added, changed and removed cors block', async () => {
  gw = await startTestGateway(yaml());
  expect(corsHeaders(await chat(PAGE))).toEqual([]);
  gw.write(yaml(`{ allow_origins: ["${PAGE}"] }`) + `\nstorage:\n  url: file:${gw.dir}/ledger.db\n`);
  expect(await gw.reload('test')).toBe(true);
  expect((await preflight('/v1/chat/completions')).status).toBe(204);
  expect((await chat(PAGE)).headers.get('access-control-allow-origin')).toBe(PAGE);
  gw.write(yaml('{ allow_origins: ["https://other.example.com"] }') + `\nstorage:\n  url: file:${gw.dir}/ledger.db\n`);
  expect(await gw.reload('test')).toBe(true);
  expect(corsHeaders(await preflight('/v1/chat/completions'))).toEqual([]);
  expect((await preflight('/v1/chat/completions', 'https://other.example.com')).status).toBe(204);
  gw.write(yaml() + `\nstorage:\n  url: file:${gw.dir}/ledger.db\n`);
  expect(await gw.reload('test')).toBe(true);
  expect(corsHeaders(await chat('https://other.example.com'))).toEqual([]);
});

test('the non-API paths get no CORS in any spelling; an answer without Origin still varies by it', async () => {
  gw = await startTestGateway(yaml(`{ allow_origins: ["${PAGE}"] }`));
  for (const path of ['/admin', '/admin/keys', '/metrics/', '/METRICS', '/ready/', '/health/x', '/dashboard/']) {
    const pre = await preflight(path);
    expect({ path, status: pre.status, cors: corsHeaders(pre) }).toEqual({ path, status: pre.status === 204 ? -1 : pre.status, cors: [] });
    const got = await fetch(`${gw.url}${path}`, { headers: { origin: PAGE } });
    expect({ path, cors: corsHeaders(got) }).toEqual({ path, cors: [] });
    await got.arrayBuffer();
  }
  // A shared cache must not hand a no-Origin answer to a page: Vary: Origin on it too.
  const plain = await fetch(`${gw.url}/v1/models`, { headers: { authorization: `Bearer ${TEST_KEY}` } });
  expect(plain.status).toBe(200);
  expect(plain.headers.get('vary')).toContain('Origin');
  expect(corsHeaders(plain)).toEqual([]);
});
