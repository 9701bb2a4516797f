// Bound everything an upstream sends (issue 8 point 21): a non-stream body over max_response_bytes, an
// endless body, an SSE line or event without end: each is answered 502 upstream_invalid_response (or
// ends a started stream with an error event) and the upstream is aborted. An upstream that sends [DONE]
// and then holds the connection open neither delays nor spoils the complete answer (and is cut after a grace).

import { afterAll, afterEach, expect, setDefaultTimeout, test } from 'bun:test';
import OpenAI from 'openai';
import { type Harness, KEY, PRICED_M, harnessPerTest, keyedConfig } from '../ledger/harness.ts';
import { chatChunks, chatCompletion, json, upstreamPool } from '../helpers/fake-upstream.ts';
import { END_GRACE_MS } from '../../src/stream/end-drain.ts';

// The first gateway start of a test file warms the tokenizer (seconds on a busy machine).
setDefaultTimeout(20_000);

const start = upstreamPool(afterAll);
let h: Harness | undefined;
const open = harnessPerTest(afterEach);

const yaml = (providers: string, routing = '  retry: { attempts: 0 }') => keyedConfig(providers, `${PRICED_M}routing:\n${routing}`);

const enc = new TextEncoder();

/** A body that sends `head` and then `piece` over and over (up to `limit` bytes), and never ends. */
function endless(head: string, piece: string, type: string, state: { cancelled: boolean; sent: number }, limit = 32 * 1024 * 1024): Response {
  const chunk = enc.encode(piece);
  let first = true;
  return new Response(new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (first) {
        first = false;
        controller.enqueue(enc.encode(head));
        return;
      }
      if (state.sent >= limit) return new Promise(() => {}); // hold the connection open
      await Bun.sleep(1);
      state.sent += chunk.byteLength;
      controller.enqueue(chunk);
    },
    cancel() {
      state.cancelled = true;
    },
  }), { headers: { 'content-type': type } });
}

/** Waits (bounded) for something the gateway does asynchronously, such as aborting an upstream. */
async function until(check: () => boolean, ms = 3000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check() && Date.now() < deadline) await Bun.sleep(20);
}

async function post(body: Record<string, unknown> = {}): Promise<{ status: number; text: string; ms: number }> {
  const t0 = Date.now();
  const res = await fetch(`${h!.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'hi' }], ...body }),
  });
  const text = await res.text();
  return { status: res.status, text, ms: Date.now() - t0 };
}

test('a body over max_response_bytes (Content-Length) is refused; the next target answers', async () => {
  const big = start(() => json(chatCompletion('x'.repeat(5000))));
  const small = start(() => json(chatCompletion('small')));
  h = await open(yaml(`  big: { adapter: openai, base_url: ${big.url}, models: [m], max_response_bytes: 2000 }
  small: { adapter: openai, base_url: ${small.url}, models: [m], priority: 1 }`, '  retry: { attempts: 1 }'));
  const res = await post();
  expect(res.status).toBe(200);
  expect(JSON.parse(res.text).choices[0].message.content).toBe('small');
  expect(await h.query('SELECT provider, error_code FROM attempts ORDER BY n')).toEqual([
    { provider: 'big', error_code: 'upstream_invalid_response' }, { provider: 'small', error_code: null },
  ]);
});

test('an endless body is cut at max_response_bytes: 502 upstream_invalid_response at once, upstream aborted', async () => {
  const state = { cancelled: false, sent: 0 };
  const u = start(() => endless('{"id":"x","choices":[{"message":{"content":"', 'y'.repeat(64 * 1024), 'application/json', state));
  h = await open(yaml(`  u: { adapter: openai, base_url: ${u.url}, models: [m], timeout_ms: 5000 }`, '  retry: { attempts: 0 }\n  max_response_bytes: 1000000'));
  const res = await post();
  expect(res.status).toBe(502);
  expect(JSON.parse(res.text).error.code).toBe('upstream_invalid_response');
  expect(JSON.parse(res.text).error.message).toContain('max_response_bytes');
  // Cut by size (the message names the bound), not by the 5 s timeout; the upstream sees the abort.
  await until(() => state.cancelled);
  expect(state.cancelled).toBe(true);
  expect(state.sent).toBeLessThan(4 * 1024 * 1024);
});

test('an SSE line without end is cut at max_event_bytes before the first byte: 502, upstream aborted', async () => {
  const state = { cancelled: false, sent: 0 };
  const u = start(() => endless('data: {"choices":[{"delta":{"content":"', 'z'.repeat(16 * 1024), 'text/event-stream', state));
  h = await open(yaml(`  u: { adapter: openai, base_url: ${u.url}, models: [m], max_event_bytes: 100000, timeout_ms: 5000 }`));
  const res = await post({ stream: true });
  expect(res.status).toBe(502);
  expect(JSON.parse(res.text).error.code).toBe('upstream_invalid_response');
  expect(JSON.parse(res.text).error.message).toContain('max_event_bytes');
  // Cut by size (the message names the bound), not by the 5 s timeout; the upstream sees the abort.
  await until(() => state.cancelled);
  expect(state.cancelled).toBe(true);
});

test('an oversized event after the first content ends the stream with an error event and no [DONE]', async () => {
  const state = { cancelled: false, sent: 0 };
  const head = chatChunks(['partial']).slice(0, 2).join('');
  const u = start(() => endless(`${head}data: {"choices":[{"delta":{"content":"`, 'q'.repeat(16 * 1024), 'text/event-stream', state));
  h = await open(yaml(`  u: { adapter: openai, base_url: ${u.url}, models: [m], max_event_bytes: 100000, timeout_ms: 5000 }`));
  const res = await post({ stream: true });
  expect(res.status).toBe(200);
  expect(res.text).toContain('partial');
  expect(res.text).toContain('upstream_invalid_response');
  expect(res.text).not.toContain('[DONE]');
  // Cut by size (the message names the bound), not by the 5 s timeout; the upstream sees the abort.
  await until(() => state.cancelled);
  expect(state.cancelled).toBe(true);
  expect(await h.query('SELECT status, partial FROM requests')).toEqual([{ status: 502, partial: 1 }]);
});

test('[DONE] and then a connection held open: the answer is complete at once, and recorded complete', async () => {
  let cancelled = false;
  const frames = chatChunks(['all', ' there']);
  const u = start(() => new Response(new ReadableStream<Uint8Array>({
    start(controller) {
      for (const f of frames) controller.enqueue(enc.encode(f));
      // ...and never close
    },
    cancel() {
      cancelled = true;
    },
  }), { headers: { 'content-type': 'text/event-stream' } }));
  h = await open(yaml(`  u: { adapter: openai, base_url: ${u.url}, models: [m], timeout_ms: 3000 }`));
  const client = new OpenAI({ apiKey: KEY, baseURL: `${h.url}/v1`, maxRetries: 0 });
  const t0 = Date.now();
  const stream = await client.chat.completions.create({ model: 'm', stream: true, messages: [{ role: 'user', content: 'hi' }] });
  let text = '';
  for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? '';
  expect(text).toBe('all there');
  expect(Date.now() - t0).toBeLessThan(1500);
  const raw = await post({ stream: true });
  expect(raw.text.trim().endsWith('data: [DONE]')).toBe(true);
  expect(raw.ms).toBeLessThan(1500);
  // The held connection is released after the grace the rest of a body gets to end (src/stream/end-drain.ts).
  await until(() => cancelled, END_GRACE_MS + 2000);
  expect(cancelled).toBe(true);
  const rows = await h.query('SELECT status, partial, completion_tokens FROM requests');
  expect(rows).toEqual([{ status: 200, partial: 0, completion_tokens: 2 }, { status: 200, partial: 0, completion_tokens: 2 }]);
});
