// What Claude Code / Codex-style clients need from an Anthropic upstream, driven by the real
// `@anthropic-ai/sdk` and `openai` SDKs against the strict fakes (test/conformance/fakes/anthropic.ts
// enforces beta gating, model-gated thinking types and the signed-thinking rule of tool loops):
// - the client's `anthropic-beta` reaches Anthropic (merged with the operator's), bounded, never elsewhere;
// - Anthropic-only body fields (context_management, output_config, service_tier, top_k) reach Anthropic
//   unchanged and never reach an OpenAI upstream;
// - a Claude client's `thinking` is left out of a tool-loop step whose last assistant turn has no signed
//   thinking (a non-Anthropic target answered it), with the clear_thinking edit that needs it;
// - reasoning_effort / Responses reasoning.effort become adaptive thinking + output_config.effort on Claude
//   4.6+ (4.7 refuses budgets), a thinking budget on older models, per the `effort_thinking` option.

import { afterAll, afterEach, beforeAll, describe, expect, test } from 'bun:test';
import Anthropic from '@anthropic-ai/sdk';
import type { MessageParam, ToolUseBlock } from '@anthropic-ai/sdk/resources/messages';
import OpenAI from 'openai';
import { TEST_KEY, config, startTestGateway, type TestGateway } from '../helpers/gateway.ts';
import { type AnthropicFake, startAnthropicFake } from './fakes/anthropic.ts';
import { startOpenAIFake } from './fakes/openai-chat.ts';
import type { StrictFake } from './fakes/strict-server.ts';
import { ANTHROPIC_TOOLS, KEYS, TARGETS, TOOL_RESULTS, turn } from './harness.ts';

let gw: TestGateway;
let fake: AnthropicFake;
let oa: StrictFake;
let claude: Anthropic;
let openai: OpenAI;

beforeAll(async () => {
  fake = startAnthropicFake({ apiKey: KEYS.anthropic, clientKey: TEST_KEY });
  oa = startOpenAIFake({ apiKey: KEYS.openai, clientKey: TEST_KEY, models: ['gpt-4o'] });
  gw = await startTestGateway(config(`
providers:
  claude:
    adapter: anthropic
    base_url: ${fake.url}
    api_key: ${KEYS.anthropic}
    models: { claude-chat: claude-sonnet-4-5, opus47: claude-opus-4-7, opus46: claude-opus-4-6 }
  claude-ops:
    adapter: anthropic
    base_url: ${fake.url}
    api_key: ${KEYS.anthropic}
    headers: { anthropic-beta: "context-1m-2025-08-07" }
    effort_thinking: { claude-opus-4-6: budget }
    models: { ops-chat: claude-sonnet-4-5, ops46: claude-opus-4-6 }
  claude-costly:
    adapter: anthropic
    base_url: ${fake.url}
    api_key: ${KEYS.anthropic}
    forward_costly_anthropic_options: true
    models: { costly-chat: claude-sonnet-4-5 }
  claude-own-betas:
    adapter: anthropic
    base_url: ${fake.url}
    api_key: ${KEYS.anthropic}
    forward_anthropic_beta: false
    models: { own-chat: claude-sonnet-4-5 }
  oa:
    adapter: openai
    base_url: ${oa.url}/v1
    api_key: ${KEYS.openai}
    models: { oa-chat: gpt-4o }
`));
  claude = new Anthropic({ apiKey: TEST_KEY, baseURL: gw.url, maxRetries: 0 });
  openai = new OpenAI({ apiKey: TEST_KEY, baseURL: `${gw.url}/v1`, maxRetries: 0 });
});
afterAll(async () => {
  await gw.stop();
  fake.stop();
  oa.stop();
});

let expectedRejections = 0;
afterEach(() => {
  const rejected = [...fake.rejections, ...oa.rejections];
  fake.reset();
  oa.reset();
  expect(rejected).toHaveLength(expectedRejections);
  expectedRejections = 0;
});

const question: MessageParam[] = [{ role: 'user', content: 'What is the weather in Paris?' }];
const last = () => fake.requests.at(-1)!;
const lastBody = () => last().body as Record<string, unknown>;
type Params = Anthropic.MessageCreateParamsNonStreaming;

describe('anthropic-beta and Anthropic-only fields', () => {
  test('interleaved thinking: the beta reaches Anthropic, so a budget above max_tokens is accepted', async () => {
    const params = { model: 'claude-chat', max_tokens: 16000, thinking: { type: 'enabled', budget_tokens: 63999 }, messages: question } as Params;
    const answer = await claude.messages.create(params, { headers: { 'anthropic-beta': 'claude-code-20250219, interleaved-thinking-2025-05-14 ,fine-grained-tool-streaming-2025-05-14' } });
    expect(answer.type).toBe('message');
    expect(last().headers.get('anthropic-beta')).toBe('claude-code-20250219,interleaved-thinking-2025-05-14,fine-grained-tool-streaming-2025-05-14');
  });

  test('context_management, output_config, service_tier and top_k reach Anthropic unchanged, and never an OpenAI upstream', async () => {
    const extra = {
      context_management: { edits: [{ type: 'clear_tool_uses_20250919', keep: { type: 'tool_uses', value: 3 } }] },
      output_config: { effort: 'low' },
      service_tier: 'auto',
      top_k: 40,
    };
    const params = { max_tokens: 3000, thinking: { type: 'adaptive' }, messages: question, betas: ['context-management-2025-06-27'], ...extra };
    await claude.beta.messages.create({ ...params, model: 'opus47' } as never);
    // service_tier makes Anthropic bill more than the model's price: dropped unless the provider allows it.
    const { service_tier: _tier, ...priced } = extra;
    expect(lastBody()).toMatchObject({ ...priced, thinking: { type: 'adaptive' }, model: 'claude-opus-4-7' });
    expect(lastBody().service_tier).toBeUndefined();
    expect(last().headers.get('anthropic-beta')).toBe('context-management-2025-06-27');
    // The same request on an OpenAI upstream: the strict fake refuses unknown fields, so none are sent.
    oa.script(turn(TARGETS[0], 'text'));
    await claude.beta.messages.create({ ...params, model: 'oa-chat' } as never);
    const sent = oa.requests.at(-1)!;
    expect(Object.keys(sent.body as object).filter((k) => k.startsWith('anthropic') || k in extra)).toEqual([]);
    expect(sent.headers.get('anthropic-beta')).toBeNull();
  });

  test('a client\'s costly options (service_tier, speed, context-1m and fast-mode betas) go only to a provider with forward_costly_anthropic_options', async () => {
    const costly = { max_tokens: 100, messages: question, service_tier: 'auto', speed: 'fast' };
    const betas = { headers: { 'anthropic-beta': 'context-1m-2025-08-07,interleaved-thinking-2025-05-14,fast-mode-2026-02-01' } };
    await claude.messages.create({ ...costly, model: 'claude-chat' } as never, betas);
    expect(lastBody().service_tier).toBeUndefined();
    expect(lastBody().speed).toBeUndefined();
    expect(last().headers.get('anthropic-beta')).toBe('interleaved-thinking-2025-05-14');
    await claude.messages.create({ ...costly, model: 'costly-chat' } as never, betas);
    expect(lastBody()).toMatchObject({ service_tier: 'auto', speed: 'fast' });
    expect(last().headers.get('anthropic-beta')).toBe('context-1m-2025-08-07,interleaved-thinking-2025-05-14,fast-mode-2026-02-01');
  });

  test('the operator\'s betas come first and the client\'s are added; forward_anthropic_beta: false keeps only the operator\'s', async () => {
    await claude.messages.create({ model: 'ops-chat', max_tokens: 100, messages: question }, { headers: { 'anthropic-beta': 'interleaved-thinking-2025-05-14,context-1m-2025-08-07' } });
    expect(last().headers.get('anthropic-beta')).toBe('context-1m-2025-08-07,interleaved-thinking-2025-05-14');
    await claude.messages.create({ model: 'ops-chat', max_tokens: 100, messages: question });
    expect(last().headers.get('anthropic-beta')).toBe('context-1m-2025-08-07');
    await claude.messages.create({ model: 'own-chat', max_tokens: 100, messages: question }, { headers: { 'anthropic-beta': 'interleaved-thinking-2025-05-14' } });
    expect(last().headers.get('anthropic-beta')).toBeNull();
  });

  test('a malformed or oversized anthropic-beta is a 400 naming the header, and nothing is sent upstream', async () => {
    for (const beta of ['interleaved-thinking-2025-05-14,"x"', 'a;b=c', `${'x'.repeat(60)},`.repeat(40)]) {
      const err = await claude.messages.create({ model: 'claude-chat', max_tokens: 100, messages: question }, { headers: { 'anthropic-beta': beta } }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(Anthropic.BadRequestError);
      expect((err as InstanceType<typeof Anthropic.BadRequestError>).message).toContain('anthropic-beta');
    }
    expect(fake.requests).toHaveLength(0);
  });
});

describe('a Claude client\'s thinking after a step a non-Anthropic target answered', () => {
  test('the tool loop continues on Claude with thinking left out of that one request, then thinks again', async () => {
    const thinking = { type: 'enabled' as const, budget_tokens: 2048 };
    const betas = { 'anthropic-beta': 'context-management-2025-06-27' };
    const context_management = { edits: [{ type: 'clear_thinking_20251015' }, { type: 'clear_tool_uses_20250919' }] };
    // Step 1 (e.g. a fallback or /model switch): an OpenAI model calls the tool; its answer has no signed thinking.
    oa.script(turn(TARGETS[0], 'tools'));
    const first = await claude.messages.create({ model: 'oa-chat', max_tokens: 8192, thinking, tools: ANTHROPIC_TOOLS, messages: question });
    const uses = first.content.filter((b): b is ToolUseBlock => b.type === 'tool_use');
    const followUp: MessageParam[] = [
      ...question,
      { role: 'assistant', content: [{ type: 'thinking', thinking: 'Let me look it up.', signature: '' }, ...first.content] as never },
      { role: 'user', content: uses.map((u) => ({ type: 'tool_result' as const, tool_use_id: u.id, content: TOOL_RESULTS[u.name] })) },
    ];
    // Step 2 on Claude: Anthropic would refuse `thinking` here (the fake does); the gateway leaves it out.
    fake.script(turn(TARGETS[1], 'answer'));
    const second = await claude.messages.create({ model: 'claude-chat', max_tokens: 8192, thinking, tools: ANTHROPIC_TOOLS, messages: followUp, context_management } as Params, { headers: betas });
    expect(second.stop_reason).toBe('end_turn');
    expect(lastBody().thinking).toBeUndefined();
    expect(lastBody().context_management).toEqual({ edits: [{ type: 'clear_tool_uses_20250919' }] });
    // A new user turn closes the loop: thinking is on again.
    const third = [...followUp, { role: 'assistant', content: second.content } as MessageParam, { role: 'user', content: 'And tomorrow?' } as MessageParam];
    await claude.messages.create({ model: 'claude-chat', max_tokens: 8192, thinking, tools: ANTHROPIC_TOOLS, messages: third });
    expect(lastBody().thinking).toEqual(thinking);
  });
});

describe('reasoning effort on Claude', () => {
  test('Claude 4.7: adaptive thinking with output_config.effort (OpenAI chat and Responses), never a budget', async () => {
    const chat = await openai.chat.completions.create({ model: 'opus47', reasoning_effort: 'medium', messages: [{ role: 'user', content: 'hi' }] });
    expect(chat.choices[0].message.content).toBeTruthy();
    expect(lastBody()).toMatchObject({ thinking: { type: 'adaptive' }, output_config: { effort: 'medium' }, max_tokens: 8192 });
    const response = await openai.responses.create({ model: 'opus47', input: 'hi', reasoning: { effort: 'high' } });
    expect(response.status).toBe('completed');
    expect(lastBody()).toMatchObject({ thinking: { type: 'adaptive' }, output_config: { effort: 'high' } });
  });

  test('each effort maps by model: xhigh is xhigh on 4.7, max on 4.6, a 32k budget on 4.5; minimal is low', async () => {
    const cases: Array<[model: string, effort: string, expected: Record<string, unknown>]> = [
      ['opus47', 'xhigh', { thinking: { type: 'adaptive' }, output_config: { effort: 'xhigh' } }],
      ['opus46', 'xhigh', { thinking: { type: 'adaptive' }, output_config: { effort: 'max' } }],
      ['opus47', 'minimal', { thinking: { type: 'adaptive' }, output_config: { effort: 'low' } }],
      ['claude-chat', 'xhigh', { thinking: { type: 'enabled', budget_tokens: 32768 }, max_tokens: 36864 }],
      ['claude-chat', 'high', { thinking: { type: 'enabled', budget_tokens: 16384 } }],
      // effort_thinking: { claude-opus-4-6: budget } on this provider.
      ['ops46', 'low', { thinking: { type: 'enabled', budget_tokens: 1024 } }],
    ];
    for (const [model, effort, expected] of cases) {
      await openai.chat.completions.create({ model, reasoning_effort: effort as never, messages: [{ role: 'user', content: 'hi' }] });
      expect(lastBody()).toMatchObject(expected);
      if ((expected.thinking as { type: string }).type === 'enabled') expect(lastBody().output_config).toBeUndefined();
    }
  });
});
