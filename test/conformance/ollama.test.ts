// Ollama native adapter, end to end: the `openai` SDK through the real gateway to a strict fake Ollama
// server (NDJSON streaming). Plain and streamed answers, usage from prompt_eval_count/eval_count equal
// in both, tools over two turns (tool results carry the tool_name Ollama needs), thinking as
// reasoning_content, embeddings (float and base64), error mapping, and the ollama.com key never leaking.

import { afterAll, afterEach, beforeAll, describe, expect, test } from 'bun:test';
import { join } from 'node:path';
import OpenAI from 'openai';
import type { ChatCompletionChunk, ChatCompletionMessageParam, ChatCompletionTool } from 'openai/resources/chat/completions';
import { TEST_KEY, type TestGateway, config, startTestGateway } from '../helpers/gateway.ts';
import { type OllamaFake, startOllamaFake } from './fakes/ollama.ts';

const CLOUD_KEY = 'ollama-cloud-key-0123456789abcdef';
let fake: OllamaFake;
let keyed: OllamaFake;
let gw: TestGateway;
let client: OpenAI;

beforeAll(async () => {
  fake = startOllamaFake({ clientKey: TEST_KEY, models: ['llama3.2', 'nomic-embed-text'] });
  keyed = startOllamaFake({ clientKey: TEST_KEY, models: ['gpt-oss:120b'], apiKey: CLOUD_KEY });
  gw = await startTestGateway(config(`
providers:
  local:
    adapter: ollama
    base_url: ${fake.url}
    keep_alive: 10m
    models: { llama: llama3.2, embed: nomic-embed-text, missing: not-pulled }
  cloud:
    adapter: ollama
    base_url: ${keyed.url}
    api_key: ${CLOUD_KEY}
    models: { cloud: gpt-oss:120b }
  cloud-wrong:
    adapter: ollama
    base_url: ${keyed.url}
    api_key: ollama-WRONG-key-0123456789abcdef
    models: { cloud-wrong: gpt-oss:120b }
routing:
  retry: { attempts: 0 }
`));
  client = new OpenAI({ apiKey: TEST_KEY, baseURL: `${gw.url}/v1`, maxRetries: 0 });
});
afterAll(async () => {
  await gw.stop();
  fake.stop();
  keyed.stop();
});
afterEach(() => {
  const rejected = [...fake.rejections, ...keyed.rejections];
  fake.reset();
  keyed.reset();
  expect(rejected).toEqual([]);
});

async function collect(stream: AsyncIterable<ChatCompletionChunk>) {
  let content = '';
  let reasoning = '';
  const finishes: string[] = [];
  const calls: Array<{ id?: string; name: string; arguments: string }> = [];
  let usage: ChatCompletionChunk['usage'] | undefined;
  for await (const chunk of stream) {
    if (chunk.usage) usage = chunk.usage;
    for (const choice of chunk.choices) {
      content += choice.delta.content ?? '';
      reasoning += (choice.delta as { reasoning_content?: string }).reasoning_content ?? '';
      if (choice.finish_reason) finishes.push(choice.finish_reason);
      for (const tc of choice.delta.tool_calls ?? []) {
        const call = (calls[tc.index] ??= { name: '', arguments: '' });
        if (tc.id) call.id = tc.id;
        call.name += tc.function?.name ?? '';
        call.arguments += tc.function?.arguments ?? '';
      }
    }
  }
  return { content, reasoning, finishes, calls, usage };
}

const hello: ChatCompletionMessageParam[] = [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Say hello.' }];
const TOOLS: ChatCompletionTool[] = [{
  type: 'function',
  function: { name: 'get_weather', description: 'Weather for a city', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } },
}];

describe('ollama chat', () => {
  test('plain: text, finish and usage from prompt_eval_count / eval_count', async () => {
    fake.answer({ text: 'Hello there, friend.', promptTokens: 21, completionTokens: 5 });
    const res = await client.chat.completions.create({ model: 'llama', messages: hello, temperature: 0.2, max_tokens: 50, stop: ['###'] });
    expect(res.choices[0].message.content).toBe('Hello there, friend.');
    expect(res.choices[0].finish_reason).toBe('stop');
    expect(res.usage).toMatchObject({ prompt_tokens: 21, completion_tokens: 5, total_tokens: 26 });
    const sent = fake.requests[0].body as Record<string, any>;
    expect(fake.requests[0].url.pathname).toBe('/api/chat');
    expect(sent).toMatchObject({ model: 'llama3.2', stream: false, keep_alive: '10m', options: { temperature: 0.2, num_predict: 50, stop: ['###'] } });
    expect(sent.messages[0]).toEqual({ role: 'system', content: 'Be brief.' });
  });

  test('stream: NDJSON lines become chunks; usage equals the non-streamed usage', async () => {
    fake.answer({ text: 'Hello there, friend.', promptTokens: 21, completionTokens: 5 }, { text: 'Hello there, friend.', promptTokens: 21, completionTokens: 5 });
    const plain = await client.chat.completions.create({ model: 'llama', messages: hello });
    const streamed = await collect(await client.chat.completions.create({ model: 'llama', messages: hello, stream: true, stream_options: { include_usage: true } }));
    expect((fake.requests[1].body as { stream: boolean }).stream).toBe(true);
    expect(streamed.content).toBe('Hello there, friend.');
    expect(streamed.finishes).toEqual(['stop']);
    expect(streamed.usage).toEqual(plain.usage);
    const ledger = await fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST', headers: { authorization: `Bearer ${TEST_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'llama', messages: hello, stream: true }),
    });
    expect(ledger.headers.get('content-type')).toContain('text/event-stream');
    expect(await ledger.text()).toContain('data: [DONE]');
  });

  test('done_reason length → finish_reason length; thinking → reasoning_content', async () => {
    fake.answer({ text: 'Cut', thinking: 'Let me think.', promptTokens: 3, completionTokens: 1, doneReason: 'length' },
      { text: 'Cut', thinking: 'Let me think.', promptTokens: 3, completionTokens: 1, doneReason: 'length' });
    const plain = await client.chat.completions.create({ model: 'llama', messages: hello, reasoning_effort: 'low' });
    expect(plain.choices[0].finish_reason).toBe('length');
    expect((plain.choices[0].message as { reasoning_content?: string }).reasoning_content).toBe('Let me think.');
    expect((fake.requests[0].body as { think?: string }).think).toBe('low');
    const streamed = await collect(await client.chat.completions.create({ model: 'llama', messages: hello, stream: true }));
    expect(streamed).toMatchObject({ content: 'Cut', reasoning: 'Let me think.', finishes: ['length'] });
  });

  for (const stream of [false, true]) {
    test(`tools over two turns (${stream ? 'stream' : 'plain'})`, async () => {
      fake.answer(
        { toolCalls: [{ name: 'get_weather', arguments: { city: 'Paris' } }], promptTokens: 40, completionTokens: 9 },
        { text: 'It is sunny in Paris.', promptTokens: 60, completionTokens: 7 },
      );
      const messages: ChatCompletionMessageParam[] = [{ role: 'user', content: 'Weather in Paris?' }];
      let calls: Array<{ id?: string; name: string; arguments: string }>;
      if (stream) {
        const first = await collect(await client.chat.completions.create({ model: 'llama', messages, tools: TOOLS, stream: true }));
        expect(first.finishes).toEqual(['tool_calls']);
        calls = first.calls;
      } else {
        const first = await client.chat.completions.create({ model: 'llama', messages, tools: TOOLS });
        expect(first.choices[0].finish_reason).toBe('tool_calls');
        expect(first.choices[0].message.content).toBeNull();
        calls = first.choices[0].message.tool_calls!.map((c) => ({ id: c.id, name: (c as any).function.name, arguments: (c as any).function.arguments }));
      }
      expect(calls).toHaveLength(1);
      expect(calls[0].name).toBe('get_weather');
      expect(JSON.parse(calls[0].arguments)).toEqual({ city: 'Paris' });
      expect(calls[0].id).toMatch(/^call_/);
      messages.push(
        { role: 'assistant', content: null, tool_calls: [{ id: calls[0].id!, type: 'function', function: { name: calls[0].name, arguments: calls[0].arguments } }] },
        { role: 'tool', tool_call_id: calls[0].id!, content: '{"sky":"sunny"}' },
      );
      const second = await client.chat.completions.create({ model: 'llama', messages, tools: TOOLS });
      expect(second.choices[0].message.content).toBe('It is sunny in Paris.');
      const sent = fake.requests[1].body as { messages: Array<Record<string, unknown>>; tools: unknown[] };
      expect(sent.messages[1]).toEqual({ role: 'assistant', content: '', tool_calls: [{ id: calls[0].id, function: { index: 0, name: 'get_weather', arguments: { city: 'Paris' } } }] });
      expect(sent.messages[2]).toEqual({ role: 'tool', content: '{"sky":"sunny"}', tool_name: 'get_weather', tool_call_id: calls[0].id });
      expect(sent.tools).toHaveLength(1);
    });
  }

  test('an image data URL is sent as raw base64 in images[]', async () => {
    await client.chat.completions.create({ model: 'llama', messages: [{ role: 'user', content: [{ type: 'text', text: 'What is this?' }, { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } }] }] });
    expect((fake.requests[0].body as any).messages[0]).toEqual({ role: 'user', content: 'What is this?', images: ['iVBORw0KGgo='] });
  });
});

describe('ollama embeddings', () => {
  test('float and base64 (the SDK default) vectors, usage from prompt_eval_count', async () => {
    const floats = await client.embeddings.create({ model: 'embed', input: ['hi', 'there'], encoding_format: 'float' });
    expect(floats.data.map((d) => d.embedding)).toEqual([[0.2, 0.5, -0.25, 0], [0.5, 0.5, -0.25, 1]]);
    expect(floats.usage.prompt_tokens).toBe(6);
    const b64 = await client.embeddings.create({ model: 'embed', input: 'hi' });
    expect(b64.data[0].embedding).toEqual([Math.fround(0.2), 0.5, -0.25, 0]);
    expect(fake.requests[0].url.pathname).toBe('/api/embed');
    expect(fake.requests[0].body).toEqual({ model: 'nomic-embed-text', input: ['hi', 'there'], keep_alive: '10m' });
  });
});

describe('ollama errors', () => {
  test('a model Ollama has not pulled → 404 with Ollama\'s reason', async () => {
    const res = await fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST', headers: { authorization: `Bearer ${TEST_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'missing', messages: hello }),
    });
    expect(res.status).toBe(404);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('upstream_not_found');
    expect(body.error.message).toContain("model 'not-pulled' not found");
    expect(body.error.message).not.toContain(fake.url);
    fake.rejections.length = 0; // the rejection is this test's point
  });

  test('an error line mid-stream ends the stream with an error event and no [DONE]', async () => {
    fake.answer({ text: 'Partial answer here', failMidStream: 'an error was encountered while running the model', promptTokens: 1, completionTokens: 1 });
    const res = await fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST', headers: { authorization: `Bearer ${TEST_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'llama', messages: hello, stream: true }),
    });
    const text = await res.text();
    expect(text).toContain('Partial ');
    expect(text).toContain('an error was encountered while running the model');
    expect(text).not.toContain('[DONE]');
  });

  test('ollama.com key: sent as Bearer; a refused key → 502 upstream_auth_failed, never echoed', async () => {
    const ok = await client.chat.completions.create({ model: 'cloud', messages: hello });
    expect(ok.choices[0].message.content).toBe('Hello from Ollama.');
    const res = await fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST', headers: { authorization: `Bearer ${TEST_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'cloud-wrong', messages: hello }),
    });
    expect(res.status).toBe(502);
    const text = await res.text();
    expect(JSON.parse(text).error.code).toBe('upstream_auth_failed');
    expect(text).not.toContain('WRONG-key');
    expect(text).not.toContain(CLOUD_KEY);
    keyed.rejections.length = 0;
  });
});

describe('ollama model list', () => {
  test('`switchyard models <provider>` lists /api/tags, marks what gateway.yaml serves, warns on a model Ollama lacks', async () => {
    const proc = Bun.spawn(['bun', join(import.meta.dir, '..', '..', 'src', 'cli.ts'), 'models', 'local', '--config', gw.configPath], {
      env: { ...process.env, SWITCHYARD_LOG: 'silent' }, stdout: 'pipe', stderr: 'pipe',
    });
    const [out, code] = await Promise.all([new Response(proc.stdout).text(), proc.exited]);
    expect(out).toContain('Provider "local" has 2 model(s):');
    expect(out).toMatch(/llama3\.2\s+served as llama/);
    expect(out).toMatch(/nomic-embed-text\s+served as embed/);
    expect(out).toContain('warning: model "missing" is served from "not-pulled", which provider "local" does not have');
    expect(out).toContain('models: [llama3.2, nomic-embed-text]');
    expect(code).toBe(1);
    expect(fake.requests.map((r) => `${r.method} ${r.url.pathname}`)).toEqual(['GET /api/tags']);
  });
});
