// `server.expose_upstream: false`: answers name neither the provider nor the upstream model. GET /v1/models
// says owned_by "switchyard"; a chat answer (streamed or not, every chunk) names the public model, on the
// OpenAI, Anthropic and Responses surfaces. With the default (true) the upstream's own model field passes
// through unchanged, as does the provider in owned_by.

import { afterAll, beforeAll, expect, test } from 'bun:test';
import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import { TEST_KEY, type TestGateway, config, startTestGateway } from '../helpers/gateway.ts';
import { type FakeUpstream, chatChunks, chatCompletion, json, sse, startFakeUpstream } from '../helpers/fake-upstream.ts';

let hidden: TestGateway;
let shown: TestGateway;
let up: FakeUpstream;

const providers = (url: string) => `providers:
  acme-cloud: { adapter: openai, base_url: ${url}/v1, api_key: sk-acme-0000000000, models: { gpt-4o-mini: deepseek-chat } }
`;

beforeAll(async () => {
  up = startFakeUpstream((_req, body) => {
    const stream = (JSON.parse(body) as { stream?: boolean }).stream === true;
    return stream ? sse(chatChunks(['hello', ' there']).map((f) => f.replaceAll('up-model', 'deepseek-chat'))) : json(chatCompletion('hello there', 'deepseek-chat'));
  });
  hidden = await startTestGateway(config(providers(up.url), 'server:\n  expose_upstream: false'));
  shown = await startTestGateway(config(providers(up.url)));
}, 30_000);
afterAll(() => {
  hidden.stop();
  shown.stop();
  up.stop();
});

const openai = (gw: TestGateway) => new OpenAI({ apiKey: TEST_KEY, baseURL: `${gw.url}/v1`, maxRetries: 0 });

test('GET /v1/models names no provider', async () => {
  const list = await openai(hidden).models.list();
  expect(list.data.map((m) => [m.id, m.owned_by])).toEqual([['gpt-4o-mini', 'switchyard']]);
  const one = await openai(hidden).models.retrieve('gpt-4o-mini');
  expect(one.owned_by).toBe('switchyard');
  expect((await openai(shown).models.list()).data[0]!.owned_by).toBe('acme-cloud');
});

test('a non-streamed chat answer names the public model', async () => {
  const res = await fetch(`${hidden.url}/v1/chat/completions`, {
    method: 'POST', headers: { authorization: `Bearer ${TEST_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }),
  });
  const text = await res.text();
  expect(JSON.parse(text).model).toBe('gpt-4o-mini');
  expect(JSON.parse(text).choices[0].message.content).toBe('hello there');
  expect(text).not.toContain('deepseek');
  expect(text).not.toContain('acme');
});

test('every chunk of a streamed answer names the public model, the usage chunk included', async () => {
  const stream = await openai(hidden).chat.completions.create({ model: 'gpt-4o-mini', stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'hi' }] });
  const models: string[] = [];
  let content = '';
  for await (const chunk of stream) {
    models.push(chunk.model);
    content += chunk.choices[0]?.delta.content ?? '';
  }
  expect(content).toBe('hello there');
  expect(models.length).toBeGreaterThan(2);
  expect(new Set(models)).toEqual(new Set(['gpt-4o-mini']));
});

test('the Anthropic and Responses surfaces name the public model too', async () => {
  const anthropic = new Anthropic({ apiKey: TEST_KEY, baseURL: hidden.url, maxRetries: 0 });
  const msg = await anthropic.messages.create({ model: 'gpt-4o-mini', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] });
  expect(msg.model).toBe('gpt-4o-mini');
  const res = await fetch(`${hidden.url}/v1/responses`, {
    method: 'POST', headers: { authorization: `Bearer ${TEST_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'gpt-4o-mini', input: 'hi', store: false }),
  });
  const text = await res.text();
  expect(res.status).toBe(200);
  expect(JSON.parse(text).model).toBe('gpt-4o-mini');
  expect(text).not.toContain('deepseek');
});

test('with expose_upstream on (the default) the upstream model passes through unchanged', async () => {
  const answer = await openai(shown).chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] });
  expect(answer.model).toBe('deepseek-chat');
  const stream = await openai(shown).chat.completions.create({ model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'hi' }] });
  for await (const chunk of stream) expect(chunk.model).toBe('deepseek-chat');
});
