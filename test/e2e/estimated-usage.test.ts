// An upstream that reports no usage: the gateway bills a js-tiktoken estimate (usage_source estimated) and
// puts that same estimate in the client's answer, in each surface's own shape: OpenAI chat, completions and
// embeddings `usage`, Anthropic `usage`, Responses `usage` (from chat and from a native Responses upstream)
// and Gemini `usageMetadata`. The figures equal the x-switchyard-*-tokens headers, and a streamed request
// gets the same figures in its usage chunk.

import { afterAll, beforeAll, expect, test } from 'bun:test';
import Anthropic from '@anthropic-ai/sdk';
import { GoogleGenAI } from '@google/genai';
import OpenAI from 'openai';
import { TEST_KEY, type TestGateway, config, startTestGateway } from '../helpers/gateway.ts';
import { type FakeUpstream, json, sse, startFakeUpstream } from '../helpers/fake-upstream.ts';

const ANSWER = 'The quick brown fox jumps over the lazy dog, twice.';
const base = { id: 'chatcmpl-nu', created: 1700000000, model: 'up-model' };
let gw: TestGateway;
let up: FakeUpstream;

beforeAll(async () => {
  up = startFakeUpstream((req, body) => {
    const path = new URL(req.url).pathname;
    const b = JSON.parse(body) as { stream?: boolean; input?: string[]; tools?: unknown[] };
    if (b.tools) {
      const call = { index: 0, id: 'call_1', type: 'function', function: { name: 'get_weather_forecast', arguments: '{"city":"Paris","days":3}' } };
      if (!b.stream) return json({ ...base, object: 'chat.completion', choices: [{ index: 0, message: { role: 'assistant', content: null, reasoning_content: 'I should look it up.', tool_calls: [call] }, finish_reason: 'tool_calls' }] });
      return sse([
        `data: ${JSON.stringify({ ...base, object: 'chat.completion.chunk', choices: [{ index: 0, delta: { reasoning_content: 'I should look it up.' }, finish_reason: null }] })}\n\n`,
        `data: ${JSON.stringify({ ...base, object: 'chat.completion.chunk', choices: [{ index: 0, delta: { tool_calls: [call] }, finish_reason: null }] })}\n\n`,
        `data: ${JSON.stringify({ ...base, object: 'chat.completion.chunk', choices: [{ index: 0, delta: {}, finish_reason: 'tool_calls' }] })}\n\n`,
        'data: [DONE]\n\n',
      ]);
    }
    if (path.endsWith('/embeddings')) return json({ object: 'list', model: 'up-model', data: (b.input ?? []).map((_, index) => ({ object: 'embedding', index, embedding: [0.1] })) });
    if (path.endsWith('/responses')) {
      return json({ id: 'resp_up', object: 'response', created_at: 1700000000, status: 'completed', model: 'up-model', output: [{ id: 'msg_1', type: 'message', role: 'assistant', status: 'completed', content: [{ type: 'output_text', text: ANSWER, annotations: [] }] }], usage: null });
    }
    if (path.endsWith('/completions') && !path.endsWith('/chat/completions')) {
      return json({ ...base, object: 'text_completion', choices: [{ index: 0, text: ANSWER, finish_reason: 'stop', logprobs: null }] });
    }
    if (b.stream) {
      const words = ANSWER.split(/(?<= )/);
      return sse([
        ...words.map((w) => `data: ${JSON.stringify({ ...base, object: 'chat.completion.chunk', choices: [{ index: 0, delta: { content: w }, finish_reason: null }] })}\n\n`),
        `data: ${JSON.stringify({ ...base, object: 'chat.completion.chunk', choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] })}\n\n`,
        'data: [DONE]\n\n',
      ]);
    }
    return json({ ...base, object: 'chat.completion', choices: [{ index: 0, message: { role: 'assistant', content: ANSWER }, finish_reason: 'stop' }] });
  });
  gw = await startTestGateway(config(`
providers:
  up: { adapter: openai, base_url: ${up.url}/v1, api_key: sk-up-0000000000, models: [m, e] }
  native: { adapter: openai, base_url: ${up.url}/v1, api_key: sk-up-0000000000, models: [r], responses_api: true }
models:
  m: { price: { input: 1, output: 2 } }
`));
});
afterAll(async () => {
  await gw.stop();
  up.stop();
});

const openai = () => new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: TEST_KEY, maxRetries: 0 });
const messages = [{ role: 'user' as const, content: 'hello there, my good friend' }];
const headerUsage = (h: Headers) => {
  const prompt = Number(h.get('x-switchyard-prompt-tokens'));
  const completion = Number(h.get('x-switchyard-completion-tokens'));
  expect(prompt).toBeGreaterThan(0);
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
};

test('OpenAI chat: the body carries the estimated usage of the headers, and a stream reports the same figures', async () => {
  const { data, response } = await openai().chat.completions.create({ model: 'm', messages }).withResponse();
  const expected = headerUsage(response.headers);
  expect(expected.completion_tokens).toBeGreaterThan(5);
  expect(data.usage).toEqual(expected);

  const stream = await openai().chat.completions.create({ model: 'm', messages, stream: true, stream_options: { include_usage: true } });
  let streamed: unknown;
  for await (const chunk of stream) if (chunk.usage) streamed = chunk.usage;
  expect(streamed).toEqual(expected);
});

test('a tool call with reasoning: streamed and non-streamed estimates agree (name, arguments and reasoning counted)', async () => {
  const tools = [{ type: 'function' as const, function: { name: 'get_weather_forecast', parameters: { type: 'object', properties: {} } } }];
  const { data, response } = await openai().chat.completions.create({ model: 'm', messages, tools }).withResponse();
  expect(data.usage).toEqual(headerUsage(response.headers));
  const stream = await openai().chat.completions.create({ model: 'm', messages, tools, stream: true, stream_options: { include_usage: true } });
  let streamed: unknown;
  for await (const chunk of stream) if (chunk.usage) streamed = chunk.usage;
  expect(streamed).toEqual(data.usage);
});

test('OpenAI completions and embeddings carry it too', async () => {
  const { data, response } = await openai().completions.create({ model: 'm', prompt: 'hello there, my good friend' }).withResponse();
  expect(data.usage).toEqual(headerUsage(response.headers));
  const emb = await openai().embeddings.create({ model: 'e', input: ['alpha beta gamma', 'delta'] }).withResponse();
  const h = headerUsage(emb.response.headers);
  expect(emb.data.usage).toEqual({ prompt_tokens: h.prompt_tokens, total_tokens: h.prompt_tokens });
});

test('Anthropic surface: usage input_tokens / output_tokens are the estimate', async () => {
  const anthropic = new Anthropic({ baseURL: gw.url, apiKey: TEST_KEY, maxRetries: 0 });
  const { data, response } = await anthropic.messages.create({ model: 'm', max_tokens: 100, messages }).withResponse();
  const h = headerUsage(response.headers);
  expect(data.usage.input_tokens).toBe(h.prompt_tokens);
  expect(data.usage.output_tokens).toBe(h.completion_tokens);
  expect(h.completion_tokens).toBeGreaterThan(5);
});

test('Responses surface: usage from a chat upstream and from a native Responses upstream', async () => {
  for (const model of ['m', 'r']) {
    const { data, response } = await openai().responses.create({ model, input: 'hello there, my good friend' }).withResponse();
    const h = headerUsage(response.headers);
    expect(h.completion_tokens).toBeGreaterThan(5);
    expect(data.usage).toMatchObject({ input_tokens: h.prompt_tokens, output_tokens: h.completion_tokens, total_tokens: h.total_tokens });
  }
});

test('Gemini surface: usageMetadata is the estimate', async () => {
  const res = await fetch(`${gw.url}/v1beta/models/m:generateContent`, {
    method: 'POST', headers: { 'x-goog-api-key': TEST_KEY, 'content-type': 'application/json' },
    body: JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'hello there, my good friend' }] }] }),
  });
  const h = headerUsage(res.headers);
  const body = (await res.json()) as { usageMetadata?: Record<string, number> };
  expect(body.usageMetadata).toMatchObject({ promptTokenCount: h.prompt_tokens, candidatesTokenCount: h.completion_tokens, totalTokenCount: h.total_tokens });
  const ai = new GoogleGenAI({ apiKey: TEST_KEY, httpOptions: { baseUrl: gw.url } });
  const sdk = await ai.models.generateContent({ model: 'm', contents: 'hello there, my good friend' });
  expect(sdk.usageMetadata?.candidatesTokenCount).toBe(h.completion_tokens);
});
