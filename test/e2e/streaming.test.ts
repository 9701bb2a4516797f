// Streaming contracts (DESIGN §5): no buffering, [DONE] rules, mid-stream failures as one error event
// with no [DONE], errors before the first byte fail over, client disconnect aborts the upstream.

import { afterAll, afterEach, expect, test } from 'bun:test';
import OpenAI from 'openai';
import { TEST_KEY, type TestGateway, config, startTestGateway } from '../helpers/gateway.ts';
import { chatChunks, sse, upstreamPool } from '../helpers/fake-upstream.ts';

let gw: TestGateway | undefined;
afterEach(async () => {
  await gw?.stop();
  gw = undefined;
});

const upstream = upstreamPool(afterAll);

const provider = (name: string, url: string, extra = '') => `  ${name}:\n    adapter: openai\n    base_url: ${url}\n    models: [m]\n${extra}`;

async function rawStream(body: Record<string, unknown> = {}): Promise<{ status: number; text: string; frames: string[] }> {
  const res = await fetch(`${gw!.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TEST_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'm', stream: true, messages: [{ role: 'user', content: 'hi' }], ...body }),
  });
  const text = await res.text();
  return { status: res.status, text, frames: text.split('\n\n').filter(Boolean) };
}

test('include_usage is always requested upstream; the usage chunk reaches only clients that asked', async () => {
  const u = upstream();
  u.set(() => sse(chatChunks(['a', 'b'])));
  gw = await startTestGateway(config(`providers:\n${provider('u', u.url)}`));
  const plain = await rawStream();
  expect(JSON.parse(u.received[0].body).stream_options).toEqual({ include_usage: true });
  expect(plain.text).not.toContain('"usage"');
  expect(plain.frames.at(-1)).toBe('data: [DONE]');
  const asked = await rawStream({ stream_options: { include_usage: true } });
  const usageFrame = asked.frames.find((f) => f.includes('"usage"'))!;
  expect(JSON.parse(usageFrame.slice(6)).usage.completion_tokens).toBe(2);
});

test('a stream cut mid-way ends with one error event and no [DONE]', async () => {
  const u = upstream();
  u.set(() => sse(chatChunks(['one ', 'two ', 'three ', 'four ']), { cutAfter: 3, delayMs: 30 }));
  gw = await startTestGateway(config(`providers:\n${provider('u', u.url)}`));
  const res = await rawStream();
  expect(res.status).toBe(200);
  expect(res.text).toContain('one ');
  expect(res.text).not.toContain('[DONE]');
  const errors = res.frames.filter((f) => f.includes('"error"'));
  expect(errors).toHaveLength(1);
  expect(res.frames.at(-1)).toContain('"error"');
});

test('an upstream that closes cleanly without a finish reason is treated as truncated', async () => {
  const u = upstream();
  u.set(() => sse(chatChunks(['one ', 'two ']).slice(0, 3)));
  gw = await startTestGateway(config(`providers:\n${provider('u', u.url)}`));
  const res = await rawStream();
  expect(res.text).not.toContain('[DONE]');
  expect(res.frames.at(-1)).toContain('"error"');
});

test('finish_reason without [DONE]: the gateway appends [DONE]', async () => {
  const u = upstream();
  u.set(() => sse(chatChunks(['x']).slice(0, 3)));
  gw = await startTestGateway(config(`providers:\n${provider('u', u.url)}`));
  const res = await rawStream();
  expect(res.frames.at(-1)).toBe('data: [DONE]');
});

test('an error before the first chunk fails over to the next provider', async () => {
  const bad = upstream();
  const good = upstream();
  bad.set(() => sse([`data: ${JSON.stringify({ error: { message: 'overloaded', type: 'server_error' } })}\n\n`]));
  good.set(() => sse(chatChunks(['fine'])));
  gw = await startTestGateway(config(`providers:\n${provider('bad', bad.url)}${provider('good', good.url, '    priority: 1\n')}`));
  const res = await rawStream();
  expect(res.text).toContain('fine');
  expect(res.frames.at(-1)).toBe('data: [DONE]');
});

test('an unchanged chunk reaches the client as the upstream wrote it; a changed one is serialised again', async () => {
  const u = upstream();
  // The upstream's own spacing and escapes. `usage: null` (the artefact of the include_usage the gateway adds)
  // is stripped: cut from the text when it is the last member, as OpenAI writes it; elsewhere the chunk is
  // written anew.
  const asWritten = '{"id":"c1",  "object":"chat.completion.chunk", "created":1, "model":"up-model", "choices":[{"index":0, "delta":{"role":"assistant","content":"h\\u00e9"}, "finish_reason":null}]}';
  const nullUsageLast = '{"id":"c1",  "object":"chat.completion.chunk", "created":1, "model":"up-model", "choices":[{"index":0, "delta":{"content":" there"}, "finish_reason":null}],"usage":null}';
  const nullUsageInside = '{"id":"c1", "usage":null, "object":"chat.completion.chunk", "created":1, "model":"up-model", "choices":[{"index":0, "delta":{"content":"!"}, "finish_reason":"stop"}]}';
  u.set(() => sse([asWritten, nullUsageLast, nullUsageInside].map((d) => `data: ${d}\n\n`).concat('data: [DONE]\n\n')));
  gw = await startTestGateway(config(`providers:\n${provider('u', u.url)}`));
  const res = await rawStream();
  expect(res.frames[0]).toBe(`data: ${asWritten}`);
  expect(JSON.parse(res.frames[0].slice(6)).choices[0].delta.content).toBe('h\u00e9');
  expect(res.frames[1]).toBe(`data: ${nullUsageLast.slice(0, -',"usage":null}'.length)}}`);
  expect(res.frames[2]).toBe(`data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'up-model', choices: [{ index: 0, delta: { content: '!' }, finish_reason: 'stop' }] })}`);
  expect(res.text).not.toContain('"usage"');
  expect(res.frames.at(-1)).toBe('data: [DONE]');
});

test('a stream that stalls mid-way ends with an error event after the provider timeout', async () => {
  const u = upstream();
  u.set(() => sse([...chatChunks(['a']).slice(0, 2), ...chatChunks(['b']).slice(1)], { delayMs: 1500 }));
  // One attempt: a retry of the same target (retry.attempts) would restart the clock.
  gw = await startTestGateway(config(`providers:\n${provider('u', u.url, '    timeout_ms: 300\n')}`, 'routing:\n  retry: { attempts: 0 }'));
  const t0 = Date.now();
  const res = await rawStream();
  expect(Date.now() - t0).toBeLessThan(1400);
  expect(res.text).not.toContain('[DONE]');
  expect(res.frames.at(-1)).toContain('upstream_timeout');
});

test('chunks are relayed as they arrive (no buffering)', async () => {
  const u = upstream();
  u.set(() => sse(chatChunks(['first ', 'second ', 'third ']), { delayMs: 200 }));
  gw = await startTestGateway(config(`providers:\n${provider('u', u.url)}`));
  const client = new OpenAI({ apiKey: TEST_KEY, baseURL: `${gw.url}/v1`, maxRetries: 0 });
  const t0 = Date.now();
  const stream = await client.chat.completions.create({ model: 'm', stream: true, messages: [{ role: 'user', content: 'hi' }] });
  const arrivals: number[] = [];
  for await (const chunk of stream) if (chunk.choices[0]?.delta?.content) arrivals.push(Date.now() - t0);
  expect(arrivals).toHaveLength(3);
  expect(arrivals[0]).toBeLessThan(600);
  expect(arrivals[2] - arrivals[0]).toBeGreaterThan(300);
});

test('client disconnect aborts the upstream request at once', async () => {
  const u = upstream();
  let cancelled = false;
  u.set(() => sse(chatChunks(Array.from({ length: 50 }, (_, i) => `w${i} `)), { delayMs: 100, onCancel: () => { cancelled = true; } }));
  gw = await startTestGateway(config(`providers:\n${provider('u', u.url)}`));
  const controller = new AbortController();
  const res = await fetch(`${gw.url}/v1/chat/completions`, {
    method: 'POST', signal: controller.signal,
    headers: { authorization: `Bearer ${TEST_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'm', stream: true, messages: [{ role: 'user', content: 'hi' }] }),
  });
  const reader = res.body!.getReader();
  await reader.read();
  await reader.read();
  controller.abort();
  const t0 = Date.now();
  while (!cancelled && Date.now() - t0 < 2000) await Bun.sleep(20);
  expect(cancelled).toBe(true);
  expect(Date.now() - t0).toBeLessThan(1000);
  expect(u.received.length).toBe(1);
});

test('no upstream usage: a client that asked still gets a usage chunk (js-tiktoken estimate)', async () => {
  const u = upstream();
  u.set(() => sse(chatChunks(['hello ', 'world']).filter((f) => !f.includes('"usage"'))));
  gw = await startTestGateway(config(`providers:\n${provider('u', u.url)}`));
  const res = await rawStream({ stream_options: { include_usage: true } });
  const usageFrame = res.frames.find((f) => f.includes('"usage"'));
  expect(usageFrame).toBeDefined();
  const usage = JSON.parse(usageFrame!.slice(6)).usage;
  expect(usage.completion_tokens).toBe(2);
  expect(usage.prompt_tokens).toBeGreaterThan(0);
  expect(res.frames.at(-1)).toBe('data: [DONE]');
});
