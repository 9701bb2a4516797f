// Which assistant turns keep `reasoning_content` on the way to an OpenAI-compatible upstream
// (adapters/openai/reasoning-passback.ts): stripped for OpenAI itself, Azure and unknown vendors; kept
// on tool-loop turns for DeepSeek, Moonshot and Zhipu (by preset or API host); the provider option
// `reasoning_content: keep | strip | tool_turns` overrides. Plus the inbound side: Responses reasoning
// items and Gemini thought parts become the history turn's reasoning_content.

import { expect, test } from 'bun:test';
import azure from '../../adapters/azure/index.ts';
import openai from '../../adapters/openai/index.ts';
import { PRESETS, presetAdapter } from '../../adapters/openai/preset.ts';
import { stripForeignFields } from '../../adapters/openai/strip-extras.ts';
import type { AdapterRequest, JsonObject, ProviderView } from '../../src/contracts/index.ts';
import { geminiToCanonical } from '../../src/protocols/gemini/to-canonical.ts';
import { responsesToCanonical } from '../../src/protocols/responses/to-canonical.ts';

const call = { id: 'c1', type: 'function', function: { name: 'ls', arguments: '{}' } };
const body: JsonObject = {
  model: 'm',
  messages: [
    { role: 'user', content: 'hi' },
    { role: 'assistant', content: 'hello', reasoning_content: 'chat turn' },
    { role: 'user', content: 'look around' },
    { role: 'assistant', content: null, reasoning_content: 'tool turn', tool_calls: [call] },
    { role: 'tool', tool_call_id: 'c1', content: 'a b' },
    { role: 'assistant', content: 'done', reasoning_content: 'answer to the tool result' },
    { role: 'user', content: 'thanks' },
  ],
};
const request: AdapterRequest = { operation: 'chat', body, path: '/chat/completions', search: '', method: 'POST', stream: false, upstreamModel: 'm' };
const view = (baseUrl: string, options: Record<string, unknown> = {}): ProviderView => ({ name: 'p', baseUrl, headers: {}, options: options as ProviderView['options'], apiKey: 'sk-up' });
const kept = (sent: { body?: unknown }) => (JSON.parse(String(sent.body)) as { messages: Array<{ reasoning_content?: string }> }).messages.map((m) => m.reasoning_content ?? null);

test('OpenAI itself, Azure and unknown OpenAI-compatible vendors get no reasoning_content', () => {
  const none = [null, null, null, null, null, null, null];
  expect(kept(openai.buildRequest(request, view('https://api.openai.com/v1')))).toEqual(none);
  expect(kept(openai.buildRequest(request, view('http://127.0.0.1:8000/v1')))).toEqual(none);
  expect(kept(presetAdapter('groq', PRESETS.groq).buildRequest(request, view('')))).toEqual(none);
  expect(kept(azure.buildRequest(request, view('https://r.openai.azure.com', { api_version: '2024-10-21' })))).toEqual(none);
});

test('DeepSeek, Moonshot, Zhipu (preset or API host): kept on the turns of a tool loop only', () => {
  const toolTurns = [null, null, null, 'tool turn', null, 'answer to the tool result', null];
  for (const id of ['deepseek', 'moonshot', 'zhipu']) expect(kept(presetAdapter(id, PRESETS[id]).buildRequest(request, view('')))).toEqual(toolTurns);
  for (const host of ['https://api.deepseek.com', 'https://api.moonshot.ai/v1', 'https://open.bigmodel.cn/api/paas/v4']) expect(kept(openai.buildRequest(request, view(host)))).toEqual(toolTurns);
});

test('the provider option reasoning_content overrides the default either way', () => {
  const all = [null, 'chat turn', null, 'tool turn', null, 'answer to the tool result', null];
  expect(kept(presetAdapter('deepseek', PRESETS.deepseek).buildRequest(request, view('', { reasoning_content: 'strip' })))).toEqual([null, null, null, null, null, null, null]);
  expect(kept(presetAdapter('qwen', PRESETS.qwen).buildRequest(request, view('', { reasoning_content: 'keep' })))).toEqual(all);
  expect(kept(openai.buildRequest(request, view('http://vllm:8000/v1', { reasoning_content: 'tool_turns' }))).at(3)).toBe('tool turn');
  // forward_extra_content keeps it unless the option says otherwise
  expect(kept(openai.buildRequest(request, view('http://x/v1', { forward_extra_content: true })))).toEqual(all);
  expect(kept(openai.buildRequest(request, view('http://x/v1', { forward_extra_content: true, reasoning_content: 'strip' })))).toEqual([null, null, null, null, null, null, null]);
});

test('kept turns lose only the foreign fields; a body with nothing to remove is not copied', () => {
  const turn = { role: 'assistant', content: null, reasoning_content: 'r', thinking_blocks: [{ type: 'thinking', thinking: 'r', signature: 's' }], tool_calls: [{ ...call, extra_content: { google: { thoughtSignature: 'g' } } }] };
  const out = stripForeignFields({ messages: [{ role: 'user', content: 'x' }, turn] }, 'tool_turns');
  expect((out.messages as JsonObject[])[1]).toEqual({ role: 'assistant', content: null, reasoning_content: 'r', tool_calls: [call] });
  const plain: JsonObject = { model: 'm', messages: [{ role: 'user', content: 'x' }, { role: 'assistant', content: null, reasoning_content: 'r', tool_calls: [call] }] };
  expect(stripForeignFields(plain, 'tool_turns')).toBe(plain);
  expect(stripForeignFields(plain, 'keep')).toBe(plain);
});

test('Responses: reasoning text goes to the next assistant turn; content is read when there is no summary; a dangling item is dropped', () => {
  const chat = responsesToCanonical({ model: 'm' }, [
    { role: 'user', content: 'go' },
    { type: 'reasoning', id: 'rs_1', summary: [], content: [{ type: 'reasoning_text', text: 'full thought' }] },
    { type: 'function_call', call_id: 'c1', name: 'ls', arguments: '{}' },
    { type: 'function_call', call_id: 'c2', name: 'ls', arguments: '{}' },
    { type: 'function_call_output', call_id: 'c1', output: 'x' },
    { type: 'function_call_output', call_id: 'c2', output: 'y' },
    { type: 'reasoning', id: 'rs_2', summary: [{ type: 'summary_text', text: 'sum A' }, { type: 'summary_text', text: 'sum B' }], encrypted_content: 'opaque' },
    { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'done' }] },
    { type: 'reasoning', id: 'rs_3', summary: [{ type: 'summary_text', text: 'orphan' }] },
    { role: 'user', content: 'next' },
  ], false);
  const assistants = chat.messages.filter((m) => m.role === 'assistant');
  expect(assistants.map((m) => [m.reasoning_content, m.tool_calls?.length ?? 0])).toEqual([['full thought', 2], ['sum A\n\nsum B', 0]]);
  expect(JSON.stringify(chat)).not.toContain('orphan');
});

test('Gemini: thought parts of model turns become reasoning_content; of user turns they are dropped', () => {
  const chat = geminiToCanonical({
    contents: [
      { role: 'user', parts: [{ text: 'go' }, { text: 'user thought', thought: true }] },
      { role: 'model', parts: [{ text: 'part one, ', thought: true }, { text: 'part two', thought: true }, { functionCall: { name: 'ls', args: {} } }] },
      { role: 'user', parts: [{ functionResponse: { name: 'ls', response: { output: 'x' } } }] },
    ],
  }, 'm', false);
  expect(chat.messages[1]).toMatchObject({ role: 'assistant', content: null, reasoning_content: 'part one, part two' });
  expect(JSON.stringify(chat)).not.toContain('user thought');
});
