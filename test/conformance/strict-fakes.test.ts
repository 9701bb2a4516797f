// The strict fakes are only worth something if they really reject what the providers reject: each is
// called directly with one valid request and a series of requests that break one documented rule.

import { afterAll, describe, expect, test } from 'bun:test';
import { startAnthropicFake } from './fakes/anthropic.ts';
import { startAzureFake } from './fakes/azure.ts';
import { startGeminiFake } from './fakes/gemini.ts';
import { startOpenAIFake } from './fakes/openai-chat.ts';
import type { StrictFake } from './fakes/strict-server.ts';

const CLIENT_KEY = 'sk-client-key-0123456789';
const anthropic = startAnthropicFake({ apiKey: 'sk-ant-good', clientKey: CLIENT_KEY });
const gemini = startGeminiFake({ apiKey: 'AIza-good', clientKey: CLIENT_KEY, models: ['gemini-3-flash-preview'] });
const azure = startAzureFake({ apiKey: 'az-good', clientKey: CLIENT_KEY, deployments: ['prod'] });
const openai = startOpenAIFake({ apiKey: 'sk-good', clientKey: CLIENT_KEY, models: ['gpt-4o'] });
afterAll(() => [anthropic, gemini, azure, openai].forEach((f) => f.stop()));

async function post(fake: StrictFake, path: string, body: unknown, headers: Record<string, string>) {
  const res = await fetch(`${fake.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  return { status: res.status, text: await res.text() };
}

type Case = [name: string, mutate: (body: Record<string, any>, headers: Record<string, string>) => string | void, status: number, says: string];

describe('anthropic fake', () => {
  const headers = () => ({ 'x-api-key': 'sk-ant-good', 'anthropic-version': '2023-06-01' });
  const body = () => ({
    model: 'claude-sonnet-4-5', max_tokens: 100, system: 'Be brief.',
    tools: [{ name: 'get_weather', input_schema: { type: 'object', properties: { city: { type: 'string' } } } }],
    messages: [
      { role: 'user', content: 'Weather?' },
      { role: 'assistant', content: [{ type: 'text', text: 'Checking.' }, { type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { city: 'Paris' } }] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: 'sunny' }, { type: 'text', text: 'Thanks' }] },
    ],
  });
  test('accepts a valid tool conversation', async () => {
    expect((await post(anthropic, '/v1/messages', body(), headers())).status).toBe(200);
  });
  const cases: Case[] = [
    ['unknown top-level field', (b) => { b.frequency_penalty = 1; }, 400, '$.frequency_penalty: unknown field'],
    ['missing max_tokens', (b) => { delete b.max_tokens; }, 400, '$.max_tokens: required'],
    ['missing anthropic-version', (_b, h) => { delete h['anthropic-version']; }, 400, 'anthropic-version header is missing'],
    ['wrong key', (_b, h) => { h['x-api-key'] = 'sk-ant-bad'; }, 401, 'invalid x-api-key'],
    ['Bearer instead of x-api-key', (_b, h) => { delete h['x-api-key']; h.authorization = 'Bearer sk-ant-good'; }, 401, 'x-api-key'],
    ['system role inside messages', (b) => { b.messages.unshift({ role: 'system', content: 'x' }); }, 400, '"system" is not one of user, assistant'],
    ['empty text block', (b) => { b.messages[1].content[0].text = ''; }, 400, 'must not be empty'],
    ['tool_use without a tool_result after it', (b) => { b.messages[2] = { role: 'user', content: 'next' }; }, 400, 'without tool_result blocks immediately after'],
    ['tool_result not first', (b) => { b.messages[2].content.reverse(); }, 400, 'tool_result blocks must come first'],
    ['tool_result for an unknown id', (b) => { b.messages[2].content[0].tool_use_id = 'toolu_9'; }, 400, 'unexpected tool_use_id'],
    ['image with an unsupported media type', (b) => { b.messages[0].content = [{ type: 'image', source: { type: 'base64', media_type: 'image/bmp', data: 'AAAA' } }]; }, 400, 'image/bmp'],
    ['temperature above 1', (b) => { b.temperature = 1.5; }, 400, '1.5 is above 1'],
    ['tool_choice without tools', (b) => { delete b.tools; b.tool_choice = { type: 'auto' }; }, 400, 'tool_choice: may only be specified while providing tools'],
    ['tool id with characters outside the pattern', (b) => { b.messages[1].content[1].id = 'call/1'; b.messages[2].content[0].tool_use_id = 'call/1'; }, 400, 'does not match'],
    ['a repeated tool_use id', (b) => {
      b.messages.push({ role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: {} }] }, { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1' }] });
    }, 400, '`tool_use` ids must be unique'],
    ['the client key forwarded', (_b, h) => { h['x-forwarded-auth'] = CLIENT_KEY; }, 400, "carries the gateway client's key"],
    ['budget_tokens not below max_tokens without the interleaved beta', (b) => { b.messages.splice(1); b.thinking = { type: 'enabled', budget_tokens: 2048 }; }, 400, '`max_tokens` must be greater than `thinking.budget_tokens`'],
    ['context_management without its beta', (b) => { b.context_management = { edits: [{ type: 'clear_tool_uses_20250919' }] }; }, 400, 'context-management-2025-06-27'],
    ['a clear_thinking edit with thinking off', (b, h) => { h['anthropic-beta'] = 'context-management-2025-06-27'; b.context_management = { edits: [{ type: 'clear_thinking_20251015' }] }; }, 400, 'clear_thinking requires thinking'],
    ['enabled thinking on Claude 4.7', (b) => { b.model = 'claude-opus-4-7'; b.max_tokens = 4096; b.messages.splice(1); b.thinking = { type: 'enabled', budget_tokens: 1024 }; }, 400, 'Use "thinking.type.adaptive"'],
    ['adaptive thinking on Claude 4.5', (b) => { b.messages.splice(1); b.thinking = { type: 'adaptive' }; }, 400, 'adaptive thinking is not supported on claude-sonnet-4-5'],
    ['effort xhigh on Claude 4.6', (b) => { b.model = 'claude-opus-4-6'; b.output_config = { effort: 'xhigh' }; }, 400, '"xhigh" is not supported'],
  ];
  test('accepts the beta-gated and model-gated features where they apply', async () => {
    const plain = body();
    plain.messages.splice(1);
    const ok: Array<[Record<string, unknown>, Record<string, string>]> = [
      [{ ...plain, max_tokens: 1000, thinking: { type: 'enabled', budget_tokens: 4096 } }, { 'anthropic-beta': 'claude-code-20250219, interleaved-thinking-2025-05-14' }],
      [{ ...plain, context_management: { edits: [{ type: 'clear_tool_uses_20250919' }] } }, { 'anthropic-beta': 'context-management-2025-06-27' }],
      [{ ...plain, model: 'claude-opus-4-7', thinking: { type: 'adaptive' }, output_config: { effort: 'xhigh' } }, {}],
    ];
    for (const [b, h] of ok) expect((await post(anthropic, '/v1/messages', b, { ...headers(), ...h })).status).toBe(200);
  });
  test.each(cases)('rejects: %s', async (_name, mutate, status, says) => {
    const b = body();
    const h: Record<string, string> = headers();
    mutate(b, h);
    const res = await post(anthropic, '/v1/messages', b, h);
    expect(res.status).toBe(status);
    expect(JSON.parse(res.text).error.message).toContain(says);
    expect(JSON.parse(res.text).type).toBe('error');
  });
});

describe('gemini fake', () => {
  const path = '/v1beta/models/gemini-3-flash-preview:generateContent';
  const headers = () => ({ 'x-goog-api-key': 'AIza-good' });
  const body = () => ({
    systemInstruction: { parts: [{ text: 'Be brief.' }] },
    tools: [{ functionDeclarations: [{ name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } }] }],
    contents: [
      { role: 'user', parts: [{ text: 'Weather?' }] },
      { role: 'model', parts: [{ functionCall: { name: 'get_weather', args: { city: 'Paris' } }, thoughtSignature: 'SIG-1' }] },
      { role: 'user', parts: [{ functionResponse: { name: 'get_weather', response: { sky: 'sunny' } } }] },
    ],
    generationConfig: { temperature: 0.2, maxOutputTokens: 64 },
  });
  test('accepts a valid function-calling conversation; remembers the signatures it sends', async () => {
    expect((await post(gemini, path, body(), headers())).status).toBe(200);
    gemini.script({ json: { candidates: [{ content: { role: 'model', parts: [{ functionCall: { name: 'get_weather', args: { city: 'Paris' } }, thoughtSignature: 'SIG-1' }] } }] } });
    await post(gemini, path, body(), headers());
    expect(gemini.issuedSignatures.get('get_weather:{"city":"Paris"}')).toBe('SIG-1');
  });
  const cases: Case[] = [
    ['the key in the URL', () => '?key=AIza-good', 400, 'must not be sent in the URL'],
    ['no x-goog-api-key header', (_b, h) => { delete h['x-goog-api-key']; }, 400, 'API key not valid'],
    ['unknown top-level field', (b) => { b.temperature = 0.5; }, 400, '$.temperature: unknown field'],
    ['role assistant', (b) => { b.contents[1].role = 'assistant'; }, 400, '"assistant" is not one of user, model'],
    ['a part with two data fields', (b) => { b.contents[0].parts[0].inlineData = { mimeType: 'image/png', data: 'AAAA' }; }, 400, 'exactly one data field'],
    ['JSON Schema keys outside the Schema subset', (b) => { b.tools[0].functionDeclarations[0].parameters.additionalProperties = false; }, 400, 'Unknown name "additionalProperties"'],
    ['empty properties on an OBJECT', (b) => { b.tools[0].functionDeclarations[0].parameters = { type: 'object', properties: {} }; }, 400, 'should be non-empty for OBJECT type'],
    ['a dropped thoughtSignature', (b) => { delete b.contents[1].parts[0].thoughtSignature; }, 400, 'missing a thought_signature'],
    ['fewer function responses than calls', (b) => { b.contents[1].parts.push({ functionCall: { name: 'get_weather', args: { city: 'Rome' } } }); }, 400, 'number of function response parts'],
    ['system text as a user turn role', (b) => { b.contents.unshift({ role: 'system', parts: [{ text: 'x' }] }); }, 400, '"system" is not one of user, model'],
    ['an unknown model', () => '', 404, 'not found'],
  ];
  test.each(cases)('rejects: %s', async (name, mutate, status, says) => {
    const b = body();
    const h: Record<string, string> = headers();
    const query = mutate(b, h) ?? '';
    const target = name === 'an unknown model' ? '/v1beta/models/gemini-0-nope:generateContent' : path + query;
    const res = await post(gemini, target, b, h);
    expect(res.status).toBe(status);
    expect(JSON.parse(res.text).error.message).toContain(says);
    expect(JSON.parse(res.text).error.code).toBe(status);
  });
  test('rejects streamGenerateContent without alt=sse', async () => {
    const res = await post(gemini, '/v1beta/models/gemini-3-flash-preview:streamGenerateContent', body(), headers());
    expect(res.status).toBe(400);
    expect(res.text).toContain('alt=sse');
  });
});

describe('azure fake', () => {
  const path = '/openai/deployments/prod/chat/completions?api-version=2024-10-21';
  const headers = () => ({ 'api-key': 'az-good' });
  const body = () => ({
    messages: [
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'Weather?' },
      { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{}' } }] },
      { role: 'tool', tool_call_id: 'call_1', content: 'sunny' },
    ],
    tools: [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: {} } } }],
    stream: true, stream_options: { include_usage: true },
  });
  test('accepts a valid deployment request (and the v1 form with model)', async () => {
    expect((await post(azure, path, body(), headers())).status).toBe(200);
    expect((await post(azure, '/openai/v1/chat/completions', { ...body(), model: 'prod' }, headers())).status).toBe(200);
  });
  const cases: Case[] = [
    ['no api-version', () => '/openai/deployments/prod/chat/completions', 404, 'api-version'],
    ['an unknown deployment', () => '/openai/deployments/other/chat/completions?api-version=2024-10-21', 404, 'DeploymentNotFound'],
    ['an unknown api-version', () => '/openai/deployments/prod/chat/completions?api-version=2099-01-01', 400, 'Unsupported api-version'],
    ['Bearer instead of api-key', (_b, h) => { delete h['api-key']; h.authorization = 'Bearer az-good'; }, 401, 'Access denied'],
    ['model in a deployment body', (b) => { b.model = 'gpt-4o'; }, 400, '$.model: unknown field'],
    ['data_sources', (b) => { b.data_sources = [{ type: 'azure_search' }]; }, 400, 'data_sources'],
    ['a tool message without tool_calls before it', (b) => { delete b.messages[2].tool_calls; b.messages[2].content = 'x'; }, 400, "must be a response to a preceeding message with 'tool_calls'"],
    ['a tool call left unanswered', (b) => { b.messages[3] = { role: 'user', content: 'next' }; }, 400, 'did not have response messages'],
    ['stream_options without stream', (b) => { delete b.stream; }, 400, 'only allowed when stream is true'],
  ];
  test.each(cases)('rejects: %s', async (_name, mutate, status, says) => {
    const b = body();
    const h: Record<string, string> = headers();
    const target = mutate(b, h) ?? path;
    const res = await post(azure, target, b, h);
    expect(res.status).toBe(status);
    expect(JSON.parse(res.text).error.message).toContain(says);
    expect(JSON.parse(res.text).error.message).toContain(says);
  });
});

describe('openai fake', () => {
  const headers = { authorization: 'Bearer sk-good' };
  test('accepts a valid request, rejects a missing model, an unknown field and an unknown model', async () => {
    const ok = { model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] };
    expect((await post(openai, '/v1/chat/completions', ok, headers)).status).toBe(200);
    expect((await post(openai, '/v1/chat/completions', { messages: ok.messages }, headers)).text).toContain('$.model: required');
    expect((await post(openai, '/v1/chat/completions', { ...ok, top_k: 3 }, headers)).text).toContain('$.top_k: unknown field');
    expect((await post(openai, '/v1/chat/completions', { ...ok, model: 'gpt-9' }, headers)).status).toBe(404);
    expect((await post(openai, '/v1/chat/completions', ok, { authorization: 'Bearer nope' })).status).toBe(401);
  });
});
