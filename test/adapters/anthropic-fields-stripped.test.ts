// Anthropic's own canonical fields (the client's `anthropic_thinking`, signed `thinking_blocks` on assistant
// turns, a tool turn's `is_error`, a Claude client's tool_result and user blocks as sent) reach Anthropic
// upstreams only. Adapters that keep unknown message fields
// on purpose (the openai adapter's `forward_extra_content`, for Gemini's OpenAI endpoint, and onebound, which
// forwards the body as `_o_args`) must still leave these out: the signatures mean nothing elsewhere and
// strict upstreams refuse unknown fields; the fields they do keep (Gemini's `extra_content`) stay.

import { expect, test } from 'bun:test';
import openai from '../../adapters/openai/index.ts';
import onebound from '../../adapters/onebound/index.ts';
import { convertMessages } from '../../adapters/anthropic/messages.ts';
import type { AdapterRequest, JsonObject, ProviderView } from '../../src/contracts/index.ts';

const body: JsonObject = {
  model: 'm',
  anthropic_thinking: { type: 'enabled', budget_tokens: 2048 },
  messages: [
    { role: 'user', content: 'weather?' },
    {
      role: 'assistant', content: null, reasoning_content: 'thinking...',
      thinking_blocks: [{ type: 'thinking', thinking: 'thinking...', signature: 'sig-abc' }, { type: 'redacted_thinking', data: 'opaque' }],
      tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'weather', arguments: '{}' }, extra_content: { google: { thought_signature: 'g-sig' } } }],
    },
    { role: 'tool', tool_call_id: 'call_1', content: 'Error: no such city', is_error: true },
  ],
};
const request: AdapterRequest = { operation: 'chat', body, path: '/chat/completions', search: '', method: 'POST', stream: false, upstreamModel: 'm' };
const view = (options: Record<string, unknown>): ProviderView => ({ name: 'p', baseUrl: 'http://127.0.0.1:9/v1', headers: {}, options: options as ProviderView['options'], apiKey: 'sk-up' });

function sentMessages(text: string): Array<Record<string, unknown>> {
  return (JSON.parse(text) as { messages: Array<Record<string, unknown>> }).messages;
}

test('openai adapter with forward_extra_content: extra_content stays, Anthropic\'s fields go', () => {
  const sent = openai.buildRequest(request, view({ adapter: 'openai', forward_extra_content: true }));
  const text = String(sent.body);
  expect(text).not.toContain('anthropic_thinking');
  expect(text).not.toContain('sig-abc');
  expect(text).not.toContain('is_error');
  const messages = sentMessages(text);
  expect(messages[1].thinking_blocks).toBeUndefined();
  expect(messages[1].reasoning_content).toBe('thinking...'); // kept: forward_extra_content keeps fields OpenAI does not define
  expect((messages[1].tool_calls as Array<Record<string, unknown>>)[0].extra_content).toEqual({ google: { thought_signature: 'g-sig' } });
  expect(messages[2]).toEqual({ role: 'tool', tool_call_id: 'call_1', content: 'Error: no such city' });
});

test('onebound adapter: _o_args carries none of Anthropic\'s fields', () => {
  const sent = onebound.buildRequest(request, view({ adapter: 'onebound', key: 'k', secret: 's' }));
  const args = new URLSearchParams(String(sent.body)).get('_o_args') ?? '';
  expect(args).not.toContain('anthropic_thinking');
  expect(args).not.toContain('sig-abc');
  expect(args).not.toContain('is_error');
  expect(args).toContain('no such city');
});

// A Claude client's tool_result / user-turn blocks as sent (src/contracts/anthropic-blocks.ts).
const PDF: JsonObject = { type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: 'JVBERi0=' } };
const withBlocks: JsonObject = {
  model: 'm',
  messages: [
    { role: 'user', content: 'read it' },
    { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'read', arguments: '{}' } }] },
    { role: 'tool', tool_call_id: 'call_1', content: '[Document omitted]', anthropic_tool_result: { content: [PDF], cache_control: { type: 'ephemeral' } } },
    { role: 'user', content: [{ type: 'text', text: '[Document omitted]' }], anthropic_content: [PDF] },
  ],
};

test('anthropic_tool_result and anthropic_content reach no OpenAI-shaped upstream (plain, forward_extra_content, onebound)', () => {
  const req: AdapterRequest = { ...request, body: withBlocks };
  for (const options of [{ adapter: 'openai' }, { adapter: 'openai', forward_extra_content: true }]) {
    const text = String(openai.buildRequest(req, view(options)).body);
    expect(text).not.toContain('anthropic_');
    expect(text).not.toContain('JVBERi0=');
    expect(sentMessages(text)[2]).toEqual({ role: 'tool', tool_call_id: 'call_1', content: '[Document omitted]' });
  }
  const args = new URLSearchParams(String(onebound.buildRequest(req, view({ adapter: 'onebound', key: 'k', secret: 's' })).body)).get('_o_args') ?? '';
  expect(args).not.toContain('anthropic_');
  expect(args).toContain('[Document omitted]');
});

test('anthropic adapter: the blocks as sent replace the canonical text, the breakpoint stays on the tool_result', () => {
  const converted = convertMessages(withBlocks.messages);
  expect(converted.messages.slice(2) as unknown).toEqual([
    { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'call_1', content: [PDF], cache_control: { type: 'ephemeral' } }, PDF] },
  ]);
  expect(() => convertMessages([{ role: 'user', content: 'x', anthropic_content: ['nope'] }])).toThrow('messages[0].anthropic_content');
});

test('anthropic adapter: a tool message whose text a plugin rewrote after the surface made it sends the rewritten text, not the client\'s blocks', () => {
  const original = { content: 'mail me at alice@example.com', cache_control: { type: 'ephemeral' }, text: 'mail me at alice@example.com' };
  const untouched = convertMessages([
    { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'w', arguments: '{}' } }] },
    { role: 'tool', tool_call_id: 'call_1', content: [{ type: 'text', text: 'mail me at alice@example.com', cache_control: { type: 'ephemeral' } }], anthropic_tool_result: original },
  ] as never);
  expect(JSON.stringify(untouched.messages)).toContain('alice@example.com');
  const redacted = convertMessages([
    { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'w', arguments: '{}' } }] },
    { role: 'tool', tool_call_id: 'call_1', content: [{ type: 'text', text: 'mail me at [email]', cache_control: { type: 'ephemeral' } }], anthropic_tool_result: original },
  ] as never);
  const sent = JSON.stringify(redacted.messages);
  expect(sent).not.toContain('alice@example.com');
  expect(sent).toContain('[email]');
});
