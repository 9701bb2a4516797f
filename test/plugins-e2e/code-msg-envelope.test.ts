// code-msg-envelope both ways against a fake 智增增 upstream (Bun.serve on 127.0.0.1) whose bodies
// carry {code, msg}: unwrapped on the provider (code != 0, even with HTTP 200, becomes a proper upstream
// error), wrapped on the /zzz route ({code: 0, msg: ''} on success, non-zero code + msg on errors) for
// every answer of the route (models and balance endpoints too), whose error hints name /zzz paths.

import { afterAll, beforeAll, expect, test } from 'bun:test';
import OpenAI from 'openai';
import { type FakeUpstream, chatCompletion, json, startFakeUpstream } from '../helpers/fake-upstream.ts';
import { type E2EGateway, TEST_KEY, chatBody, postJson, startE2E } from './helpers.ts';

let zzz: FakeUpstream;
let gw: E2EGateway;

beforeAll(async () => {
  zzz = startFakeUpstream((_req, body) => {
    const prompt = (JSON.parse(body) as { messages: Array<{ content: string }> }).messages.at(-1)!.content;
    if (prompt === 'code40001') return json({ code: 40001, msg: '模型参数错误 (bad model parameter)' });
    if (prompt === 'badtoken') return json({ code: 10003, msg: 'token invalid' });
    if (prompt === 'http500') return json({ code: 50000, msg: 'internal failure' }, 500);
    if (prompt === 'plain') return json(chatCompletion('no envelope at all'));
    return json({ code: 0, msg: '', ...chatCompletion(`你好: ${prompt}`) });
  });
  gw = await startE2E(`version: 1
keys:
  - name: tester
    key: ${TEST_KEY}
providers:
  zhizengzeng:
    adapter: openai
    base_url: ${zzz.url}/v1
    api_key: sk-zzz-provider-key
    plugins: [code-msg-envelope]
    models: [glm-4]
  local:
    adapter: mock
    models: [mock-echo]
routing:
  retry: { attempts: 0 }
routes:
  - path: /zzz
    plugins: [code-msg-envelope]
`);
});

afterAll(async () => {
  await gw?.stop();
  zzz?.stop();
});

test('provider: a code 0 body is unwrapped into a plain OpenAI response (openai SDK)', async () => {
  const client = new OpenAI({ apiKey: TEST_KEY, baseURL: `${gw.url}/v1` });
  const res = await client.chat.completions.create({ model: 'glm-4', messages: [{ role: 'user', content: 'hi' }] });
  expect(res.choices[0].message.content).toBe('你好: hi');
  expect((res as unknown as Record<string, unknown>).code).toBeUndefined();
  expect((res as unknown as Record<string, unknown>).msg).toBeUndefined();
  expect(res.usage?.total_tokens).toBe(8);
});

test('provider: HTTP 200 with code 40001 becomes a proper 502 upstream error', async () => {
  const res = await postJson(`${gw.url}/v1/chat/completions`, chatBody('code40001', 'glm-4'));
  expect(res.status).toBe(502);
  const body = (await res.json()) as { error: { type: string; code: string; message: string } };
  expect(body.error.type).toBe('upstream_error');
  expect(body.error.code).toBe('upstream_error');
  expect(body.error.message).toContain('code 40001');
  expect(body.error.message).toContain('bad model parameter');
  expect(body.error.message).not.toContain(zzz.url);
});

test('provider: "token invalid" is the gateway\'s provider key failing (upstream_auth_failed), never 401', async () => {
  const res = await postJson(`${gw.url}/v1/chat/completions`, chatBody('badtoken', 'glm-4'));
  expect(res.status).toBe(502);
  expect(((await res.json()) as { error: { code: string } }).error.code).toBe('upstream_auth_failed');
});

test('provider: non-2xx with an envelope and bodies without one', async () => {
  const failed = await postJson(`${gw.url}/v1/chat/completions`, chatBody('http500', 'glm-4'));
  expect(failed.status).toBe(502);
  expect(((await failed.json()) as { error: { message: string } }).error.message).toContain('internal failure');
  const plain = await postJson(`${gw.url}/v1/chat/completions`, chatBody('plain', 'glm-4'));
  expect(plain.status).toBe(200);
  expect(((await plain.json()) as { choices: Array<{ message: { content: string } }> }).choices[0].message.content).toBe('no envelope at all');
});

test('route /zzz: successes are wrapped with code 0 and msg ""', async () => {
  const res = await postJson(`${gw.url}/zzz/v1/chat/completions`, chatBody('hi', 'mock-echo'));
  expect(res.status).toBe(200);
  const body = (await res.json()) as Record<string, unknown> & { choices: Array<{ message: { content: string } }> };
  expect(Object.keys(body).slice(0, 2)).toEqual(['code', 'msg']);
  expect(body.code).toBe(0);
  expect(body.msg).toBe('');
  expect(body.choices[0].message.content).toBe('You said: hi');
  // both ways at once: a 智增增 upstream behind the 智增增-style route
  const both = (await (await postJson(`${gw.url}/zzz/v1/chat/completions`, chatBody('hi', 'glm-4'))).json()) as Record<string, unknown>;
  expect(both.code).toBe(0);
  expect((both.choices as Array<{ message: { content: string } }>)[0].message.content).toBe('你好: hi');
});

test('route /zzz: errors keep their HTTP status and carry a non-zero code and msg', async () => {
  const noKey = await fetch(`${gw.url}/zzz/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(chatBody('hi', 'mock-echo')) });
  expect(noKey.status).toBe(401);
  const b1 = (await noKey.json()) as { code: number; msg: string; error: { code: string } };
  expect(b1.code).toBe(401);
  expect(b1.msg).toContain('No API key');
  expect(b1.error.code).toBe('missing_api_key');

  const upstream = await postJson(`${gw.url}/zzz/v1/chat/completions`, chatBody('code40001', 'glm-4'));
  expect(upstream.status).toBe(502);
  const b2 = (await upstream.json()) as { code: number; msg: string };
  expect(b2.code).toBe(502);
  expect(b2.msg).toContain('40001');
});

test('route /zzz: streams pass through untouched (no envelope inside SSE)', async () => {
  const res = await postJson(`${gw.url}/zzz/v1/chat/completions`, chatBody('stream me', 'mock-echo', { stream: true }));
  expect(res.headers.get('content-type')).toContain('text/event-stream');
  const text = await res.text();
  expect(text).not.toContain('"msg"');
  expect(text).toContain('data: [DONE]');
});

type Enveloped = Record<string, unknown> & { code: number; msg: string };
const getJson = async (path: string, key: string | null = TEST_KEY) => {
  const res = await fetch(`${gw.url}${path}`, { headers: key ? { authorization: `Bearer ${key}` } : {} });
  return { status: res.status, body: (await res.json()) as Enveloped };
};

test('route /zzz: models and every balance endpoint are wrapped too', async () => {
  const models = await getJson('/zzz/v1/models');
  expect(models.status).toBe(200);
  expect(models.body).toMatchObject({ code: 0, msg: '', object: 'list' });
  for (const path of ['/zzz/v1/dashboard/billing/subscription', '/zzz/v1/dashboard/billing/credit_grants', '/zzz/v1/dashboard/billing/usage', '/zzz/v1/balance', '/zzz/dashboard/billing/subscription']) {
    const { status, body } = await getJson(path);
    expect(status).toBe(200);
    expect(Object.keys(body).slice(0, 2)).toEqual(['code', 'msg']);
    expect(body.code).toBe(0);
    expect(body.object).toBeDefined();
  }
  // the default surface stays unwrapped
  expect((await getJson('/v1/dashboard/billing/subscription')).body.code).toBeUndefined();
});

test('route /zzz: error hints name the route\'s own paths, not /v1/...', async () => {
  const unknownModel = await postJson(`${gw.url}/zzz/v1/chat/completions`, chatBody('hi', 'no-such-model'));
  expect(unknownModel.status).toBe(404);
  const b1 = (await unknownModel.json()) as Enveloped;
  expect(b1.code).toBe(404);
  expect(b1.msg).toContain('GET /zzz/v1/models');
  expect(b1.msg).not.toMatch(/(^|\s)\/v1\//);

  const billing = await getJson('/zzz/v1/dashboard/billing/nope');
  expect(billing.status).toBe(404);
  expect(billing.body.msg).toContain('/zzz/v1/balance, /zzz/v1/dashboard/billing/subscription');

  const lost = await getJson('/zzz/chat/completion');
  expect(lost.status).toBe(404);
  expect(lost.body.msg).toContain('<gateway address>/zzz/v1');

  // The default surface keeps plain /v1 hints.
  const plain = (await (await postJson(`${gw.url}/v1/chat/completions`, chatBody('hi', 'no-such-model'))).json()) as { error: { message: string } };
  expect(plain.error.message).toContain('GET /v1/models');
});
