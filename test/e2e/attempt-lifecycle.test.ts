// The upstream attempt (src/upstream/call.ts) under every way it can end: timeout before headers and
// mid-body, client abort before and after headers, a stream that stalls and one that ends. With
// max_connections: 1, a slot not given back shows as 503 upstream_overloaded on the next request; the
// upstream must also see its request cut when the gateway gives up on it.

import { afterAll, beforeAll, expect, test } from 'bun:test';
import { chatChunks, chatCompletion, json, sse, upstreamPool } from '../helpers/fake-upstream.ts';
import { TEST_KEY, type TestGateway, config, startTestGateway } from '../helpers/gateway.ts';
import { POLL_MS, clientWatch } from '../../src/upstream/client-watch.ts';

const pool = upstreamPool(afterAll);
const up = pool(() => json(chatCompletion('ok')));
let gw: TestGateway;
beforeAll(async () => {
  gw = await startTestGateway(config(`providers:\n  u: { adapter: openai, base_url: ${up.url}, models: [m], max_connections: 1, timeout_ms: 300 }`, 'routing:\n  circuit_breaker: { failures: 1000, cooldown_ms: 1000 }'));
});
afterAll(async () => {
  await gw.stop();
});

const post = (body: unknown, signal?: AbortSignal) => fetch(`${gw.url}/v1/chat/completions`, { method: 'POST', signal, headers: { authorization: `Bearer ${TEST_KEY}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
const chat = (stream = false) => ({ model: 'm', stream, messages: [{ role: 'user', content: 'hi' }] });
const codeOf = async (res: Response) => ((await res.json()) as { error?: { code: string } }).error?.code;

/** The slot came back: a plain request is served (not 503 upstream_overloaded). */
async function slotFree() {
  up.set(() => json(chatCompletion('ok')));
  const res = await post(chat());
  expect({ status: res.status, code: res.status === 200 ? undefined : await codeOf(res) }).toEqual({ status: 200, code: undefined });
  if (res.status === 200) await res.arrayBuffer();
}

test('timeout before the headers: 504, the upstream request is cut, the slot is free', async () => {
  const aborted = up.aborted;
  up.set(async () => { await Bun.sleep(1500); return json(chatCompletion('late')); });
  const res = await post(chat());
  expect(res.status).toBe(504);
  await res.arrayBuffer();
  await Bun.sleep(100);
  expect(up.aborted).toBeGreaterThan(aborted);
  await slotFree();
});

test('timeout mid-body (headers sent, body stalls): 504, the slot is free', async () => {
  up.set(() => new Response(new ReadableStream({ start(c) { c.enqueue(new TextEncoder().encode('{"id":"x",')); } }), { headers: { 'content-type': 'application/json' } }));
  const res = await post(chat());
  expect(res.status).toBe(504);
  await res.arrayBuffer();
  await slotFree();
});

test('client abort before the headers: the upstream request is cut, the slot is free', async () => {
  const aborted = up.aborted;
  up.set(async () => { await Bun.sleep(250); return json(chatCompletion('late')); });
  const controller = new AbortController();
  const pending = post(chat(), controller.signal).catch(() => undefined);
  await Bun.sleep(80);
  controller.abort();
  await pending;
  await Bun.sleep(250);
  expect(up.aborted).toBeGreaterThan(aborted);
  await slotFree();
});

test('client abort while the upstream thinks: the upstream request is cut within a poll of the client watch, long before any timeout', async () => {
  // Its own gateway with a 20 s provider timeout, so only the client's departure can cut the upstream here.
  let cutAt = 0;
  const slow = pool(async (req) => {
    req.signal.addEventListener('abort', () => { cutAt = Date.now(); });
    await Bun.sleep(5000);
    return json(chatCompletion('late'));
  });
  const patient = await startTestGateway(config(`providers:\n  u: { adapter: openai, base_url: ${slow.url}, models: [m], timeout_ms: 20000 }`));
  try {
    const controller = new AbortController();
    const pending = fetch(`${patient.url}/v1/chat/completions`, { method: 'POST', signal: controller.signal, headers: { authorization: `Bearer ${TEST_KEY}`, 'content-type': 'application/json' }, body: JSON.stringify(chat()) }).catch(() => undefined);
    await Bun.sleep(150);
    const leftAt = Date.now();
    controller.abort();
    await pending;
    for (let i = 0; i < 200 && !cutAt; i++) await Bun.sleep(10);
    expect(cutAt).toBeGreaterThan(0);
    expect(cutAt - leftAt).toBeLessThan(POLL_MS + 1000); // a poll interval plus a loaded machine's slack; the upstream answers at 5 s
  } finally {
    await patient.stop();
  }
});

test('client abort mid-stream (after the headers): the upstream stream is cut, the slot is free', async () => {
  const upstreamCancelled = { n: 0 };
  up.set((req) => sse(chatChunks(Array.from({ length: 50 }, (_, i) => `w${i} `)), { delayMs: 40, signal: req.signal, onCancel: () => { upstreamCancelled.n++; } }));
  const controller = new AbortController();
  const res = await post(chat(true), controller.signal);
  expect(res.status).toBe(200);
  const reader = res.body!.getReader();
  await reader.read();
  controller.abort();
  await reader.cancel().catch(() => undefined);
  await Bun.sleep(300);
  expect(upstreamCancelled.n + up.aborted).toBeGreaterThan(0);
  await slotFree();
});

test('a stream that stalls is cut at the provider timeout and its slot is given back; one that ends gives it back too', async () => {
  up.set(() => new Response(new ReadableStream({ start(c) { c.enqueue(new TextEncoder().encode(`data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta: { content: 'a' }, finish_reason: null }] })}\n\n`)); } }), { headers: { 'content-type': 'text/event-stream' } }));
  const t0 = Date.now();
  const res = await post(chat(true));
  expect(res.status).toBe(200);
  const text = await res.text();
  expect(Date.now() - t0).toBeLessThan(3000);
  expect(text).toContain('error');
  await slotFree();
  up.set(() => sse(chatChunks(['a', 'b'])));
  const ok = await post(chat(true));
  expect(await ok.text()).toContain('[DONE]');
  await slotFree();
});

test('every attempt leaves the client watch when it ends (success, error, timeout, stream, abort)', async () => {
  for (let i = 0; i < 100 && clientWatch.size > 0; i++) await Bun.sleep(10);
  expect(clientWatch.size).toBe(0);
});
