// Interleaved thinking (Claude 4; the interleaved-thinking-2025-05-14 beta on older models) through the
// gateway, driven by the real `@anthropic-ai/sdk` (and the `openai` SDK) against the strict Anthropic fake,
// which refuses (400, Anthropic's shape) an assistant turn whose signed blocks are not where it issued them.
// A 3-turn tool loop whose answers are [thinking, tool_use, thinking, tool_use], [thinking, text,
// redacted_thinking, tool_use] and [thinking, text, thinking, text]. Proves: an Anthropic client gets every
// answer's blocks in the upstream's order, non-streamed and streamed (and when the gateway emulates a stream
// from a JSON answer); the history it sends back reaches the upstream block for block as issued, so the loop
// continues; an OpenAI client still gets reasoning_content / content / tool_calls, and the thinking_blocks it
// sends back put the signed blocks back where they were.

import { describe, expect, test } from 'bun:test';
import Anthropic from '@anthropic-ai/sdk';
import type { ContentBlock, MessageParam, MessageStreamEvent, ToolUseBlock } from '@anthropic-ai/sdk/resources/messages';
import type OpenAI from 'openai';
import { fixtureJson, fixtureText } from './fakes/strict-server.ts';
import { ANTHROPIC_TOOLS, type Conformance, OPENAI_TOOLS, TOOL_RESULTS } from './harness.ts';
import { sdkSuite } from './sdk-suite.ts';

let h: Conformance;
let claude: Anthropic;
let openai: OpenAI;
const rejections = sdkSuite((suite) => ({ h, claude, openai } = suite));

const fixture = (name: string) => ({ json: `anthropic/${name}.json`, sse: `anthropic/${name}.sse` });
const contentOf = (name: string) => fixtureJson<{ content: ContentBlock[] }>(`anthropic/${name}.json`).content;
const TOOLS = fixture('interleaved-tools');
const MIXED = fixture('interleaved-mixed');
const ANSWER = fixture('interleaved-answer');
const toolsContent = contentOf('interleaved-tools');
const mixedContent = contentOf('interleaved-mixed');
const answerContent = contentOf('interleaved-answer');
const LONDON = '{"temp_c":12,"sky":"rain"}';
const thinking = { type: 'enabled' as const, budget_tokens: 2048 };
const question: MessageParam[] = [{ role: 'user', content: 'Weather and time in Paris, then the weather in London?' }];
const params = (messages: MessageParam[]) => ({ model: 'claude-chat', max_tokens: 8192, thinking, tools: ANTHROPIC_TOOLS, messages });
const upstreamMessages = () => (h.fakes.anthropic.requests.at(-1)!.body as { messages: MessageParam[] }).messages;
const types = (content: readonly { type: string }[]) => content.map((b) => b.type);

/** The next turn: the assistant content exactly as received, then a tool_result for each of its tool_use blocks. */
function answered(history: MessageParam[], content: ContentBlock[]): MessageParam[] {
  const results = content.filter((b): b is ToolUseBlock => b.type === 'tool_use').map((b) => ({
    type: 'tool_result' as const,
    tool_use_id: b.id,
    content: (b.input as { location?: string }).location === 'London' ? LONDON : TOOL_RESULTS[b.name],
  }));
  return [...history, { role: 'assistant', content }, { role: 'user', content: results }];
}

describe('interleaved thinking, Anthropic surface → Anthropic upstream', () => {
  test('non-streamed 3-turn tool loop: every answer in the upstream\'s block order, history sent back as issued', async () => {
    h.fakes.anthropic.script(TOOLS, MIXED, ANSWER);
    const first = await claude.messages.create(params(question));
    expect(types(first.content)).toEqual(['thinking', 'tool_use', 'thinking', 'tool_use']);
    expect(first.content as unknown).toEqual(toolsContent);

    const turn2 = answered(question, first.content);
    const second = await claude.messages.create(params(turn2));
    expect(upstreamMessages()[1]).toEqual({ role: 'assistant', content: toolsContent });
    expect(types(second.content)).toEqual(['thinking', 'text', 'redacted_thinking', 'tool_use']);
    expect(second.content as unknown).toEqual(mixedContent);

    const third = await claude.messages.create(params(answered(turn2, second.content)));
    expect(upstreamMessages()[1]).toEqual({ role: 'assistant', content: toolsContent });
    expect(upstreamMessages()[3]).toEqual({ role: 'assistant', content: mixedContent });
    expect(types(third.content)).toEqual(['thinking', 'text', 'thinking', 'text']);
    expect(third.content as unknown).toEqual(answerContent);
    expect(third.stop_reason).toBe('end_turn');

    // The finished conversation sent back (a follow-up question): the last answer's text blocks stay split.
    h.fakes.anthropic.script(fixture('conformance-text'));
    const after = answered(turn2, second.content);
    await claude.messages.create(params([...after, { role: 'assistant', content: third.content }, { role: 'user', content: 'Thanks!' }]));
    expect(upstreamMessages()[5]).toEqual({ role: 'assistant', content: answerContent });
  });

  test('streamed 3-turn tool loop: blocks start in the upstream\'s order; finalMessage() history continues the loop', async () => {
    h.fakes.anthropic.script(TOOLS, MIXED, ANSWER);
    const run = async (messages: MessageParam[]) => {
      const stream = claude.messages.stream(params(messages));
      const events: MessageStreamEvent[] = [];
      for await (const e of stream) events.push(e);
      const starts = events.filter((e) => e.type === 'content_block_start').map((e) => (e as { content_block: ContentBlock }).content_block.type);
      return { message: await stream.finalMessage(), starts };
    };
    const first = await run(question);
    expect(first.starts).toEqual(['thinking', 'tool_use', 'thinking', 'tool_use']);
    expect(first.message.content as unknown).toEqual(toolsContent);

    const turn2 = answered(question, first.message.content);
    const second = await run(turn2);
    expect(upstreamMessages()[1].content).toEqual(toolsContent);
    expect(second.starts).toEqual(['thinking', 'text', 'redacted_thinking', 'tool_use']);
    expect(second.message.content as unknown).toEqual(mixedContent);

    const third = await run(answered(turn2, second.message.content));
    expect(upstreamMessages()[1].content).toEqual(toolsContent);
    expect(upstreamMessages()[3].content).toEqual(mixedContent);
    expect(third.starts).toEqual(['thinking', 'text', 'thinking', 'text']);
    expect(third.message.content as unknown).toEqual(answerContent);
  });

  test('a stream request the upstream answers with JSON: the emulated stream keeps the block order', async () => {
    const json = fixtureText('anthropic/interleaved-answer.json');
    h.fakes.anthropic.script({ respond: () => new Response(json, { headers: { 'content-type': 'application/json' } }) });
    const stream = claude.messages.stream(params(question));
    const final = await stream.finalMessage();
    expect(types(final.content)).toEqual(['thinking', 'text', 'thinking', 'text']);
    expect(final.content as unknown).toEqual(answerContent);
  });

  test('the fake refuses (400, Anthropic\'s shape) signed blocks moved from their places; the gateway relays it', async () => {
    h.fakes.anthropic.script(TOOLS);
    const first = await claude.messages.create(params(question));
    const [t1, use1, t2, use2] = first.content;
    const err = await claude.messages.create(params(answered(question, [t1, t2, use1, use2]))).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Anthropic.BadRequestError);
    expect((err as InstanceType<typeof Anthropic.BadRequestError>).error).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } });
    expect(String(h.fakes.anthropic.rejections)).toContain('messages.1.content.1: `thinking` or `redacted_thinking` blocks in the latest assistant message cannot be modified');
    rejections.expect(1);
  });
});

describe('interleaved thinking, OpenAI surface → Anthropic upstream', () => {
  test('reasoning_content, content and tool_calls as before; thinking_blocks sent back go back where they were', async () => {
    h.fakes.anthropic.script(TOOLS, MIXED);
    const messages: OpenAI.ChatCompletionMessageParam[] = [{ role: 'user', content: 'Weather and time in Paris, then the weather in London?' }];
    const first = await openai.chat.completions.create({ model: 'claude-chat', reasoning_effort: 'medium', tools: OPENAI_TOOLS, messages });
    const message = first.choices[0].message as OpenAI.ChatCompletionMessage & { reasoning_content?: string; thinking_blocks?: unknown[] };
    const [t1, , t2] = toolsContent as Array<{ thinking: string; signature: string }>;
    expect(message.content).toBeNull();
    expect(message.reasoning_content).toBe(t1.thinking + t2.thinking);
    expect(message.tool_calls!.map((c) => (c as OpenAI.ChatCompletionMessageFunctionToolCall).function.name)).toEqual(['get_weather', 'get_time']);
    expect(message.thinking_blocks).toEqual([{ ...t1 }, { ...t2, tool_offset: 1 }]);

    const results = message.tool_calls!.map((c) => ({ role: 'tool' as const, tool_call_id: c.id, content: TOOL_RESULTS[(c as OpenAI.ChatCompletionMessageFunctionToolCall).function.name] }));
    const second = await openai.chat.completions.create({
      model: 'claude-chat', reasoning_effort: 'medium', tools: OPENAI_TOOLS,
      messages: [...messages, message as OpenAI.ChatCompletionAssistantMessageParam, ...results],
    });
    expect(upstreamMessages()[1]).toEqual({ role: 'assistant', content: toolsContent });
    const answer = second.choices[0].message as OpenAI.ChatCompletionMessage & { thinking_blocks?: unknown[] };
    expect(answer.content).toBe('Paris: 18°C and sunny, 14:05.');
    expect(answer.thinking_blocks).toEqual([mixedContent[0], { ...mixedContent[2], text_offset: 'Paris: 18°C and sunny, 14:05.'.length }]);
  });
});
