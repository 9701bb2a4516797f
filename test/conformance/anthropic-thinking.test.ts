// Extended thinking, tool errors and overload through the gateway, driven by the real `@anthropic-ai/sdk`
// (and the `openai` SDK for the OpenAI surface) against strict fake upstreams. The Anthropic fake enforces
// what Anthropic does: thinking blocks sent back must be ones it issued, unmodified, and with thinking on,
// the assistant turn a tool loop continues must start with its signed thinking (else a 400 in Anthropic's
// error shape; a turn with no signed thinking at all: anthropic-request-features.test.ts). Proves:
// `thinking` reaches the upstream unchanged; thinking and redacted_thinking come back
// with signature / data, in order, plain and streamed; a two-turn tool loop with signed thinking continues;
// the same conversation on a non-Anthropic upstream carries none of it; tool_result is_error keeps its
// flag for Anthropic; an upstream 529 is 529 overloaded_error on the Anthropic surface, 503
// upstream_overloaded on the OpenAI one, and still fails over.

import { describe, expect, test } from 'bun:test';
import Anthropic from '@anthropic-ai/sdk';
import type { ContentBlock, MessageParam, MessageStreamEvent, ToolUseBlock } from '@anthropic-ai/sdk/resources/messages';
import OpenAI from 'openai';
import { fixtureJson } from './fakes/strict-server.ts';
import { ANTHROPIC_TOOLS, type Conformance, OPENAI_TOOLS, TARGETS, TOOL_RESULTS, turn } from './harness.ts';
import { sdkSuite } from './sdk-suite.ts';

let h: Conformance;
let claude: Anthropic;
let openai: OpenAI;
const rejections = sdkSuite((suite) => ({ h, claude, openai } = suite));

const THINK_TOOLS = { json: 'anthropic/thinking-tools.json', sse: 'anthropic/thinking-tools.sse' };
const THINK_ANSWER = { json: 'anthropic/thinking-answer.json', sse: 'anthropic/thinking-answer.sse' };
const toolsContent = fixtureJson<{ content: ContentBlock[] }>('anthropic/thinking-tools.json').content;
const answerContent = fixtureJson<{ content: ContentBlock[] }>('anthropic/thinking-answer.json').content;
const thinking = { type: 'enabled' as const, budget_tokens: 2048 };
const question: MessageParam[] = [{ role: 'user', content: 'What is the weather in Paris?' }];
const anthropicBody = (i = -1) => h.fakes.anthropic.requests.at(i)!.body as Record<string, any>;
const openaiBody = () => h.fakes.openai.requests.at(-1)!.body as Record<string, any>;

/** The follow-up turn: the assistant content exactly as received, then the tool result. */
function followUp(content: ContentBlock[]): MessageParam[] {
  const use = content.find((b): b is ToolUseBlock => b.type === 'tool_use')!;
  return [...question, { role: 'assistant', content }, { role: 'user', content: [{ type: 'tool_result', tool_use_id: use.id, content: TOOL_RESULTS.get_weather }] }];
}

describe('extended thinking → Anthropic upstream', () => {
  test('every thinking type reaches the upstream unchanged (and wins over the gateway\'s own mapping)', async () => {
    const configs = [
      { type: 'enabled', budget_tokens: 4096, display: 'omitted' },
      // {type:"adaptive"} needs Claude 4.6+ (this model is 4.5): anthropic-request-features.test.ts.
      { type: 'disabled' },
    ] as const;
    for (const config of configs) {
      h.fakes.anthropic.script(turn(TARGETS[1], 'text'));
      // temperature is what Claude Code sends; this SDK version's types no longer list it.
      const params = { model: 'claude-chat', max_tokens: 8192, temperature: 1, thinking: config, messages: question };
      await claude.messages.create(params as unknown as Anthropic.MessageCreateParamsNonStreaming);
      const body = anthropicBody();
      expect(body.thinking).toEqual(config);
      // The client's max_tokens and temperature, untouched.
      expect([body.max_tokens, body.temperature]).toEqual([8192, 1]);
    }
  });

  test('plain two-turn tool loop: signed thinking and redacted_thinking come back whole, go back first and unchanged', async () => {
    h.fakes.anthropic.script(THINK_TOOLS, THINK_ANSWER);
    const first = await claude.messages.create({ model: 'claude-chat', max_tokens: 8192, thinking, tools: ANTHROPIC_TOOLS, messages: question });
    expect(first.content as unknown).toEqual(toolsContent);
    expect(first.stop_reason).toBe('tool_use');

    const second = await claude.messages.create({ model: 'claude-chat', max_tokens: 8192, thinking, tools: ANTHROPIC_TOOLS, messages: followUp(first.content) });
    expect(second.content as unknown).toEqual(answerContent);
    // The upstream got the assistant turn exactly as it issued it: thinking, redacted_thinking, text, tool_use.
    expect(anthropicBody().messages[1]).toEqual({ role: 'assistant', content: toolsContent });
    expect(anthropicBody().messages[2].content[0]).toEqual({ type: 'tool_result', tool_use_id: 'toolu_01ThinkWeather', content: TOOL_RESULTS.get_weather });

    // The same conversation continued on an OpenAI-compatible model: none of it reaches that (strict) upstream.
    h.fakes.openai.script(turn(TARGETS[0], 'answer'));
    const elsewhere = await claude.messages.create({ model: 'oa-chat', max_tokens: 512, thinking, tools: ANTHROPIC_TOOLS, messages: followUp(first.content) });
    expect(elsewhere.content[0].type).toBe('text');
    const sent = JSON.stringify(openaiBody());
    for (const word of ['thinking', 'signature', 'redacted']) expect(sent).not.toContain(word);
    expect(openaiBody().messages[1]).toMatchObject({ role: 'assistant', content: 'Let me check.' });
  });

  test('streamed two-turn tool loop: thinking_delta, signature_delta, redacted_thinking block; finalMessage() continues the loop', async () => {
    h.fakes.anthropic.script(THINK_TOOLS, THINK_ANSWER);
    const stream = claude.messages.stream({ model: 'claude-chat', max_tokens: 8192, thinking, tools: ANTHROPIC_TOOLS, messages: question });
    const events: MessageStreamEvent[] = [];
    for await (const e of stream) events.push(e);
    const first = await stream.finalMessage();
    expect(first.content as unknown).toEqual(toolsContent);

    const blocks = events.filter((e) => e.type === 'content_block_start').map((e) => (e as { content_block: ContentBlock }).content_block.type);
    expect(blocks).toEqual(['thinking', 'redacted_thinking', 'text', 'tool_use']);
    const onBlock0 = events.filter((e) => 'index' in e && e.index === 0).map((e) => (e.type === 'content_block_delta' ? e.delta.type : e.type));
    expect(onBlock0).toEqual(['content_block_start', 'thinking_delta', 'thinking_delta', 'signature_delta', 'content_block_stop']);
    const redacted = events.find((e) => e.type === 'content_block_start' && e.index === 1) as { content_block: ContentBlock };
    expect(redacted.content_block).toEqual(toolsContent[1]);

    const answer = claude.messages.stream({ model: 'claude-chat', max_tokens: 8192, thinking, tools: ANTHROPIC_TOOLS, messages: followUp(first.content) });
    expect((await answer.finalMessage()).content as unknown).toEqual(answerContent);
    expect(anthropicBody().messages[1].content).toEqual(toolsContent);
  });

  test('the fake refuses (400, Anthropic\'s shape) a follow-up with edited signed thinking; the gateway relays it', async () => {
    h.fakes.anthropic.script(THINK_TOOLS, THINK_ANSWER);
    const first = await claude.messages.create({ model: 'claude-chat', max_tokens: 8192, thinking, tools: ANTHROPIC_TOOLS, messages: question });
    const tampered = first.content.map((b) => (b.type === 'thinking' ? { ...b, thinking: `${b.thinking} (edited)` } : b));
    const err = await claude.messages.create({ model: 'claude-chat', max_tokens: 8192, thinking, tools: ANTHROPIC_TOOLS, messages: followUp(tampered) }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Anthropic.BadRequestError);
    expect((err as InstanceType<typeof Anthropic.BadRequestError>).error).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } });
    expect(String(h.fakes.anthropic.rejections)).toContain('Invalid `signature`');
    rejections.expect(1);
  });

  test('OpenAI surface: reasoning_content and thinking_blocks on the message; sent back, a reasoning_effort tool loop keeps thinking on', async () => {
    h.fakes.anthropic.script(THINK_TOOLS, THINK_ANSWER);
    const messages: OpenAI.ChatCompletionMessageParam[] = [{ role: 'user', content: 'What is the weather in Paris?' }];
    const first = await openai.chat.completions.create({ model: 'claude-chat', reasoning_effort: 'medium', tools: OPENAI_TOOLS, messages });
    const message = first.choices[0].message as OpenAI.ChatCompletionMessage & { reasoning_content?: string; thinking_blocks?: unknown[] };
    expect(message.reasoning_content).toBe((toolsContent[0] as { thinking: string }).thinking);
    expect(message.thinking_blocks).toEqual([toolsContent[0], toolsContent[1]]);
    const call = message.tool_calls![0] as OpenAI.ChatCompletionMessageFunctionToolCall;
    const second = await openai.chat.completions.create({
      model: 'claude-chat', reasoning_effort: 'medium', tools: OPENAI_TOOLS,
      messages: [...messages, message as OpenAI.ChatCompletionAssistantMessageParam, { role: 'tool', tool_call_id: call.id, content: TOOL_RESULTS.get_weather }],
    });
    expect(second.choices[0].message.content).toBe('It is 18°C and sunny in Paris.');
    expect(anthropicBody().thinking).toEqual({ type: 'enabled', budget_tokens: 4096 });
    expect(anthropicBody().messages[1].content.slice(0, 2)).toEqual([toolsContent[0], toolsContent[1]]);
  });
});

describe('tool_result is_error', () => {
  const failed = (id: string, content: ContentBlock[]): MessageParam[] => [
    ...question, { role: 'assistant', content },
    { role: 'user', content: [{ type: 'tool_result', tool_use_id: id, content: 'city not found', is_error: true }] },
  ];
  const uses: ContentBlock[] = [{ type: 'tool_use', id: 'toolu_01Err', name: 'get_weather', input: { location: 'Atlantis' } } as ContentBlock];

  test('reaches Anthropic as is_error: true with the tool\'s own text, an OpenAI-compatible upstream as "Error: " text', async () => {
    h.fakes.anthropic.script(turn(TARGETS[1], 'answer'));
    await claude.messages.create({ model: 'claude-chat', max_tokens: 256, tools: ANTHROPIC_TOOLS, messages: failed('toolu_01Err', uses) });
    expect(anthropicBody().messages[2].content).toEqual([{ type: 'tool_result', tool_use_id: 'toolu_01Err', content: 'city not found', is_error: true }]);

    h.fakes.openai.script(turn(TARGETS[0], 'answer'));
    await claude.messages.create({ model: 'oa-chat', max_tokens: 256, tools: ANTHROPIC_TOOLS, messages: failed('toolu_01Err', uses) });
    expect(openaiBody().messages.at(-1)).toEqual({ role: 'tool', tool_call_id: 'toolu_01Err', content: 'Error: city not found' });
  });
});

describe('upstream 529 overloaded_error', () => {
  const overloaded = { json: 'anthropic/error-overloaded.json', status: 529 };

  test('final failure: Anthropic surface answers 529 overloaded_error, OpenAI surface 503 upstream_overloaded; a 529 still fails over', async () => {
    h.fakes.anthropic.script(overloaded, overloaded);
    const err = await claude.messages.create({ model: 'claude-chat', max_tokens: 64, messages: question }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Anthropic.APIError);
    expect((err as InstanceType<typeof Anthropic.APIError>).status).toBe(529);
    expect((err as InstanceType<typeof Anthropic.APIError>).error).toMatchObject({ type: 'error', error: { type: 'overloaded_error' } });

    h.fakes.anthropic.script(overloaded, overloaded);
    const oaErr = await openai.chat.completions.create({ model: 'claude-chat', messages: [{ role: 'user', content: 'hi' }] }).catch((e: unknown) => e);
    expect(oaErr).toBeInstanceOf(OpenAI.APIError);
    expect((oaErr as InstanceType<typeof OpenAI.APIError>).status).toBe(503);
    expect((oaErr as InstanceType<typeof OpenAI.APIError>).code).toBe('upstream_overloaded');
    expect(JSON.stringify((oaErr as InstanceType<typeof OpenAI.APIError>).error)).not.toContain(h.fakes.anthropic.url);

    h.reset();
    h.fakes.anthropic.script(overloaded);
    h.fakes.openai.script(turn(TARGETS[0], 'text'));
    const msg = await claude.messages.create({ model: 'fo-claude', max_tokens: 64, messages: question });
    expect(msg.content[0].type).toBe('text');
    expect(h.fakes.anthropic.requests).toHaveLength(1);
    expect(h.fakes.openai.requests).toHaveLength(1);
  });
});
