// Every plugin hook kind through real HTTP: a gateway with test plugins in front of a fake
// OpenAI-compatible upstream on 127.0.0.1.

import { afterAll, beforeAll, expect, test } from 'bun:test';
import { join } from 'node:path';
import { type FakeUpstream, chatChunks, chatCompletion, json, sse, startFakeUpstream } from '../helpers/fake-upstream.ts';
import { type E2EGateway, FIXTURES, TEST_KEY, auth, chatBody, postJson, sseData, startE2E } from './helpers.ts';

let up: FakeUpstream;
let gw: E2EGateway;

function lastUser(body: string): string {
  const parsed = JSON.parse(body) as { messages?: Array<{ content: string }> };
  return parsed.messages?.at(-1)?.content ?? '';
}

beforeAll(async () => {
  up = startFakeUpstream((_req, body) => {
    const parsed = JSON.parse(body) as { stream?: boolean };
    const text = lastUser(body);
    if (text.includes('FAIL')) return json({ error: { message: 'upstream refused', type: 'invalid_request_error', code: 'bad' } }, 400);
    if (parsed.stream) return sse(chatChunks(['keep ', 'drop ', 'this ', 'end']));
    return json(chatCompletion(`echo: ${text}`));
  });
  const yaml = `version: 1
keys:
  - name: tester
    key: ${TEST_KEY}
providers:
  up:
    adapter: openai
    base_url: ${up.url}/v1
    api_key: sk-upstream-secret-123
    models: [m1]
    plugins: [upstream-hooks]
plugins:
  answer: { module: ${join(FIXTURES, 'answer.ts')} }
  canonical: { module: ${join(FIXTURES, 'canonical.ts')} }
  upstream-hooks: { module: ${join(FIXTURES, 'upstream-hooks.ts')}, options: { header_value: from-options } }
  respond: { module: ${join(FIXTURES, 'respond.ts')} }
  stream-hook: { module: ${join(FIXTURES, 'stream-hook.ts')} }
routes:
  - path: /hooks
    plugins: [answer, canonical, respond, stream-hook]
`;
  gw = await startE2E(yaml);
});

afterAll(async () => {
  await gw?.stop();
  up?.stop();
});

test('onRequest answers directly, before authentication', async () => {
  const res = await fetch(`${gw.url}/hooks/v1/chat/completions`, { method: 'POST', headers: { 'x-answer': 'short-circuit' }, body: '{}' });
  expect(res.status).toBe(200);
  expect(await res.json()).toEqual({ answered: 'short-circuit' });
  expect(res.headers.get('x-request-id')).toBeTruthy();
});

test('onCanonicalRequest, onUpstreamRequest, onUpstreamResponse and onResponse all act on one call', async () => {
  const before = up.received.length;
  const res = await postJson(`${gw.url}/hooks/v1/chat/completions`, chatBody('hello there'));
  expect(res.status).toBe(200);
  const seen = up.received[before];
  // onCanonicalRequest (route): upper-cased prompt, temperature set
  expect(lastUser(seen.body)).toBe('HELLO THERE');
  expect(JSON.parse(seen.body).temperature).toBe(0);
  // onUpstreamRequest (provider): header with the plugin's option and the provider name
  expect(seen.headers['x-plugin-added']).toBe('from-options');
  expect(seen.headers['x-plugin-provider']).toBe('up');
  // the client's key never goes upstream
  expect(JSON.stringify(seen.headers)).not.toContain(TEST_KEY);
  const body = (await res.json()) as { choices: Array<{ message: { content: string } }>; plugin_note: string };
  // onUpstreamResponse (provider) edited the raw reply; onResponse (route) added a field and a header
  expect(body.choices[0].message.content).toBe('echo: HELLO THERE (seen upstream)');
  expect(body.plugin_note).toBe('model=m1');
  expect(res.headers.get('x-on-response')).toBe('tester');
});

test('route plugins do not run on the default surface; provider plugins do', async () => {
  const before = up.received.length;
  const res = await postJson(`${gw.url}/v1/chat/completions`, chatBody('plain'));
  const body = (await res.json()) as { choices: Array<{ message: { content: string } }>; plugin_note?: string };
  expect(lastUser(up.received[before].body)).toBe('plain');
  expect(body.plugin_note).toBeUndefined();
  expect(body.choices[0].message.content).toBe('echo: plain (seen upstream)');
});

test('onStreamEvent transforms and drops chunks', async () => {
  const res = await postJson(`${gw.url}/hooks/v1/chat/completions`, chatBody('stream please', 'm1', { stream: true }));
  expect(res.status).toBe(200);
  const data = await sseData(res);
  expect(data.at(-1)).toBe('[DONE]');
  const text = data.filter((d) => d !== '[DONE]').map((d) => (JSON.parse(d) as { choices: Array<{ delta?: { content?: string } }> }).choices[0]?.delta?.content ?? '').join('');
  expect(text).toBe('KEEP THIS END');
});

test('onError reshapes errors and keeps the status', async () => {
  const res = await postJson(`${gw.url}/hooks/v1/chat/completions`, chatBody('please FAIL'));
  expect(res.status).toBe(400);
  expect(res.headers.get('x-reshaped')).toBe('1');
  const body = (await res.json()) as { failure: string; failure_code: string };
  expect(body.failure_code).toBe('upstream_rejected_request');
  expect(body.failure).toContain('upstream refused');
  // a gateway-side error (bad key) is reshaped too
  const unauth = await postJson(`${gw.url}/hooks/v1/chat/completions`, chatBody('x'), auth('sk-wrong-key-000000'));
  expect(unauth.status).toBe(401);
  expect(((await unauth.json()) as { failure_code: string }).failure_code).toBe('invalid_api_key');
});
