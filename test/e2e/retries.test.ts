// retry.attempts counts attempts (issue 8 point 1) and upstream 429s stay 429s (point 2), against real
// fake upstreams and the openai SDK (its own retries off): a single target is retried after a jittered
// backoff, other targets go first, a retried answer is billed once (streams too), Retry-After (seconds or
// HTTP date) is waited out when it fits max_wait_ms, and otherwise the client gets 429 with Retry-After.

import { afterAll, afterEach, expect, setDefaultTimeout, test } from 'bun:test';
import OpenAI from 'openai';
import { type Harness, KEY, chatText, PRICED_M, harnessPerTest, keyedConfig, openaiProvider } from '../ledger/harness.ts';
import { chatChunks, chatCompletion, json, sse, upstreamPool } from '../helpers/fake-upstream.ts';

// The first gateway start of a test file warms the tokenizer (seconds on a busy machine).
setDefaultTimeout(20_000);

const start = upstreamPool(afterAll);
let h: Harness | undefined;
const open = harnessPerTest(afterEach);

const yaml = (providers: string, routing = '') => keyedConfig(providers, PRICED_M + routing);
const client = () => new OpenAI({ apiKey: KEY, baseURL: `${h!.url}/v1`, maxRetries: 0 });

const post = (body: Record<string, unknown> = {}) => chatText(h!.url, body);

test('a single target answering 503 then 200 is retried after a backoff: 200, two attempts, billed once', async () => {
  const times: number[] = [];
  const u = start((_req, _body, n) => {
    times.push(Date.now());
    return n === 1 ? json({ error: { message: 'overloaded' } }, 503) : json(chatCompletion('second time lucky'));
  });
  h = await open(yaml(openaiProvider('only', u.url), 'routing:\n  retry: { backoff_ms: 200 }'));
  const res = await client().chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'hi' }] }).withResponse();
  expect(res.data.choices[0].message.content).toBe('second time lucky');
  expect(res.response.headers.get('x-switchyard-attempts')).toBe('2');
  expect(u.received).toHaveLength(2);
  expect(times[1] - times[0]).toBeGreaterThanOrEqual(100); // 50-100 % of backoff_ms
  const rows = await h.query('SELECT status, cost_micros, prompt_tokens FROM requests');
  expect(rows).toEqual([{ status: 200, cost_micros: 8, prompt_tokens: 5 }]);
  const attempts = await h.query('SELECT n, provider, status FROM attempts ORDER BY n');
  expect(attempts).toEqual([{ n: 1, provider: 'only', status: 503 }, { n: 2, provider: 'only', status: 200 }]);
  // attempts: 0 means one attempt
  h.write(yaml(openaiProvider('only', u.url), 'routing:\n  retry: { attempts: 0 }'));
  await h.restart();
  u.set(() => json({ error: { message: 'down' } }, 503));
  expect((await post()).status).toBe(502);
  expect(u.received).toHaveLength(3);
});

test('a stream whose first attempt fails with 503 is retried before any byte reaches the client, billed once', async () => {
  const u = start((_req, _body, n) => (n === 1 ? json({ error: { message: 'overloaded' } }, 503) : sse(chatChunks(['re', 'tried']))));
  h = await open(yaml(openaiProvider('only', u.url), 'routing:\n  retry: { backoff_ms: 20 }'));
  const stream = await client().chat.completions.create({ model: 'm', stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'hi' }] });
  let text = '';
  for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? '';
  expect(text).toBe('retried');
  expect(u.received).toHaveLength(2);
  const rows = await h.query('SELECT status, cost_micros, partial FROM requests');
  expect(rows).toEqual([{ status: 200, cost_micros: 7, partial: 0 }]);
  expect(await h.query('SELECT status FROM attempts ORDER BY n')).toEqual([{ status: 503 }, { status: 200 }]);
});

test('with several targets the others are tried first, then the first one again (attempts, not targets)', async () => {
  const order: string[] = [];
  const a = start(() => {
    order.push('a');
    return order.length === 1 ? json({ error: { message: 'down' } }, 500) : json(chatCompletion('A'));
  });
  const b = start(() => {
    order.push('b');
    return json({ error: { message: 'down' } }, 502);
  });
  h = await open(yaml(openaiProvider('a', a.url, ', priority: 0') + openaiProvider('b', b.url, ', priority: 1'), 'routing:\n  retry: { attempts: 2, backoff_ms: 10 }'));
  const res = await post();
  expect(res.status).toBe(200);
  expect(JSON.parse(res.text).choices[0].message.content).toBe('A');
  expect(order).toEqual(['a', 'b', 'a']);
  expect(res.headers.get('x-switchyard-attempts')).toBe('3');
});

test('429 with Retry-After in seconds is waited out and retried: 200', async () => {
  const times: number[] = [];
  const u = start((_req, _body, n) => {
    times.push(Date.now());
    return n === 1 ? json({ error: { message: 'slow down', type: 'rate_limit_error' } }, 429, { 'retry-after': '1' }) : json(chatCompletion('after the wait'));
  });
  h = await open(yaml(openaiProvider('only', u.url)));
  const res = await post();
  expect(res.status).toBe(200);
  expect(JSON.parse(res.text).choices[0].message.content).toBe('after the wait');
  expect(times[1] - times[0]).toBeGreaterThanOrEqual(950);
});

test('429 with Retry-After as an HTTP date is waited out too', async () => {
  const u = start((_req, _body, n) => (n === 1
    ? json({ error: { message: 'slow down' } }, 429, { 'retry-after': new Date(Date.now() + 2000).toUTCString() })
    : json(chatCompletion('dated'))));
  h = await open(yaml(openaiProvider('only', u.url)));
  const t0 = Date.now();
  const res = await post();
  expect(res.status).toBe(200);
  expect(Date.now() - t0).toBeGreaterThanOrEqual(900); // the date has one-second precision
});

test('a Retry-After longer than max_wait_ms: 429 rate_limit_exceeded with that Retry-After, at once, never 502', async () => {
  const u = start(() => json({ error: { message: 'quota window' } }, 429, { 'retry-after': '30' }));
  h = await open(yaml(openaiProvider('only', u.url), 'routing:\n  retry: { max_wait_ms: 2000 }'));
  const t0 = Date.now();
  const err = await client().chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'hi' }] }).then(() => { throw new Error('expected an error'); }, (e: unknown) => e as InstanceType<typeof OpenAI.APIError>);
  expect(Date.now() - t0).toBeLessThan(1000);
  expect(err).toBeInstanceOf(OpenAI.RateLimitError);
  expect(err.status).toBe(429);
  expect(err.code).toBe('rate_limit_exceeded');
  expect(Number(err.headers?.get('retry-after'))).toBeGreaterThanOrEqual(29);
  expect(u.received).toHaveLength(1);
  expect(await h.query('SELECT status, error_code FROM requests')).toEqual([{ status: 429, error_code: 'rate_limit_exceeded' }]);
});

test('every target rate limited: 429 with the Retry-After of the soonest one', async () => {
  const a = start(() => json({ error: { message: 'later' } }, 429, { 'retry-after': '40' }));
  const b = start(() => json({ error: { message: 'later' } }, 429, { 'retry-after': '20' }));
  h = await open(yaml(openaiProvider('a', a.url) + openaiProvider('b', b.url)));
  const res = await post();
  expect(res.status).toBe(429);
  expect(JSON.parse(res.text).error.code).toBe('rate_limit_exceeded');
  const after = Number(res.headers.get('retry-after'));
  expect(after).toBeGreaterThanOrEqual(19);
  expect(after).toBeLessThanOrEqual(20);
  // A later request finds both parked: 429 again without asking either.
  const again = await post();
  expect(again.status).toBe(429);
  expect(a.received.length + b.received.length).toBe(2);
});

test('429 without Retry-After on every attempt: 429, not 502', async () => {
  const u = start(() => json({ error: { message: 'busy' } }, 429));
  h = await open(yaml(openaiProvider('only', u.url), 'routing:\n  retry: { backoff_ms: 10 }'));
  const res = await post();
  expect(res.status).toBe(429);
  expect(res.headers.get('retry-after')).toBe('1');
  expect(u.received).toHaveLength(3);
});

test('onebound 4008 (its rate-limit code) is a 429 too, and is retried', async () => {
  let calls = 0;
  let always = false;
  const ob = start(() => {
    calls += 1;
    return calls === 1 || always
      ? json({ response: [], error: 'too many requests', reason: '', error_code: '4008', request_id: '1', last_id: '1' })
      : json({ response: chatCompletion('onebound ok'), error: '', reason: '', error_code: '0000', request_id: '2', last_id: '2' });
  });
  const providers = `  ob: { adapter: onebound, base_url: ${ob.url}/openai/custom, key: ob-key-123456, secret: ob-secret-abcdef, models: [m] }\n`;
  h = await open(yaml(providers, 'routing:\n  retry: { backoff_ms: 10 }'));
  const ok = await post();
  expect(ok.status).toBe(200);
  expect(JSON.parse(ok.text).choices[0].message.content).toBe('onebound ok');
  always = true;
  const limited = await post();
  expect(limited.status).toBe(429);
  expect(JSON.parse(limited.text).error.code).toBe('rate_limit_exceeded');
  expect(limited.headers.get('retry-after')).not.toBeNull();
});
