// Anthropic adapter, interleaved thinking in history: an assistant turn's signed thinking_blocks go back at
// the places their text_offset / tool_offset record (src/contracts/thinking.ts), cutting the turn's text where
// a thinking block sat inside it, keeping cache_control on the piece that ends its part, never losing a block
// when the offsets no longer fit, and refusing malformed offsets with a 400 naming the entry.

import { describe, expect, test } from 'bun:test';
import adapter from '../../adapters/anthropic/index.ts';
import { adapterHarness } from '../helpers/adapter-harness.ts';

const { provider, build, catchError } = adapterHarness(adapter, { fixtures: 'anthropic', provider: { name: 'claude', baseUrl: '', apiKey: 'sk-ant-api03-KEY' }, upstreamModel: 'claude-sonnet-4-5', streamBody: {} });

const t1 = { type: 'thinking', thinking: 'first', signature: 'SigOne' };
const t2 = { type: 'thinking', thinking: 'second', signature: 'SigTwo' };
const redacted = { type: 'redacted_thinking', data: 'RedactedData' };
const call = (id: string, name: string) => ({ id, type: 'function', function: { name, arguments: '{"location":"Paris"}' } });
const use = (id: string, name: string) => ({ type: 'tool_use', id, name, input: { location: 'Paris' } });

/** The assistant turn the adapter sends for one canonical assistant message. */
function sent(assistant: Record<string, unknown>): unknown {
  const calls = (assistant.tool_calls ?? []) as Array<{ id: string }>;
  const results = calls.map((c) => ({ role: 'tool', tool_call_id: c.id, content: 'ok' }));
  const { body } = build({ model: 'm', messages: [{ role: 'user', content: 'Hi' }, { role: 'assistant', ...assistant }, ...results] });
  return (body.messages as Array<{ content: unknown }>)[1].content;
}

describe('anthropic adapter: interleaved thinking in history', () => {
  test('[thinking, text, tool_use, thinking, text, tool_use] and [thinking, redacted, tool_use, thinking, tool_use] come back as they were', () => {
    expect(sent({
      content: 'AB',
      tool_calls: [call('toolu_1', 'get_weather'), call('toolu_2', 'get_time')],
      thinking_blocks: [t1, { ...t2, text_offset: 1, tool_offset: 1 }],
    })).toEqual([t1, { type: 'text', text: 'A' }, use('toolu_1', 'get_weather'), t2, { type: 'text', text: 'B' }, use('toolu_2', 'get_time')]);
    expect(sent({
      content: null,
      tool_calls: [call('toolu_1', 'get_weather'), call('toolu_2', 'get_time')],
      thinking_blocks: [t1, redacted, { ...t2, tool_offset: 1 }],
    })).toEqual([t1, redacted, use('toolu_1', 'get_weather'), t2, use('toolu_2', 'get_time')]);
  });

  test('text parts are cut at the offsets; cache_control stays on the piece that ends its part', () => {
    const cc = { type: 'ephemeral' };
    expect(sent({
      content: [{ type: 'text', text: 'Paris: ', cache_control: cc }, { type: 'text', text: 'sunny.' }],
      thinking_blocks: [t1, { ...t2, text_offset: 3 }],
    })).toEqual([t1, { type: 'text', text: 'Par' }, t2, { type: 'text', text: 'is: ', cache_control: cc }, { type: 'text', text: 'sunny.' }]);
  });

  test('offsets that no longer fit the turn (text edited, calls removed) are clamped: every block still goes', () => {
    expect(sent({
      content: 'short',
      tool_calls: [call('toolu_1', 'get_weather')],
      thinking_blocks: [{ ...t1, text_offset: 99, tool_offset: 7 }, { ...t2, text_offset: 2 }],
    })).toEqual([{ type: 'text', text: 'short' }, use('toolu_1', 'get_weather'), t1, t2]);
  });

  test('a malformed offset is a 400 naming the entry', () => {
    for (const bad of [-1, 1.5, '2']) {
      const err = catchError(() => build({ model: 'm', messages: [{ role: 'user', content: 'Hi' }, { role: 'assistant', content: 'x', thinking_blocks: [t1, { ...t2, text_offset: bad }] }] }, provider()));
      expect(err.status).toBe(400);
      expect(err.param).toBe('messages[1].thinking_blocks[1]');
    }
  });
});

test('walkTurn: offsets that are not numbers (from an upstream answer) count as 0, so no block is dropped', async () => {
  const { walkTurn } = await import('../../src/contracts/thinking.ts');
  const seen: string[] = [];
  const blocks = [{ ...t1, tool_offset: 'x' as unknown as number }, { ...t2, text_offset: Number.NaN, tool_offset: 1 }] as never;
  walkTurn(blocks, 5, 2, { text: (a, b) => seen.push(`text ${a}-${b}`), tools: (a, b) => seen.push(`tools ${a}-${b}`), thinking: (b) => seen.push(b.type) });
  expect(seen).toEqual(['thinking', 'tools 0-1', 'thinking', 'text 0-5', 'tools 1-2']);
});
