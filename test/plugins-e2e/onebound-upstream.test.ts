// onebound as an upstream provider, against a fake onebound server on 127.0.0.1: the request shape
// (key/secret/method in the query, _o_args form body), every documented error_code mapped to the
// gateway's errors, and a stream emulated from the full answer (openai SDK, stream: true).

import { afterAll, beforeAll, expect, test } from 'bun:test';
import OpenAI from 'openai';
import { type FakeUpstream, chatCompletion, json, startFakeUpstream } from '../helpers/fake-upstream.ts';
import { type E2EGateway, TEST_KEY, chatBody, postJson, startE2E } from './helpers.ts';

let ob: FakeUpstream;
let gw: E2EGateway;

beforeAll(async () => {
  ob = startFakeUpstream((req, body) => {
    const args = JSON.parse(new URLSearchParams(body).get('_o_args') ?? '{}') as { messages?: Array<{ content: string }> };
    const prompt = args.messages?.at(-1)?.content ?? '';
    const code = /^code:(\d{4})$/.exec(prompt)?.[1];
    if (code) return json({ response: code === '2000' ? { error: { message: 'Rate limit reached for default model', type: 'tokens', param: null, code: null } } : [], error: `error ${code}`, reason: `reason for ${code}`, error_code: code, request_id: '1.x', last_id: '1' });
    return json({ response: chatCompletion(`onebound says: ${prompt}`, 'gpt-4o-mini', { prompt_tokens: 7, completion_tokens: 4, total_tokens: 11 }), error: '', reason: '', error_code: '0000', request_id: '1.6403f86cd67f6', last_id: '1593583206' });
  });
  gw = await startE2E(`version: 1
keys:
  - name: tester
    key: ${TEST_KEY}
providers:
  onebound:
    adapter: onebound
    base_url: ${ob.url}/openai/custom
    key: ob-key-123456
    secret: ob-secret-abcdef
    models: [gpt-4o-mini]
routing:
  retry: { attempts: 0 }
  circuit_breaker: { failures: 1000 }
`);
});

afterAll(async () => {
  await gw?.stop();
  ob?.stop();
});

test('request shape: POST ?key=&secret=&method=v1/chat/completions&cache=no&result_type=json with _o_args', async () => {
  const before = ob.received.length;
  const res = await postJson(`${gw.url}/v1/chat/completions`, chatBody('中国队什么时候进世界杯', 'gpt-4o-mini', { max_tokens: 200 }));
  expect(res.status).toBe(200);
  const body = (await res.json()) as { choices: Array<{ message: { content: string } }>; usage: { total_tokens: number } };
  expect(body.choices[0].message.content).toBe('onebound says: 中国队什么时候进世界杯');
  expect(body.usage.total_tokens).toBe(11);
  const seen = ob.received[before];
  const url = new URL(seen.path, ob.url);
  expect(seen.method).toBe('POST');
  expect(url.pathname).toBe('/openai/custom');
  expect(Object.fromEntries(url.searchParams)).toEqual({ key: 'ob-key-123456', secret: 'ob-secret-abcdef', method: 'v1/chat/completions', cache: 'no', result_type: 'json' });
  const args = JSON.parse(new URLSearchParams(seen.body).get('_o_args')!) as Record<string, unknown>;
  expect(args).toEqual({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: '中国队什么时候进世界杯' }], max_tokens: 200 });
  expect(seen.headers.authorization).toBeUndefined();
});

const CASES: Array<[string, number, string, RegExp | null]> = [
  ['4004', 502, 'upstream_auth_failed', null],
  ['4005', 502, 'upstream_auth_failed', null],
  ['4006', 502, 'upstream_auth_failed', null],
  ['4007', 502, 'upstream_auth_failed', null],
  ['4008', 429, 'rate_limit_exceeded', /rate limiting/], // an upstream rate limit stays a 429 (issue 8 point 2)
  ['4013', 429, 'rate_limit_exceeded', /rate limiting/], // an upstream rate limit stays a 429 (issue 8 point 2)
  ['4016', 502, 'upstream_error', /out of balance/],
  ['4017', 504, 'upstream_timeout', null],
  ['4003', 400, 'upstream_rejected_request', null],
  ['4014', 400, 'upstream_rejected_request', null],
  ['4000', 502, 'upstream_error', null],
  ['4001', 502, 'upstream_error', null],
  ['4002', 502, 'upstream_error', null],
  ['4009', 502, 'upstream_error', null],
  ['5000', 502, 'upstream_error', null],
  ['4010', 502, 'upstream_error', null],
  ['2000', 429, 'rate_limit_exceeded', /rate limiting/], // an upstream rate limit stays a 429 (issue 8 point 2)
];

test.each(CASES)('error_code %s → HTTP %d %s', async (code, status, errorCode, pattern) => {
  const res = await postJson(`${gw.url}/v1/chat/completions`, chatBody(`code:${code}`, 'gpt-4o-mini'));
  expect(res.status).toBe(status);
  const text = await res.text();
  const body = JSON.parse(text) as { error: { code: string; message: string } };
  expect(body.error.code).toBe(errorCode);
  expect(body.error.message).toContain(`error_code ${code}`);
  if (pattern) expect(body.error.message).toMatch(pattern);
  // never the provider's credentials or its URL
  for (const secret of ['ob-key-123456', 'ob-secret-abcdef', ob.url, '127.0.0.1']) expect(text).not.toContain(secret);
});

test('a retryable onebound error fails over to the next target', async () => {
  const g2 = await startE2E(`version: 1
keys:
  - name: tester
    key: ${TEST_KEY}
providers:
  onebound:
    adapter: onebound
    base_url: ${ob.url}/openai/custom
    key: ob-key-123456
    secret: ob-secret-abcdef
    models: [gpt-4o-mini]
  local:
    adapter: mock
    models: [gpt-4o-mini]
    priority: 1
`);
  try {
    const res = await postJson(`${g2.url}/v1/chat/completions`, chatBody('code:4016', 'gpt-4o-mini'));
    expect(res.status).toBe(200);
    expect(res.headers.get('x-switchyard-provider')).toBe('local');
  } finally {
    await g2.stop();
  }
});

test('stream: true is emulated from the full answer (openai SDK), with usage and [DONE]', async () => {
  const client = new OpenAI({ apiKey: TEST_KEY, baseURL: `${gw.url}/v1` });
  const stream = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'a fairly long question to split into several pieces' }], stream: true, stream_options: { include_usage: true } });
  let text = '';
  let chunks = 0;
  let usage: { total_tokens: number } | undefined;
  let finish: string | null | undefined;
  for await (const chunk of stream) {
    chunks += 1;
    text += chunk.choices[0]?.delta?.content ?? '';
    finish = chunk.choices[0]?.finish_reason ?? finish;
    if (chunk.usage) usage = chunk.usage;
  }
  expect(text).toBe('onebound says: a fairly long question to split into several pieces');
  expect(chunks).toBeGreaterThan(3);
  expect(finish).toBe('stop');
  expect(usage?.total_tokens).toBe(11);
  // onebound was called once, non-stream (no stream field in _o_args)
  const args = JSON.parse(new URLSearchParams(ob.received.at(-1)!.body).get('_o_args')!) as Record<string, unknown>;
  expect(args.stream).toBeUndefined();
});
