// Wrong types in an OpenAI chat request are refused by the gateway (400 invalid_request_error naming the
// field and the expected type, as OpenAI answers) before any adapter can drop, clamp or forward them; the
// right forms still reach every provider. The Gemini adapter refuses image URLs it could not fetch.

import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import OpenAI from 'openai';
import { TEST_KEY, type TestGateway, config, startTestGateway } from '../helpers/gateway.ts';
import { startAnthropicFake } from '../conformance/fakes/anthropic.ts';
import { type GeminiFake, startGeminiFake } from '../conformance/fakes/gemini.ts';
import { startOpenAIFake } from '../conformance/fakes/openai-chat.ts';
import type { StrictFake } from '../conformance/fakes/strict-server.ts';

const KEYS = { openai: 'sk-upstream-openai-types-0123456789', anthropic: 'sk-ant-api03-types-0123456789', gemini: 'AIzaTYPES-0123456789abcdef' };
let gw: TestGateway;
let fakes: { openai: StrictFake; anthropic: StrictFake; gemini: GeminiFake };
let client: OpenAI;

beforeAll(async () => {
  fakes = {
    openai: startOpenAIFake({ apiKey: KEYS.openai, clientKey: TEST_KEY, models: ['gpt-4o'] }),
    anthropic: startAnthropicFake({ apiKey: KEYS.anthropic, clientKey: TEST_KEY }),
    gemini: startGeminiFake({ apiKey: KEYS.gemini, clientKey: TEST_KEY, models: ['gemini-2.5-flash'] }),
  };
  gw = await startTestGateway(config(`
providers:
  oa: { adapter: openai, base_url: ${fakes.openai.url}/v1, api_key: ${KEYS.openai}, models: { oa-chat: gpt-4o } }
  claude: { adapter: anthropic, base_url: ${fakes.anthropic.url}, api_key: ${KEYS.anthropic}, models: { claude-chat: claude-sonnet-4-5 } }
  gem: { adapter: gemini, base_url: ${fakes.gemini.url}, api_key: ${KEYS.gemini}, models: { gem-chat: gemini-2.5-flash } }
`));
  client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: TEST_KEY, maxRetries: 0 });
});
afterAll(async () => {
  await gw.stop();
  for (const f of Object.values(fakes)) f.stop();
});

const hello = [{ role: 'user' as const, content: 'hello' }];

/** Sends a chat body with one extra field through the official SDK; returns the 400 it must get. */
async function refused(model: string, extra: Record<string, unknown>): Promise<{ status: number; param: unknown; message: string; type: unknown }> {
  const params = { model, messages: hello, ...extra } as unknown as OpenAI.ChatCompletionCreateParamsNonStreaming;
  try {
    await client.chat.completions.create(params);
  } catch (err) {
    if (!(err instanceof OpenAI.APIError)) throw err;
    const e = err.error as { param?: unknown; message: string; type?: unknown };
    return { status: err.status ?? 0, param: e.param, message: e.message, type: e.type };
  }
  throw new Error(`${JSON.stringify(extra)} was accepted`);
}

const BAD: Array<[string, Record<string, unknown>, string, RegExp]> = [
  ['stream "yes"', { stream: 'yes' }, 'stream', /must be a boolean/],
  ['tools "x"', { tools: 'x' }, 'tools', /must be an array/],
  ['a tool without type', { tools: [{ function: { name: 'f' } }] }, 'tools[0]', /string "type"/],
  ['a function tool without a name', { tools: [{ type: 'function', function: {} }] }, 'tools[0].function', /string "name"/],
  ['tool_choice 7', { tool_choice: 7 }, 'tool_choice', /must be a string .* or an object/],
  ['stop {}', { stop: { a: 1 } }, 'stop', /string or an array of up to 4 strings/],
  ['five stop sequences', { stop: ['a', 'b', 'c', 'd', 'e'] }, 'stop', /at most 4/],
  ['a non-string stop', { stop: ['a', 5] }, 'stop[1]', /array of strings/],
  ['response_format "json"', { response_format: 'json' }, 'response_format', /object with a string "type"/],
  ['logit_bias "x"', { logit_bias: 'x' }, 'logit_bias', /object mapping token ids to numbers/],
  ['a non-number logit_bias value', { logit_bias: { '50256': 'ban' } }, 'logit_bias.50256', /numbers from -100 to 100/],
  ['temperature 1e308', { temperature: 1e308 }, 'temperature', /number from 0 to 2/],
  ['temperature 2.5', { temperature: 2.5 }, 'temperature', /number from 0 to 2/],
  ['top_p 3', { top_p: 3 }, 'top_p', /number from 0 to 1/],
];

describe.each(['oa-chat', 'claude-chat', 'gem-chat'])('%s', (model) => {
  test.each(BAD)('%s → 400 naming the field; nothing reaches the provider', async (_name, extra, param, message) => {
    for (const f of Object.values(fakes)) f.reset();
    const r = await refused(model, extra);
    expect(r).toMatchObject({ status: 400, type: 'invalid_request_error', param });
    expect(r.message).toMatch(message);
    expect(fakes.openai.requests.length + fakes.anthropic.requests.length + fakes.gemini.requests.length).toBe(0);
  });
});

test('the right forms still pass: stop string and 4 strings, tool_choice, response_format, logit_bias, temperature 2', async () => {
  fakes.openai.reset();
  const tools = [{ type: 'function' as const, function: { name: 'get_time', parameters: { type: 'object', properties: {} } } }];
  await client.chat.completions.create({ model: 'oa-chat', messages: hello, stop: 'END', temperature: 2, top_p: 1 });
  await client.chat.completions.create({ model: 'oa-chat', messages: hello, stop: ['a', 'b', 'c', 'd'], tools, tool_choice: 'auto' });
  await client.chat.completions.create({ model: 'oa-chat', messages: hello, tools, tool_choice: { type: 'function', function: { name: 'get_time' } } });
  await client.chat.completions.create({ model: 'oa-chat', messages: hello, response_format: { type: 'json_object' }, logit_bias: { '50256': -100 }, stream: false });
  expect(fakes.openai.rejections).toEqual([]);
  expect(fakes.openai.requests.map((r) => (r.body as Record<string, unknown>).stop ?? null)).toEqual(['END', ['a', 'b', 'c', 'd'], null, null]);
});

test('stream "yes" on /v1/completions is refused too, not answered unstreamed', async () => {
  const res = await fetch(`${gw.url}/v1/completions`, {
    method: 'POST', headers: { authorization: `Bearer ${TEST_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'oa-chat', prompt: 'hi', stream: 'yes' }),
  });
  expect(res.status).toBe(400);
  expect((await res.json()).error).toMatchObject({ param: 'stream', type: 'invalid_request_error' });
});

describe('Gemini adapter: image URLs', () => {
  const image = (url: string) => [{ role: 'user' as const, content: [{ type: 'text' as const, text: 'what is this?' }, { type: 'image_url' as const, image_url: { url } }] }];

  test.each(['file:///etc/passwd', 'ftp://example.com/a.png', 'javascript:alert(1)', '/relative/a.png'])('%s → 400 naming the field, not forwarded as fileData', async (url) => {
    fakes.gemini.reset();
    const r = await refused('gem-chat', { messages: image(url) });
    expect(r).toMatchObject({ status: 400, param: 'messages[0].content[1].image_url.url' });
    expect(r.message).toContain('http(s) URL');
    expect(fakes.gemini.requests.length).toBe(0);
  });

  test('http(s) and gs:// URLs become fileData, data: URLs inlineData', async () => {
    fakes.gemini.reset();
    for (const url of ['https://example.com/cat.png', 'gs://bucket/cat.png', 'data:image/png;base64,iVBORw0KGgo=']) {
      await client.chat.completions.create({ model: 'gem-chat', messages: image(url) });
    }
    expect(fakes.gemini.rejections).toEqual([]);
    const parts = fakes.gemini.requests.map((r) => (r.body as { contents: Array<{ parts: Array<Record<string, unknown>> }> }).contents[0].parts[1]);
    expect(parts).toEqual([
      { fileData: { fileUri: 'https://example.com/cat.png', mimeType: 'image/png' } },
      { fileData: { fileUri: 'gs://bucket/cat.png', mimeType: 'image/png' } },
      { inlineData: { mimeType: 'image/png', data: 'iVBORw0KGgo=' } },
    ]);
  });
});
