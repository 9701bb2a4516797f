// Inbound Anthropic protocol: request translation, response translation, the SSE stream encoder's event
// lifecycle, error bodies, and a round trip through the real @anthropic-ai/sdk stream parser.

import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import Anthropic from '@anthropic-ai/sdk';
import { GatewayError } from '../../src/contracts/index.ts';
import type { ChatChunk, ChatResponse, ChunkDelta, FinishReason, OpenAIUsageWire } from '../../src/contracts/index.ts';
import {
  AnthropicStreamEncoder,
  anthropicErrorBody,
  anthropicErrorFromGateway,
  anthropicToCanonical,
  canonicalToAnthropic,
  countTokensRequest,
} from '../../src/protocols/anthropic/index.ts';

// ---------------------------------------------------------------------------------------------
// helpers

function chunk(delta: ChunkDelta, finish: FinishReason = null, usage?: OpenAIUsageWire): ChatChunk {
  const c: ChatChunk = { id: 'chatcmpl-1', object: 'chat.completion.chunk', created: 1, model: 'up', choices: [{ index: 0, delta, finish_reason: finish }] };
  if (usage) c.usage = usage;
  return c;
}
function usageChunk(usage: OpenAIUsageWire): ChatChunk {
  return { id: 'chatcmpl-1', object: 'chat.completion.chunk', created: 1, model: 'up', choices: [], usage };
}

interface Frame { event: string; data: Record<string, any> }
function parseSse(text: string): Frame[] {
  return text.split('\n\n').filter((f) => f.trim() !== '').map((f) => {
    const lines = f.split('\n');
    expect(lines[0].startsWith('event: ')).toBe(true);
    expect(lines[1].startsWith('data: ')).toBe(true);
    const frame = { event: lines[0].slice(7), data: JSON.parse(lines[1].slice(6)) };
    expect(frame.data.type).toBe(frame.event);
    return frame;
  });
}
function summary(frames: Frame[]): string[] {
  return frames.map((f) => {
    const d = f.data;
    if (f.event === 'content_block_start') return `start ${d.index} ${d.content_block.type}`;
    if (f.event === 'content_block_delta') return `delta ${d.index} ${d.delta.type}`;
    if (f.event === 'content_block_stop') return `stop ${d.index}`;
    return f.event;
  });
}
function assertBalanced(frames: Frame[]): void {
  const started = frames.filter((f) => f.event === 'content_block_start').map((f) => f.data.index);
  const stopped = frames.filter((f) => f.event === 'content_block_stop').map((f) => f.data.index);
  expect(started).toEqual([...started].sort((a, b) => a - b));
  expect(started).toEqual(started.map((_, i) => i));
  expect(stopped).toEqual(started);
}

/** text + 2 tool calls, OpenAI style, then a usage chunk. */
function textAndTwoTools(): ChatChunk[] {
  return [
    chunk({ role: 'assistant', content: '' }),
    chunk({ content: 'Let me ' }),
    chunk({ content: 'check.' }),
    chunk({ tool_calls: [{ index: 0, id: 'call_a', type: 'function', function: { name: 'get_weather', arguments: '' } }] }),
    chunk({ tool_calls: [{ index: 0, function: { arguments: '{"city":' } }] }),
    chunk({ tool_calls: [{ index: 0, function: { arguments: '"Paris"}' } }] }),
    chunk({ tool_calls: [{ index: 1, id: 'call_b', type: 'function', function: { name: 'get_time', arguments: '{"tz":"CET"}' } }] }),
    chunk({}, 'tool_calls'),
    usageChunk({ prompt_tokens: 100, completion_tokens: 20, total_tokens: 120, prompt_tokens_details: { cached_tokens: 30 } }),
  ];
}

// ---------------------------------------------------------------------------------------------
// request translation

describe('anthropicToCanonical', () => {
  test('translates a full conversation exactly', () => {
    const req = anthropicToCanonical({
      model: 'claude-x',
      max_tokens: 512,
      system: [{ type: 'text', text: 'Be brief.', cache_control: { type: 'ephemeral' } }, { type: 'text', text: 'Use tools.' }],
      messages: [
        { role: 'user', content: 'Weather in Paris?' },
        {
          role: 'assistant',
          content: [
            { type: 'thinking', thinking: 'need tool', signature: 'sig' },
            { type: 'text', text: 'Checking.' },
            { type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { city: 'Paris' } },
            { type: 'tool_use', id: 'toolu_2', name: 'get_time', input: {} },
          ],
        },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Here you go' },
            { type: 'tool_result', tool_use_id: 'toolu_1', content: [{ type: 'text', text: 'sunny' }, { type: 'text', text: '21C' }] },
            { type: 'tool_result', tool_use_id: 'toolu_2', content: 'boom', is_error: true },
            { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'AAAA' } },
          ],
        },
        { role: 'assistant', content: 'Sunny.' },
        { role: 'user', content: [{ type: 'image', source: { type: 'url', url: 'https://example.com/a.png' } }] },
      ],
      tools: [{ name: 'get_weather', description: 'Weather', input_schema: { type: 'object', properties: { city: { type: 'string' } } } }],
      tool_choice: { type: 'any', disable_parallel_tool_use: true },
      stop_sequences: ['END'],
      temperature: 0.3,
      top_p: 0.9,
      top_k: 5,
      stream: true,
      metadata: { user_id: 'u-1' },
      thinking: { type: 'enabled', budget_tokens: 1024 },
    });
    expect(req).toEqual({
      model: 'claude-x',
      max_tokens: 512,
      // Anthropic-only: carried for Anthropic upstreams (anthropic-extra.ts).
      anthropic_extra: { top_k: 5 },
      stream: true,
      stream_options: { include_usage: true },
      temperature: 0.3,
      top_p: 0.9,
      stop: ['END'],
      user: 'u-1',
      tools: [{ type: 'function', function: { name: 'get_weather', description: 'Weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } }],
      tool_choice: 'required',
      parallel_tool_calls: false,
      // The client's thinking object, unchanged, for an Anthropic upstream.
      anthropic_thinking: { type: 'enabled', budget_tokens: 1024 },
      messages: [
        // The system blocks carry a cache breakpoint, so they stay blocks (with it) for the upstream.
        { role: 'system', content: [{ type: 'text', text: 'Be brief.', cache_control: { type: 'ephemeral' } }, { type: 'text', text: 'Use tools.' }] },
        { role: 'user', content: 'Weather in Paris?' },
        {
          role: 'assistant',
          content: 'Checking.',
          reasoning_content: 'need tool',
          // The signed block, exactly as sent, so an Anthropic upstream gets it back.
          thinking_blocks: [{ type: 'thinking', thinking: 'need tool', signature: 'sig' }],
          tool_calls: [
            { id: 'toolu_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
            { id: 'toolu_2', type: 'function', function: { name: 'get_time', arguments: '{}' } },
          ],
        },
        { role: 'tool', tool_call_id: 'toolu_1', content: 'sunny\n21C' },
        // The text form for every upstream, and the flag for one that takes it (Anthropic).
        { role: 'tool', tool_call_id: 'toolu_2', content: 'Error: boom', is_error: true },
        { role: 'user', content: [{ type: 'text', text: 'Here you go' }, { type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA' } }] },
        { role: 'assistant', content: 'Sunny.' },
        { role: 'user', content: [{ type: 'image_url', image_url: { url: 'https://example.com/a.png' } }] },
      ],
    });
  });

  test('minimal request: no optional fields appear', () => {
    expect(anthropicToCanonical({ model: 'm', max_tokens: 1, messages: [{ role: 'user', content: 'hi' }] }))
      .toEqual({ model: 'm', max_tokens: 1, messages: [{ role: 'user', content: 'hi' }] });
  });

  test('tool-only user turn and tool-only assistant turn', () => {
    const req = anthropicToCanonical({
      model: 'm', max_tokens: 10, stream: false,
      messages: [
        { role: 'assistant', content: [{ type: 'tool_use', id: 't1', name: 'f', input: { a: 1 } }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't1' }, { type: 'tool_result', tool_use_id: 't2', content: [{ type: 'image', source: { type: 'url', url: 'u' } }] }] },
      ],
    });
    expect(req.stream).toBe(false);
    expect(req.stream_options).toBeUndefined();
    expect(req.messages).toEqual([
      { role: 'assistant', content: null, tool_calls: [{ id: 't1', type: 'function', function: { name: 'f', arguments: '{"a":1}' } }] },
      { role: 'tool', tool_call_id: 't1', content: '' },
      // The image moves to the user turn for other upstreams; Anthropic ones get the tool_result as sent.
      { role: 'tool', tool_call_id: 't2', content: '', anthropic_tool_result: { content: [{ type: 'image', source: { type: 'url', url: 'u' } }], text: '' } },
      { role: 'user', content: [{ type: 'image_url', image_url: { url: 'u' } }], anthropic_content: [] },
    ]);
  });

  test('documents and search results: text for other upstreams, the blocks as sent for Anthropic ones', () => {
    const doc = { type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: 'JVBERi0=' }, title: 'a.pdf' };
    const textDoc = { type: 'document', source: { type: 'text', media_type: 'text/plain', data: 'd' } };
    const found = { type: 'search_result', source: 's', title: 'T', content: [{ type: 'text', text: 'x' }] };
    const req = anthropicToCanonical({
      model: 'm', max_tokens: 10,
      messages: [
        { role: 'assistant', content: [{ type: 'tool_use', id: 't1', name: 'f', input: {} }, { type: 'tool_use', id: 't2', name: 'f', input: {} }] },
        { role: 'user', content: [
          { type: 'tool_result', tool_use_id: 't1', content: [doc] },
          { type: 'tool_result', tool_use_id: 't2', content: 'ok', cache_control: { type: 'ephemeral' } },
          { type: 'text', text: 'and' },
          textDoc,
          found,
        ] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't3', content: [{ type: 'text', text: 'plain' }] }] },
      ],
    });
    expect(req.messages.slice(1)).toEqual([
      { role: 'tool', tool_call_id: 't1', content: '[Document "a.pdf" (application/pdf) omitted: this model cannot read documents]', anthropic_tool_result: { content: [doc], text: '[Document "a.pdf" (application/pdf) omitted: this model cannot read documents]' } },
      { role: 'tool', tool_call_id: 't2', content: [{ type: 'text', text: 'ok', cache_control: { type: 'ephemeral' } }], anthropic_tool_result: { content: 'ok', cache_control: { type: 'ephemeral' }, text: 'ok' } },
      {
        role: 'user',
        content: [
          { type: 'text', text: 'and' },
          { type: 'text', text: '[Document (text/plain) omitted: this model cannot read documents]' },
          { type: 'text', text: 'T (s)\nx' },
        ],
        anthropic_content: [{ type: 'text', text: 'and' }, textDoc, found],
      },
      // A text-only tool_result carries nothing extra.
      { role: 'tool', tool_call_id: 't3', content: 'plain' },
    ]);
  });

  test('tool_choice mapping', () => {
    const base = { model: 'm', max_tokens: 1, messages: [] };
    expect(anthropicToCanonical({ ...base, tool_choice: { type: 'auto' } }).tool_choice).toBe('auto');
    expect(anthropicToCanonical({ ...base, tool_choice: { type: 'any' } }).tool_choice).toBe('required');
    expect(anthropicToCanonical({ ...base, tool_choice: { type: 'none' } }).tool_choice).toBe('none');
    const named = anthropicToCanonical({ ...base, tool_choice: { type: 'tool', name: 'f' } });
    expect(named.tool_choice).toEqual({ type: 'function', function: { name: 'f' } });
    expect(named.parallel_tool_calls).toBeUndefined();
  });

  function expectInvalid(body: unknown, param: string, fn = anthropicToCanonical): void {
    let caught: unknown;
    try { fn(body); } catch (e) { caught = e; }
    expect(caught).toBeInstanceOf(GatewayError);
    const err = caught as GatewayError;
    expect(err.status).toBe(400);
    expect(err.type).toBe('invalid_request_error');
    expect(err.code).toBe('invalid_value');
    expect(err.param).toBe(param);
  }

  test('validation errors name the field', () => {
    const ok = { model: 'm', max_tokens: 5, messages: [{ role: 'user', content: 'x' }] };
    expectInvalid('nope', 'body');
    expectInvalid({ ...ok, model: undefined }, 'model');
    expectInvalid({ ...ok, model: 3 }, 'model');
    expectInvalid({ ...ok, max_tokens: undefined }, 'max_tokens');
    expectInvalid({ ...ok, max_tokens: '5' }, 'max_tokens');
    expectInvalid({ ...ok, messages: 'hi' }, 'messages');
    expectInvalid({ ...ok, messages: [{ role: 'bot', content: 'x' }] }, 'messages[0].role');
    expectInvalid({ ...ok, messages: [{ role: 'user', content: 5 }] }, 'messages[0].content');
    expectInvalid({ ...ok, messages: [{ role: 'user', content: [{ type: 'document', source: {} }] }] }, 'messages[0].content[0].source');
    expectInvalid({ ...ok, messages: [{ role: 'user', content: [{ type: 'document', source: { type: 'file', file_id: 'f' } }] }] }, 'messages[0].content[0].source.type');
    expectInvalid({ ...ok, messages: [{ role: 'user', content: [{ type: 'tool_result', tool_use_id: 't', content: [{ type: 'search_result', source: 's', title: 'T', content: [{ type: 'image' }] }] }] }] }, 'messages[0].content[0].content[0].content[0]');
    expectInvalid({ ...ok, messages: [{ role: 'user', content: [{ type: 'container_upload', file_id: 'f' }] }] }, 'messages[0].content[0].type');
    expectInvalid({ ...ok, messages: [{ role: 'user', content: [{ type: 'tool_result' }] }] }, 'messages[0].content[0].tool_use_id');
    expectInvalid({ ...ok, messages: [{ role: 'user', content: [{ type: 'image', source: { type: 'file', file_id: 'f' } }] }] }, 'messages[0].content[0].source.type');
    expectInvalid({ ...ok, system: 7 }, 'system');
    expectInvalid({ ...ok, stop_sequences: 'END' }, 'stop_sequences');
    expectInvalid({ ...ok, tools: [{ type: 'web_search_20250305', name: 'web_search' }] }, 'tools[0].type');
    expectInvalid({ ...ok, tools: [{ name: 'f' }] }, 'tools[0].input_schema');
    expectInvalid({ ...ok, tool_choice: { type: 'sometimes' } }, 'tool_choice.type');
    expectInvalid({ ...ok, stream: 'yes' }, 'stream');
  });

  test('countTokensRequest: max_tokens optional but validated when present', () => {
    const req = countTokensRequest({ model: 'm', system: 'sys', messages: [{ role: 'user', content: 'hi' }], tools: [{ name: 'f', input_schema: { type: 'object' } }] });
    expect(req).toEqual({
      model: 'm',
      messages: [{ role: 'system', content: 'sys' }, { role: 'user', content: 'hi' }],
      tools: [{ type: 'function', function: { name: 'f', parameters: { type: 'object' } } }],
    });
    expectInvalid({ model: 'm', messages: [], max_tokens: 0 }, 'max_tokens', countTokensRequest);
    expectInvalid({ messages: [] }, 'model', countTokensRequest);
  });
});

// ---------------------------------------------------------------------------------------------
// response translation

function response(message: ChatResponse['choices'][number]['message'], finish: FinishReason, usage?: OpenAIUsageWire): ChatResponse {
  return { id: 'chatcmpl-9', object: 'chat.completion', created: 1, model: 'upstream-model', choices: [{ index: 0, message, finish_reason: finish }], usage };
}

describe('canonicalToAnthropic', () => {
  test('thinking, text and tool_use blocks with usage', () => {
    const msg = canonicalToAnthropic(response({
      role: 'assistant',
      content: 'Checking.',
      reasoning_content: 'hmm',
      tool_calls: [
        { id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
        { id: 'call_2', type: 'function', function: { name: 'noop', arguments: '' } },
      ],
    }, 'tool_calls', { prompt_tokens: 100, completion_tokens: 12, total_tokens: 112, prompt_tokens_details: { cached_tokens: 40 } }), 'claude-public');
    expect(msg).toEqual({
      id: 'msg_chatcmpl-9',
      type: 'message',
      role: 'assistant',
      model: 'claude-public',
      content: [
        { type: 'thinking', thinking: 'hmm', signature: '' },
        { type: 'text', text: 'Checking.' },
        { type: 'tool_use', id: 'call_1', name: 'get_weather', input: { city: 'Paris' } },
        { type: 'tool_use', id: 'call_2', name: 'noop', input: {} },
      ],
      stop_reason: 'tool_use',
      stop_sequence: null,
      usage: { input_tokens: 60, output_tokens: 12, cache_read_input_tokens: 40 },
    });
  });

  test('stop reasons and missing usage', () => {
    const text = { role: 'assistant' as const, content: 'x' };
    expect(canonicalToAnthropic(response(text, 'stop'), 'm').stop_reason).toBe('end_turn');
    expect(canonicalToAnthropic(response(text, 'length'), 'm').stop_reason).toBe('max_tokens');
    expect(canonicalToAnthropic(response(text, 'content_filter'), 'm').stop_reason).toBe('refusal');
    expect(canonicalToAnthropic(response({ role: 'assistant', content: null, tool_calls: [{ id: 'c', type: 'function', function: { name: 'f', arguments: '{}' } }] }, 'stop'), 'm').stop_reason).toBe('tool_use');
    const none = canonicalToAnthropic(response({ role: 'assistant', content: '' }, 'stop'), 'm');
    expect(none.content).toEqual([]);
    expect(none.usage).toEqual({ input_tokens: 0, output_tokens: 0, cache_read_input_tokens: 0 });
  });

  test('unparseable tool arguments are kept, not lost', () => {
    const msg = canonicalToAnthropic(response({ role: 'assistant', content: null, tool_calls: [{ id: 'c', type: 'function', function: { name: 'f', arguments: '{"a":' } }] }, 'length'), 'm');
    expect(msg.content).toEqual([{ type: 'tool_use', id: 'c', name: 'f', input: { raw_arguments: '{"a":' } }]);
  });
});

// ---------------------------------------------------------------------------------------------
// stream encoder

describe('AnthropicStreamEncoder', () => {
  test("message_start carries the upstream's early usage over the gateway's estimate", () => {
    const enc = new AnthropicStreamEncoder({ model: 'm', inputTokens: 10 });
    // An Anthropic upstream's message_start: 100 input tokens, 20 read from the cache, 5 written to it.
    const early = { id: 'c', object: 'chat.completion.chunk', created: 1, model: 'up', choices: [{ index: 0, delta: { role: 'assistant', content: 'Hi' }, finish_reason: null }], usage: { prompt_tokens: 125, completion_tokens: 0, total_tokens: 125, prompt_tokens_details: { cached_tokens: 20, cache_creation_tokens: 5 } } } as unknown as ChatChunk;
    const frames = parseSse(enc.push(early) + enc.finish());
    const usage = frames[0].data.message.usage;
    expect(usage.input_tokens).not.toBe(10);
    expect(usage.cache_read_input_tokens).toBe(20);
    // Without an early count, the estimate.
    expect(parseSse(new AnthropicStreamEncoder({ model: 'm', inputTokens: 10 }).finish())[0].data.message.usage.input_tokens).toBe(10);
  });

  test("the upstream's usage handed over as a stream step's usage (noteUsage) reaches message_start; the estimate is then never computed", () => {
    let estimated = 0;
    const enc = new AnthropicStreamEncoder({ model: 'm', inputTokens: () => ++estimated * 10 });
    // What the anthropic adapter decodes from message_start {input_tokens:1000, cache_creation_input_tokens:800}.
    enc.noteUsage({ prompt_tokens: 1800, completion_tokens: 1, total_tokens: 1801, cache_write_tokens: 800 });
    const role = { id: 'c', object: 'chat.completion.chunk', created: 1, model: 'up', choices: [{ index: 0, delta: { role: 'assistant', content: 'Hi' }, finish_reason: null }] } as unknown as ChatChunk;
    const usage = parseSse(enc.push(role) + enc.finish())[0].data.message.usage;
    expect(usage).toEqual({ input_tokens: 1000, output_tokens: 0, cache_read_input_tokens: 0, cache_creation_input_tokens: 800 });
    expect(estimated).toBe(0);
    // Without an upstream count, the estimate function answers (once).
    expect(parseSse(new AnthropicStreamEncoder({ model: 'm', inputTokens: () => ++estimated * 10 }).finish())[0].data.message.usage.input_tokens).toBe(10);
    expect(estimated).toBe(1);
  });

  test('text + 2 tool calls produce the exact event sequence', () => {
    const enc = new AnthropicStreamEncoder({ model: 'claude-public', inputTokens: 90 });
    let sse = '';
    for (const c of textAndTwoTools()) sse += enc.push(c);
    sse += enc.finish();
    const frames = parseSse(sse);
    expect(summary(frames)).toEqual([
      'message_start',
      'start 0 text', 'delta 0 text_delta', 'delta 0 text_delta', 'stop 0',
      'start 1 tool_use', 'delta 1 input_json_delta', 'delta 1 input_json_delta', 'stop 1',
      'start 2 tool_use', 'delta 2 input_json_delta', 'stop 2',
      'message_delta', 'message_stop',
    ]);
    assertBalanced(frames);
    expect(frames[0].data.message).toEqual({
      id: 'msg_chatcmpl-1', type: 'message', role: 'assistant', model: 'claude-public', content: [],
      stop_reason: null, stop_sequence: null, usage: { input_tokens: 90, output_tokens: 0, cache_read_input_tokens: 0 },
    });
    expect(frames[1].data.content_block).toEqual({ type: 'text', text: '' });
    expect(frames[2].data.delta).toEqual({ type: 'text_delta', text: 'Let me ' });
    expect(frames[5].data.content_block).toEqual({ type: 'tool_use', id: 'call_a', name: 'get_weather', input: {} });
    expect(frames.slice(6, 8).map((f) => f.data.delta.partial_json).join('')).toBe('{"city":"Paris"}');
    expect(frames[9].data.content_block).toEqual({ type: 'tool_use', id: 'call_b', name: 'get_time', input: {} });
    expect(frames[10].data.delta).toEqual({ type: 'input_json_delta', partial_json: '{"tz":"CET"}' });
    expect(frames[12].data).toEqual({
      type: 'message_delta',
      delta: { stop_reason: 'tool_use', stop_sequence: null },
      usage: { input_tokens: 70, output_tokens: 20, cache_read_input_tokens: 30 },
    });
    expect(enc.done).toBe(true);
    expect(enc.push(chunk({ content: 'late' }))).toBe('');
    expect(enc.finish()).toBe('');
  });

  test('thinking then text; finish(usage) overrides stream usage', () => {
    const enc = new AnthropicStreamEncoder({ model: 'm', id: 'msg_fixed' });
    let sse = enc.push(chunk({ reasoning_content: 'think ' }));
    sse += enc.push(chunk({ reasoning_content: 'more' }));
    sse += enc.push(chunk({ content: 'Answer' }, 'stop'));
    sse += enc.finish({ prompt_tokens: 5, completion_tokens: 7, total_tokens: 12 });
    const frames = parseSse(sse);
    expect(summary(frames)).toEqual([
      'message_start', 'start 0 thinking', 'delta 0 thinking_delta', 'delta 0 thinking_delta', 'stop 0',
      'start 1 text', 'delta 1 text_delta', 'stop 1', 'message_delta', 'message_stop',
    ]);
    expect(frames[0].data.message.id).toBe('msg_fixed');
    expect(frames[1].data.content_block).toEqual({ type: 'thinking', thinking: '', signature: '' });
    expect(frames[8].data.delta.stop_reason).toBe('end_turn');
    expect(frames[8].data.usage).toEqual({ input_tokens: 5, output_tokens: 7, cache_read_input_tokens: 0 });
  });

  test('abrupt finish closes the open block exactly once', () => {
    const enc = new AnthropicStreamEncoder({ model: 'm' });
    let sse = enc.push(chunk({ content: 'partial' }));
    sse += enc.push(chunk({ tool_calls: [{ index: 0, id: 'c1', function: { name: 'f', arguments: '{"a"' } }] }));
    sse += enc.finish();
    const frames = parseSse(sse);
    expect(summary(frames)).toEqual([
      'message_start', 'start 0 text', 'delta 0 text_delta', 'stop 0', 'start 1 tool_use', 'delta 1 input_json_delta', 'stop 1',
      'message_delta', 'message_stop',
    ]);
    assertBalanced(frames);
    expect(frames[7].data.delta.stop_reason).toBe('tool_use');
    expect(frames[7].data.usage).toEqual({ output_tokens: 0 });
  });

  test('finish with no chunk still emits a complete empty message', () => {
    const frames = parseSse(new AnthropicStreamEncoder({ model: 'm' }).finish());
    expect(summary(frames)).toEqual(['message_start', 'message_delta', 'message_stop']);
    expect(frames[0].data.message.id).toMatch(/^msg_/);
    expect(frames[0].data.message.usage.input_tokens).toBe(0);
  });

  test('length finish maps to max_tokens; empty deltas open no block', () => {
    const enc = new AnthropicStreamEncoder({ model: 'm' });
    const sse = enc.push(chunk({ role: 'assistant', content: '' })) + enc.push(chunk({ content: 'x' }, 'length')) + enc.finish();
    const frames = parseSse(sse);
    expect(summary(frames)).toEqual(['message_start', 'start 0 text', 'delta 0 text_delta', 'stop 0', 'message_delta', 'message_stop']);
    expect(frames[4].data.delta.stop_reason).toBe('max_tokens');
  });

  test('fail closes blocks and ends with one error event, no message_stop', () => {
    const enc = new AnthropicStreamEncoder({ model: 'm' });
    let sse = enc.push(chunk({ content: 'half' }));
    sse += enc.fail(new GatewayError({ status: 502, type: 'upstream_error', code: 'upstream_error', message: 'Provider "p" failed', cause: 529 }));
    const frames = parseSse(sse);
    expect(summary(frames)).toEqual(['message_start', 'start 0 text', 'delta 0 text_delta', 'stop 0', 'error']);
    expect(frames[4].data).toEqual({ type: 'error', error: { type: 'overloaded_error', message: 'Provider "p" failed' } });
    expect(enc.finish()).toBe('');
    expect(enc.fail({ status: 500, message: 'again' })).toBe('');
  });

  test('ping frame', () => {
    const enc = new AnthropicStreamEncoder({ model: 'm' });
    expect(enc.ping()).toBe('event: ping\ndata: {"type":"ping"}\n\n');
  });
});

// ---------------------------------------------------------------------------------------------
// errors

describe('anthropic error bodies', () => {
  test('status / type mapping', () => {
    const cases: Array<[number, string, string]> = [
      [400, 'invalid_request_error', 'invalid_request_error'],
      [415, 'invalid_request_error', 'invalid_request_error'],
      [401, 'authentication_error', 'authentication_error'],
      [403, 'permission_error', 'permission_error'],
      [404, 'invalid_request_error', 'not_found_error'],
      [413, 'invalid_request_error', 'request_too_large'],
      [429, 'rate_limit_error', 'rate_limit_error'],
      [429, 'insufficient_quota', 'billing_error'],
      [500, 'api_error', 'api_error'],
      [502, 'upstream_error', 'api_error'],
      [503, 'upstream_error', 'overloaded_error'],
      [504, 'upstream_error', 'timeout_error'],
      [529, 'upstream_error', 'overloaded_error'],
    ];
    for (const [status, type, expected] of cases) {
      expect(anthropicErrorBody(status, type, 'msg')).toEqual({ type: 'error', error: { type: expected as never, message: 'msg' } });
    }
    expect(anthropicErrorBody(401, 'authentication_error', 'no key', 'req_1')).toEqual({ type: 'error', error: { type: 'authentication_error', message: 'no key' }, request_id: 'req_1' });
  });

  test('GatewayError: upstream overload becomes overloaded_error', () => {
    const overloaded = new GatewayError({ status: 502, type: 'upstream_error', code: 'upstream_error', message: 'busy', cause: 503 });
    expect(anthropicErrorFromGateway(overloaded).error.type).toBe('overloaded_error');
    const plain = new GatewayError({ status: 502, type: 'upstream_error', code: 'upstream_invalid_response', message: 'bad' });
    expect(anthropicErrorFromGateway(plain, 'r').error).toEqual({ type: 'api_error', message: 'bad' });
  });
});

// ---------------------------------------------------------------------------------------------
// the real SDK parses our output

describe('@anthropic-ai/sdk accepts the encoder output', () => {
  let server: ReturnType<typeof Bun.serve>;
  let client: Anthropic;
  const seen: Array<Record<string, unknown>> = [];

  beforeAll(() => {
    server = Bun.serve({
      hostname: '127.0.0.1',
      port: 0,
      async fetch(req) {
        const url = new URL(req.url);
        if (req.method !== 'POST' || url.pathname !== '/v1/messages') return new Response('not found', { status: 404 });
        const body = (await req.json()) as Record<string, unknown>;
        seen.push(body);
        const canonical = anthropicToCanonical(body);
        const scenario = canonical.messages.at(-1)?.content;
        if (scenario === 'http-error') {
          return Response.json(anthropicErrorBody(429, 'rate_limit_error', 'slow down', 'req_x'), { status: 429, headers: { 'x-should-retry': 'false' } });
        }
        if (!canonical.stream) {
          const msg = canonicalToAnthropic(response({ role: 'assistant', content: 'plain' }, 'stop', { prompt_tokens: 3, completion_tokens: 1, total_tokens: 4 }), String(body.model));
          return Response.json(msg);
        }
        const enc = new AnthropicStreamEncoder({ model: String(body.model), inputTokens: 42 });
        const chunks = scenario === 'stream-error' ? [chunk({ content: 'half' })] : textAndTwoTools();
        const stream = new ReadableStream<Uint8Array>({
          async start(controller) {
            const te = new TextEncoder();
            for (const c of chunks) {
              const text = enc.push(c);
              if (text) controller.enqueue(te.encode(text));
              await Bun.sleep(1);
            }
            const tail = scenario === 'stream-error' ? enc.fail({ status: 529, message: 'upstream overloaded' }) : enc.finish();
            controller.enqueue(te.encode(tail));
            controller.close();
          },
        });
        return new Response(stream, { headers: { 'content-type': 'text/event-stream' } });
      },
    });
    client = new Anthropic({ baseURL: `http://127.0.0.1:${server.port}`, apiKey: 'x', maxRetries: 0 });
  });
  afterAll(() => server.stop(true));

  test('messages.stream().finalMessage() rebuilds text and both tool calls', async () => {
    const stream = client.messages.stream({ model: 'claude-public', max_tokens: 100, messages: [{ role: 'user', content: 'go' }] });
    let text = '';
    stream.on('text', (t) => { text += t; });
    const final = await stream.finalMessage();
    expect(text).toBe('Let me check.');
    expect(final.model).toBe('claude-public');
    expect(final.stop_reason).toBe('tool_use');
    expect(final.content).toEqual([
      { type: 'text', text: 'Let me check.' },
      { type: 'tool_use', id: 'call_a', name: 'get_weather', input: { city: 'Paris' } },
      { type: 'tool_use', id: 'call_b', name: 'get_time', input: { tz: 'CET' } },
    ] as never);
    expect(final.usage.input_tokens).toBe(70);
    expect(final.usage.output_tokens).toBe(20);
    expect(final.usage.cache_read_input_tokens).toBe(30);
    expect(seen.at(-1)?.stream).toBe(true);
  });

  test('a stream error event surfaces as an APIError with the Anthropic type', async () => {
    const stream = client.messages.stream({ model: 'm', max_tokens: 10, messages: [{ role: 'user', content: 'stream-error' }] });
    let caught: unknown;
    try { await stream.finalMessage(); } catch (e) { caught = e; }
    expect(caught).toBeInstanceOf(Anthropic.APIError);
    expect(JSON.stringify((caught as InstanceType<typeof Anthropic.APIError>).error)).toContain('overloaded_error');
  });

  test('non-stream create() and HTTP error bodies', async () => {
    const msg = await client.messages.create({ model: 'claude-public', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] });
    expect(msg.content).toEqual([{ type: 'text', text: 'plain' }] as never);
    expect(msg.usage.input_tokens).toBe(3);
    let caught: unknown;
    try {
      await client.messages.create({ model: 'm', max_tokens: 10, messages: [{ role: 'user', content: 'http-error' }] });
    } catch (e) { caught = e; }
    expect(caught).toBeInstanceOf(Anthropic.RateLimitError);
    const err = caught as InstanceType<typeof Anthropic.RateLimitError>;
    expect(err.status).toBe(429);
    expect(err.message).toContain('slow down');
  });
});
