// code-msg-envelope on a provider, end to end, against a fake 智增增 upstream (Bun.serve) that answers
// HTTP 200 with {code, msg}: a non-zero code fails over to the model's fallback like any upstream failure
// (seed 002 §概述 5; seed 003 "失败自动重试"), `status_codes` turns a vendor's "model not found" into a
// 404 that is neither retried nor billed, and stream events are unwrapped too: code 0 / msg "" never reach
// the client, a code != 0 before the first content fails over, after it it is the stream's error event.

import { afterAll, beforeAll, expect, test } from 'bun:test';
import OpenAI from 'openai';
import { type FakeUpstream, chatCompletion, json, sse, startFakeUpstream } from '../helpers/fake-upstream.ts';
import { type E2EGateway, REPO, TEST_KEY, chatBody, postJson, sseData } from './helpers.ts';
import { startE2E } from './helpers.ts';

let zzz: FakeUpstream;
let gw: E2EGateway;

const base = { id: 'chatcmpl-z', object: 'chat.completion.chunk', created: 1700000000, model: 'glm-4' };
const frame = (o: unknown) => `data: ${JSON.stringify(o)}\n\n`;
const chunk = (delta: Record<string, unknown>, finish: string | null = null) => ({ code: 0, msg: '', ...base, choices: [{ index: 0, delta, finish_reason: finish }] });

beforeAll(async () => {
  zzz = startFakeUpstream((_req, body) => {
    const req = JSON.parse(body) as { stream?: boolean; messages: Array<{ content: string }> };
    const prompt = req.messages.at(-1)!.content;
    if (req.stream) {
      // 智增增 streams carry the envelope on every chunk.
      if (prompt === 'stream balance') return sse([frame(chunk({ role: 'assistant', content: '' })), frame({ code: 1001, msg: '余额不足,请充值' })]);
      const words = prompt === 'stream late' ? ['半', '句'] : ['你', '好'];
      const frames = [frame(chunk({ role: 'assistant', content: '' })), ...words.map((w) => frame(chunk({ content: w })))];
      if (prompt === 'stream late') return sse([...frames, frame({ code: 1001, msg: '余额不足,请充值' })]);
      return sse([...frames, frame(chunk({}, 'stop')), frame({ code: 0, msg: '', ...base, choices: [], usage: { prompt_tokens: 5, completion_tokens: 2, total_tokens: 7 } }), 'data: [DONE]\n\n']);
    }
    if (prompt === 'balance') return json({ code: 1001, msg: '余额不足,请充值' });
    if (prompt === 'no such model') return json({ code: 1002, msg: '模型不存在' });
    return json({ code: 0, msg: '', ...chatCompletion(`你好: ${prompt}`) });
  });
  gw = await startE2E(`version: 1
keys:
  - name: tester
    key: ${TEST_KEY}
plugins:
  zzz-envelope:
    module: ${REPO}/plugins/code-msg-envelope.ts
    options: { status_codes: { "1002": 404 } }
providers:
  zhizengzeng:
    adapter: openai
    base_url: ${zzz.url}/v1
    api_key: sk-zzz-provider-key
    plugins: [zzz-envelope]
    models: [glm-4]
  local:
    adapter: mock
    models: [mock-echo]
models:
  glm-4: { price: { input: 1, output: 2 }, fallbacks: [mock-echo] }
  mock-echo: { price: { input: 1, output: 2 } }
routing:
  retry: { attempts: 1 }   # two tries in all: the fallback is the second
`);
});

afterAll(async () => {
  await gw?.stop();
  zzz?.stop();
});

test('HTTP 200 {"code":1001,"msg":"余额不足"} fails over to the fallback model (openai SDK)', async () => {
  const client = new OpenAI({ apiKey: TEST_KEY, baseURL: `${gw.url}/v1` });
  const { data, response } = await client.chat.completions.create({ model: 'glm-4', messages: [{ role: 'user', content: 'balance' }] }).withResponse();
  expect(data.choices[0].message.content).toBe('You said: balance');
  expect(response.headers.get('x-switchyard-attempts')).toBe('2');
  expect(response.headers.get('x-switchyard-provider')).toBe('local');
  const row = await gw.row(response.headers.get('x-request-id')!);
  expect(row.provider).toBe('local');
});

test('status_codes: {"1002": 404} is a 404 upstream_not_found, not retried on the fallback and not billed', async () => {
  const before = zzz.received.length;
  const res = await postJson(`${gw.url}/v1/chat/completions`, chatBody('no such model', 'glm-4'));
  expect(res.status).toBe(404);
  const body = (await res.json()) as { error: { code: string; message: string } };
  expect(body.error.code).toBe('upstream_not_found');
  expect(body.error.message).toContain('code 1002: 模型不存在');
  expect(res.headers.get('x-switchyard-attempts')).toBe('1');
  expect(zzz.received.length).toBe(before + 1);
  const row = await gw.row(res.headers.get('x-request-id')!);
  expect(row.costMicros).toBe(0);
  expect(row.status).toBe(404);
});

test('stream: the chunks reach the client without code / msg (openai SDK)', async () => {
  const client = new OpenAI({ apiKey: TEST_KEY, baseURL: `${gw.url}/v1` });
  const stream = await client.chat.completions.create({ model: 'glm-4', stream: true, messages: [{ role: 'user', content: 'hi' }] });
  let text = '';
  for await (const c of stream) {
    const raw = c as unknown as Record<string, unknown>;
    expect(raw.code).toBeUndefined();
    expect(raw.msg).toBeUndefined();
    text += c.choices[0]?.delta?.content ?? '';
  }
  expect(text).toBe('你好');
});

test('stream: a code != 0 before the first content fails over to the fallback', async () => {
  const res = await postJson(`${gw.url}/v1/chat/completions`, chatBody('stream balance', 'glm-4', { stream: true }));
  expect(res.status).toBe(200);
  expect(res.headers.get('x-switchyard-attempts')).toBe('2');
  const data = await sseData(res);
  expect(data.at(-1)).toBe('[DONE]');
  const chunks = data.slice(0, -1).map((d) => JSON.parse(d) as { model: string; choices: Array<{ delta: { content?: string } }> });
  expect(chunks.map((c) => c.choices[0]?.delta.content ?? '').join('')).toBe('You said: stream balance');
  expect(chunks.every((c) => c.model === 'mock-echo')).toBe(true); // nothing of the failed attempt reached the client
});

test('stream: a code != 0 after content is the stream\'s error event (no [DONE]), and the SDK throws', async () => {
  const res = await postJson(`${gw.url}/v1/chat/completions`, chatBody('stream late', 'glm-4', { stream: true }));
  const data = await sseData(res);
  expect(data).not.toContain('[DONE]');
  const last = JSON.parse(data.at(-1)!) as { error: { code: string; message: string } };
  expect(last.error.code).toBe('upstream_error');
  expect(last.error.message).toContain('code 1001: 余额不足,请充值');
  expect(data.slice(0, -1).every((d) => !d.includes('"msg"'))).toBe(true);

  const client = new OpenAI({ apiKey: TEST_KEY, baseURL: `${gw.url}/v1`, maxRetries: 0 });
  const stream = await client.chat.completions.create({ model: 'glm-4', stream: true, messages: [{ role: 'user', content: 'stream late' }] });
  let text = '';
  const failed = await (async () => {
    try {
      for await (const c of stream) text += c.choices[0]?.delta?.content ?? '';
      return undefined;
    } catch (err) {
      return err as Error;
    }
  })();
  expect(text).toBe('半句');
  expect(failed?.message).toContain('余额不足');
});
