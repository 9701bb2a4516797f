// Regression tests for faults found in review: leaked reservations and slots, secrets in stream errors,
// client-chosen ledger ids, a stalled body, client aborts on plain requests, cache across surfaces,
// X-Forwarded-For spoofing.

import { connect } from 'node:net';
import { afterAll, afterEach, expect, test } from 'bun:test';
import { TEST_KEY, type TestGateway, config, startTestGateway } from '../helpers/gateway.ts';
import { type FakeUpstream, chatChunks, chatCompletion, json, sse, upstreamPool } from '../helpers/fake-upstream.ts';

let gw: TestGateway | undefined;
afterEach(async () => {
  await gw?.stop();
  gw = undefined;
});

const start = upstreamPool(afterAll);
const upstream = (): FakeUpstream => start(() => json(chatCompletion('ok')));

const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${gw!.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${TEST_KEY}`, 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });

test('malformed messages are a 400 and hold no concurrency slot or budget reservation', async () => {
  gw = await startTestGateway(config('providers:\n  mock: { adapter: mock, models: [m] }\nmodels:\n  m: { price: { input: 1, output: 1 } }')
    .replace(`key: ${TEST_KEY}`, `key: ${TEST_KEY}\n    budget: 1\n    limits: { concurrency: 1 }`));
  for (const bad of [[{ role: 'user', content: [null] }], [{ role: 'assistant', tool_calls: 5 }], [{ role: 'wizard', content: 'x' }]]) {
    const res = await post('/v1/chat/completions', { model: 'm', messages: bad });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('invalid_value');
  }
  const ok = await post('/v1/chat/completions', { model: 'm', messages: [{ role: 'user', content: 'fine' }] });
  expect(ok.status).toBe(200);
  const balance = (await (await fetch(`${gw.url}/v1/balance`, { headers: { authorization: `Bearer ${TEST_KEY}` } })).json()) as { reserved_usd: number };
  expect(balance.reserved_usd).toBe(0);
});

test('stream: true on embeddings is ignored (no stuck reservation)', async () => {
  gw = await startTestGateway(config('providers:\n  mock: { adapter: mock, models: [e] }\nmodels:\n  e: { price: { input: 1 } }').replace(`key: ${TEST_KEY}`, `key: ${TEST_KEY}\n    budget: 1`));
  const res = await post('/v1/embeddings', { model: 'e', input: 'x', stream: true });
  expect(res.status).toBe(200);
  expect(((await res.json()) as { data: unknown[] }).data).toHaveLength(1);
  const balance = (await (await fetch(`${gw.url}/v1/balance`, { headers: { authorization: `Bearer ${TEST_KEY}` } })).json()) as { reserved_usd: number };
  expect(balance.reserved_usd).toBe(0);
});

test('an error event mid-stream reaches the client without the provider key or the upstream URL', async () => {
  const u = upstream();
  const leak = `data: ${JSON.stringify({ error: { message: 'quota for sk-prov-secret-key-123456 at http://10.9.8.7:9000/internal?key=sk-prov-secret-key-123456' } })}\n\n`;
  u.set(() => sse([...chatChunks(['one ', 'two ']).slice(0, 3), leak], { delayMs: 20 }));
  gw = await startTestGateway(config(`providers:\n  u: { adapter: openai, base_url: ${u.url}, api_key: sk-prov-secret-key-123456, models: [m] }`));
  const text = await (await post('/v1/chat/completions', { model: 'm', stream: true, messages: [{ role: 'user', content: 'hi' }] })).text();
  expect(text).toContain('one ');
  expect(text).toContain('"error"');
  expect(text).not.toContain('sk-prov-secret-key-123456');
  expect(text).not.toContain('10.9.8.7');
  expect(text).not.toContain('[DONE]');
});

test('a client-sent x-request-id never becomes the ledger id', async () => {
  gw = await startTestGateway(config('providers:\n  mock: { adapter: mock, models: [m] }'));
  const ids = new Set<string>();
  for (let i = 0; i < 3; i++) {
    const res = await post('/v1/chat/completions', { model: 'm', messages: [{ role: 'user', content: 'x' }] }, { 'x-request-id': 'fixed' });
    ids.add(res.headers.get('x-request-id')!);
  }
  expect(ids.size).toBe(3);
  expect(ids.has('fixed')).toBe(false);
});

test('an upstream that stalls in the middle of a JSON body times out (504), not forever', async () => {
  const u = upstream();
  u.set(() => new Response(new ReadableStream({ start(c) { c.enqueue(new TextEncoder().encode('{"id":"c",')); } }), { headers: { 'content-type': 'application/json' } }));
  gw = await startTestGateway(config(`providers:\n  u: { adapter: openai, base_url: ${u.url}, models: [m], timeout_ms: 300 }`, 'routing:\n  retry: { attempts: 0 }'));
  const t0 = Date.now();
  const res = await post('/v1/chat/completions', { model: 'm', messages: [{ role: 'user', content: 'x' }] });
  expect(res.status).toBe(504);
  expect(Date.now() - t0).toBeLessThan(2000);
});

test('the response cache keeps OpenAI and Anthropic answers apart', async () => {
  gw = await startTestGateway(config('providers:\n  mock: { adapter: mock, models: [m] }', 'cache:\n  enabled_by_default: true'));
  const anthropic = await fetch(`${gw.url}/v1/messages`, { method: 'POST', headers: { 'x-api-key': TEST_KEY, 'content-type': 'application/json' }, body: JSON.stringify({ model: 'm', max_tokens: 100, messages: [{ role: 'user', content: 'hi' }] }) });
  expect(((await anthropic.json()) as { type: string }).type).toBe('message');
  const openai = await post('/v1/chat/completions', { model: 'm', max_tokens: 100, messages: [{ role: 'user', content: 'hi' }] });
  expect(openai.headers.get('x-switchyard-cache')).toBe('miss');
  expect(((await openai.json()) as { object: string }).object).toBe('chat.completion');
});

test('with trust_proxy, allow_ips uses the address our proxy appended, not a client-supplied one', async () => {
  gw = await startTestGateway(config('providers:\n  mock: { adapter: mock, models: [m] }', 'server:\n  trust_proxy: true')
    .replace(`key: ${TEST_KEY}`, `key: ${TEST_KEY}\n    allow_ips: [10.0.0.0/8]`));
  const spoofed = await post('/v1/chat/completions', { model: 'm', messages: [{ role: 'user', content: 'x' }] }, { 'x-forwarded-for': '10.1.1.1, 203.0.113.9' });
  expect(spoofed.status).toBe(403);
  const real = await post('/v1/chat/completions', { model: 'm', messages: [{ role: 'user', content: 'x' }] }, { 'x-forwarded-for': '203.0.113.9, 10.1.1.1' });
  expect(real.status).toBe(200);
});

test('allow_ips sees the connection\'s own address (a client bound to 127.0.0.2 is told apart from 127.0.0.1)', async () => {
  gw = await startTestGateway(config('providers:\n  mock: { adapter: mock, models: [m] }')
    .replace(`key: ${TEST_KEY}`, `key: ${TEST_KEY}\n    allow_ips: [127.0.0.2/32]`));
  const { port } = new URL(gw.url);
  const body = JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'x' }] });
  // A raw HTTP/1.1 request from a chosen local address (fetch cannot choose one): its status line's code.
  const from = (localAddress: string) => new Promise<number>((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port: Number(port), localAddress }, () => {
      socket.write(`POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${TEST_KEY}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`);
    });
    let head = '';
    socket.on('data', (chunk) => (head += chunk.toString()));
    socket.on('close', () => resolve(Number(head.split(' ')[1])));
    socket.on('error', reject);
  });
  expect(await from('127.0.0.2')).toBe(200);
  expect(await from('127.0.0.1')).toBe(403);
});

test('a client that leaves a plain request is recorded as 499 and billed for its prompt', async () => {
  const u = upstream();
  u.set(async () => {
    await Bun.sleep(400);
    return json(chatCompletion('late'));
  });
  // failures: 1 — if the abort counted against the provider, the next request would find the circuit open.
  gw = await startTestGateway(config(`providers:\n  u: { adapter: openai, base_url: ${u.url}, models: [m] }\nmodels:\n  m: { price: { input: 1000, output: 1000 } }`, 'routing:\n  circuit_breaker: { failures: 1, cooldown_ms: 60000 }'));
  const rows: Array<{ status: number; costMicros: number; errorCode: string | null }> = [];
  const inner = gw.runtime.ledger;
  gw.runtime.ledger = { ...inner, record: (row, attempts) => { rows.push(row); inner.record(row, attempts); } };
  const controller = new AbortController();
  const pending = fetch(`${gw.url}/v1/chat/completions`, { method: 'POST', signal: controller.signal, headers: { authorization: `Bearer ${TEST_KEY}`, 'content-type': 'application/json' }, body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'hello there' }] }) }).catch(() => undefined);
  await Bun.sleep(100);
  controller.abort();
  await pending;
  for (let i = 0; i < 50 && rows.length === 0; i++) await Bun.sleep(20);
  expect(rows).toHaveLength(1);
  expect(rows[0].status).toBe(499);
  expect(rows[0].costMicros).toBeGreaterThan(0);
  const next = await post('/v1/chat/completions', { model: 'm', messages: [{ role: 'user', content: 'again' }] });
  expect(next.status).toBe(200);
});

test('a raw (binary) upstream body that stalls is cut after the provider timeout', async () => {
  const u = upstream();
  u.set(() => new Response(new ReadableStream({ start(c) { c.enqueue(new TextEncoder().encode('partial')); } }), { headers: { 'content-type': 'audio/mpeg' } }));
  gw = await startTestGateway(config(`providers:\n  u: { adapter: openai, base_url: ${u.url}, models: [tts], timeout_ms: 300 }`));
  const res = await post('/v1/audio/speech', { model: 'tts', input: 'hi', voice: 'alloy' });
  expect(res.status).toBe(200);
  const t0 = Date.now();
  const outcome = await res.arrayBuffer().then(() => 'complete', () => 'cut');
  expect(outcome).toBe('cut');
  expect(Date.now() - t0).toBeLessThan(2000);
});

test('a route plugin failing while the answer is shaped is recorded as that failure, and billed (the upstream answered)', async () => {
  const { writeFileSync } = await import('node:fs');
  const { join } = await import('node:path');
  const { tempDir } = await import('../helpers/gateway.ts');
  const dir = tempDir();
  writeFileSync(join(dir, 'boom.ts'), `export default { name: 'boom', onResponse() { throw new Error('shaping failed'); } };\n`);
  gw = await startTestGateway(config('providers:\n  mock: { adapter: mock, models: [m] }\nmodels:\n  m: { price: { input: 1000, output: 1000 } }', 'plugins:\n  boom: { module: ./boom.ts }\nroutes:\n  - { path: /boom, plugins: [boom] }'), { dir });
  const rows: Array<{ status: number; costMicros: number; errorCode: string | null }> = [];
  const inner = gw.runtime.ledger;
  gw.runtime.ledger = { ...inner, record: (row, attempts) => { rows.push(row); inner.record(row, attempts); } };
  const res = await post('/boom/v1/chat/completions', { model: 'm', messages: [{ role: 'user', content: 'hi' }] });
  expect(res.status).toBe(500);
  expect(rows).toHaveLength(1);
  expect(rows[0].status).toBe(500);
  expect(rows[0].errorCode).toBe('plugin_error');
  expect(rows[0].costMicros).toBeGreaterThan(0);
});
