// Unreadable 200s are upstream failures (issue 8 point 3): an HTML page, truncated or invalid JSON, JSON
// without `choices`/`data`/`results`, an event stream that is not SSE. Each fails over to a good target,
// is retried on a single one, and otherwise answers 502 upstream_invalid_response; none reaches the
// client. Every JSON operation, the OpenAI SDK and the Anthropic SDK (/v1/messages).

import { afterAll, afterEach, describe, expect, setDefaultTimeout, test } from 'bun:test';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { TEST_KEY, type TestGateway, config, startTestGateway } from '../helpers/gateway.ts';
import { chatChunks, chatCompletion, json, sse, upstreamPool } from '../helpers/fake-upstream.ts';

// The first gateway start of a test file warms the tokenizer (seconds on a busy machine).
setDefaultTimeout(20_000);

let gw: TestGateway | undefined;
afterEach(async () => {
  await gw?.stop();
  gw = undefined;
});
const start = upstreamPool(afterAll);

const provider = (name: string, url: string, extra = '') => `  ${name}:\n    adapter: openai\n    base_url: ${url}\n    models: [m]\n${extra}`;
const html = () => new Response('<!DOCTYPE html><html><body><h1>502 Bad Gateway</h1>cloudflare</body></html>', { headers: { 'content-type': 'text/html' } });
const raw = (text: string, type = 'application/json') => () => new Response(text, { headers: { 'content-type': type } });

/** One SSE event: a chat chunk whose delta is `delta` (any shape, as a lying upstream sends it). */
const badChunk = (delta: unknown) => `data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta, finish_reason: null }] })}\n\n`;

const BAD_BODIES: Array<[string, () => Response]> = [
  ['an HTML page from a CDN', html],
  ['truncated JSON', raw('{"id":"chatcmpl-1","object":"chat.completion","choices":[{"index":0,"message":{"role":"assist')],
  ['invalid JSON', raw('not json at all')],
  ['JSON without choices', raw('{"id":"chatcmpl-1","object":"chat.completion","model":"m"}')],
  ['a JSON array', raw('[1,2,3]')],
  ['choices holding a string', raw('{"id":"chatcmpl-1","object":"chat.completion","choices":["x"]}')],
  ['an id that is a number', raw('{"id":123,"object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":"x"},"finish_reason":"stop"}]}')],
  ['a tool call whose function is null', raw('{"id":"c","object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","tool_calls":[{"id":"call_1","type":"function","function":null}]},"finish_reason":"tool_calls"}]}')],
  ['a finish_reason that is an object', raw('{"id":"c","object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":"x"},"finish_reason":{"a":1}}]}')],
  ['a model that is an object', raw('{"id":"c","object":"chat.completion","model":{"name":"upstream-secret"},"choices":[{"index":0,"message":{"role":"assistant","content":"x"},"finish_reason":"stop"}]}')],
  ['a choice without a message', raw('{"id":"c","object":"chat.completion","choices":[{"index":0,"finish_reason":"stop"}]}')],
  ['an answer nested 100,000 levels deep', raw(`{"id":"c","object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":"x"},"finish_reason":"stop"}],"junk":${'['.repeat(100_000)}${']'.repeat(100_000)}}`)],
  ['a message whose tool_calls holds null', raw('{"id":"chatcmpl-1","object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","tool_calls":[null]},"finish_reason":"tool_calls"}]}')],
];

async function post(path: string, body: Record<string, unknown>): Promise<{ status: number; text: string }> {
  const res = await fetch(`${gw!.url}/v1${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TEST_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, text: await res.text() };
}
const chat = (extra: Record<string, unknown> = {}) => post('/chat/completions', { model: 'm', messages: [{ role: 'user', content: 'hi' }], ...extra });

test('chat: every kind of bad 200 fails over, and alone is a 502 upstream_invalid_response', async () => {
  const a = start();
  const b = start(() => json(chatCompletion('from b')));
  const pair = await startTestGateway(config(`providers:\n${provider('a', a.url)}${provider('b', b.url, '    priority: 1\n')}`, 'routing:\n  circuit_breaker: { failures: 100 }'));
  const alone = await startTestGateway(config(`providers:\n${provider('a', a.url)}`, 'routing:\n  retry: { attempts: 0 }\n  circuit_breaker: { failures: 100 }'));
  try {
    for (const [name, bad] of BAD_BODIES) {
      a.set(bad);
      gw = pair;
      const ok = await chat();
      expect(`${name}: ${ok.status}`).toBe(`${name}: 200`);
      expect(JSON.parse(ok.text).choices[0].message.content).toBe('from b');
      gw = alone;
      const failed = await chat();
      expect(`${name}: ${failed.status} ${JSON.parse(failed.text).error?.code}`).toBe(`${name}: 502 upstream_invalid_response`);
      expect(failed.text).not.toContain('cloudflare');
      expect(failed.text).not.toContain('assist');
    }
  } finally {
    gw = undefined;
    await pair.stop();
    await alone.stop();
  }
});

test('retryable on a single target: an HTML page once, then the answer', async () => {
  const u = start((_req, _body, n) => (n === 1 ? html() : json(chatCompletion('second'))));
  gw = await startTestGateway(config(`providers:\n${provider('u', u.url)}`, 'routing:\n  retry: { backoff_ms: 10 }'));
  const client = new OpenAI({ apiKey: TEST_KEY, baseURL: `${gw.url}/v1`, maxRetries: 0 });
  const res = await client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'hi' }] });
  expect(res.choices[0].message.content).toBe('second');
  expect(u.received).toHaveLength(2);
});

test('every JSON operation checks its shape: embeddings, completions, moderations, images', async () => {
  const cases: Array<[string, Record<string, unknown>, unknown]> = [
    ['/embeddings', { model: 'm', input: 'x' }, { object: 'list', model: 'm' }],
    ['/completions', { model: 'm', prompt: 'x' }, { id: 'cmpl-1', object: 'text_completion' }],
    ['/moderations', { model: 'm', input: 'x' }, { id: 'modr-1', model: 'm' }],
    ['/images/generations', { model: 'm', prompt: 'a cat' }, { created: 1 }],
  ];
  const u = start((req) => {
    const path = new URL(req.url).pathname.replace(/^\/v1/, '');
    return json(cases.find(([p]) => p === path)?.[2] ?? {});
  });
  gw = await startTestGateway(config(`providers:\n${provider('u', u.url)}`, 'routing:\n  retry: { attempts: 0 }'));
  for (const [path, body] of cases) {
    const res = await post(path, body);
    expect(`${path} ${res.status}`).toBe(`${path} 502`);
    expect(JSON.parse(res.text).error.code).toBe('upstream_invalid_response');
  }
  // HTML where an embedding was due is no answer either (it used to pass through as is)
  u.set(html);
  const page = await post('/embeddings', { model: 'm', input: 'x' });
  expect(page.status).toBe(502);
  expect(page.text).not.toContain('<html>');
});

describe('streams', () => {
  const notSse: Array<[string, () => Response]> = [
    ['an HTML page labelled text/event-stream', raw('<html><body>maintenance</body></html>\n', 'text/event-stream')],
    ['a JSON body labelled text/event-stream', raw('{"error":{"message":"oops"}}', 'text/event-stream')],
    ['an empty event stream', raw('', 'text/event-stream')],
    ['an HTML page for a stream request', html],
    ['a chunk whose tool_calls holds null', raw(`${badChunk({ tool_calls: [null] })}data: [DONE]\n\n`, 'text/event-stream')],
    ['a chunk whose id is a number', raw('data: {"id":123,"object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"x"},"finish_reason":null}]}\n\ndata: [DONE]\n\n', 'text/event-stream')],
    ['an event nested 100,000 levels deep', raw(`data: {"id":"c","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"x"},"finish_reason":null}],"pad":${'['.repeat(100_000)}${']'.repeat(100_000)}}\n\ndata: [DONE]\n\n`, 'text/event-stream')],
    ['a deep event that ends the body unterminated', raw(`data: {"id":"c","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"x"},"finish_reason":"stop"}],"pad":${'['.repeat(100_000)}${']'.repeat(100_000)}}`, 'text/event-stream')],
    ['a chunk whose choices hold a number', raw('data: {"id":"c","object":"chat.completion.chunk","choices":[7]}\n\ndata: [DONE]\n\n', 'text/event-stream')],
  ];
  for (const [name, bad] of notSse) {
    test(`${name}: fails over before any byte; alone a 502`, async () => {
      const a = start(bad);
      const b = start(() => sse(chatChunks(['good'])));
      gw = await startTestGateway(config(`providers:\n${provider('a', a.url)}${provider('b', b.url, '    priority: 1\n')}`));
      const ok = await chat({ stream: true });
      expect(ok.status).toBe(200);
      expect(ok.text).toContain('good');
      expect(ok.text).toContain('data: [DONE]');
      await gw.stop();
      gw = await startTestGateway(config(`providers:\n${provider('a', a.url)}`, 'routing:\n  retry: { attempts: 0 }'));
      const alone = await chat({ stream: true });
      expect(alone.status).toBe(502);
      expect(JSON.parse(alone.text).error.code).toBe('upstream_invalid_response');
      expect(alone.text).not.toContain('maintenance');
    });
  }
});

test('a malformed chunk after content ends the stream with upstream_invalid_response, not a gateway failure', async () => {
  const good = `data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta: { content: 'hello' }, finish_reason: null }] })}\n\n`;
  const a = start(raw(`${good}${badChunk({ tool_calls: 'x' })}data: [DONE]\n\n`, 'text/event-stream'));
  gw = await startTestGateway(config(`providers:\n${provider('a', a.url)}`, 'routing:\n  retry: { attempts: 0 }'));
  const res = await chat({ stream: true });
  expect(res.status).toBe(200);
  expect(res.text).toContain('hello');
  const events = res.text.split('\n\n').filter((e) => e.startsWith('data: {'));
  const last = JSON.parse(events[events.length - 1]!.slice(6));
  expect(last.error.code).toBe('upstream_invalid_response');
  expect(last.error.message).toContain('tool_calls is not an array');
  expect(res.text).not.toContain('inside the gateway');
});

test('a `data: null` event is skipped, not blamed on the gateway; the stream goes on', async () => {
  const chunk = (delta: Record<string, unknown>, finish: string | null = null) => `data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
  const a = start(raw(`${chunk({ role: 'assistant', content: '' })}data: null\n\n${chunk({ content: 'hello' })}data: null\n\n${chunk({}, 'stop')}data: [DONE]\n\n`, 'text/event-stream'));
  gw = await startTestGateway(config(`providers:\n${provider('a', a.url)}`, 'routing:\n  retry: { attempts: 0 }'));
  const res = await chat({ stream: true });
  expect(res.status).toBe(200);
  expect(res.text).toContain('"content":"hello"');
  expect(res.text).not.toContain('"error"');
  expect(res.text.trimEnd().endsWith('data: [DONE]')).toBe(true);
});

test('the Anthropic surface: a bad 200 fails over, and alone is a 502 api_error (SDK), stream or not', async () => {
  const a = start(html);
  const b = start((_req, body) => (JSON.parse(body).stream ? sse(chatChunks(['claude', ' side'])) : json(chatCompletion('claude side'))));
  gw = await startTestGateway(config(`providers:\n${provider('a', a.url)}${provider('b', b.url, '    priority: 1\n')}`));
  const anthropic = new Anthropic({ apiKey: TEST_KEY, baseURL: gw.url, maxRetries: 0 });
  const msg = await anthropic.messages.create({ model: 'm', max_tokens: 50, messages: [{ role: 'user', content: 'hi' }] });
  expect(msg.content[0].type === 'text' && msg.content[0].text).toBe('claude side');
  const stream = anthropic.messages.stream({ model: 'm', max_tokens: 50, messages: [{ role: 'user', content: 'hi' }] });
  expect((await stream.finalMessage()).content[0]).toMatchObject({ type: 'text', text: 'claude side' });
  await gw.stop();
  a.set(raw('{"id":"x","object":"chat.completion"}'));
  gw = await startTestGateway(config(`providers:\n${provider('a', a.url)}`, 'routing:\n  retry: { attempts: 0 }'));
  const alone = new Anthropic({ apiKey: TEST_KEY, baseURL: gw.url, maxRetries: 0 });
  const err = await alone.messages.create({ model: 'm', max_tokens: 50, messages: [{ role: 'user', content: 'hi' }] }).then(() => { throw new Error('expected an error'); }, (e: unknown) => e as InstanceType<typeof Anthropic.APIError>);
  expect(err).toBeInstanceOf(Anthropic.APIError);
  expect(err.status).toBe(502);
  expect((err.error as { error: { type: string; message: string } }).error.type).toBe('api_error');
  expect((err.error as { error: { message: string } }).error.message).toContain('could not read');
});
