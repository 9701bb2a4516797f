// Overload and early usage through the gateway, driven by the real `@anthropic-ai/sdk` and `openai` SDKs
// against the strict fake Anthropic (and OpenAI) upstreams.
// - A circuit opened by a run of upstream 529 overloaded_error answers keeps answering in the overload shape
//   while it is open (529 overloaded_error on the Anthropic surface, 503 upstream_overloaded on the OpenAI
//   one, with a Retry-After), so Claude Code's overload handling (529 retries, its fallback model) keeps
//   triggering; a circuit whose opening failure was anything else answers 502 "circuit open" as before.
// - A streamed answer's message_start carries the Anthropic upstream's own input count (with its cache
//   counts) that arrived before the first content; without one, the estimate counts system, messages and
//   tools exactly as count_tokens does.

import { afterAll, afterEach, beforeAll, describe, expect, test } from 'bun:test';
import Anthropic from '@anthropic-ai/sdk';
import type { MessageStreamEvent } from '@anthropic-ai/sdk/resources/messages';
import OpenAI from 'openai';
import { TEST_KEY, type TestGateway, config, startTestGateway } from '../helpers/gateway.ts';
import { type AnthropicFake, startAnthropicFake } from './fakes/anthropic.ts';
import { startOpenAIFake } from './fakes/openai-chat.ts';
import type { StrictFake } from './fakes/strict-server.ts';
import { ANTHROPIC_TOOLS, KEYS, TARGETS, turn } from './harness.ts';

let anthropicFake: AnthropicFake;
let openaiFake: StrictFake;
let gw: TestGateway;
let claude: Anthropic;
let openai: OpenAI;

const FAILURES = 3;

beforeAll(async () => {
  anthropicFake = startAnthropicFake({ apiKey: KEYS.anthropic, clientKey: TEST_KEY });
  openaiFake = startOpenAIFake({ apiKey: KEYS.openai, clientKey: TEST_KEY, models: ['gpt-4o'] });
  // One provider per scenario, so each has breakers of its own.
  const provider = (name: string, model: string) => `
  ${name}:
    adapter: anthropic
    base_url: ${anthropicFake.url}
    api_key: ${KEYS.anthropic}
    models: { ${model}: claude-sonnet-4-5 }`;
  gw = await startTestGateway(config(`
providers:${provider('busy', 'claude-busy')}${provider('busy2', 'claude-overload2')}${provider('busy3', 'claude-overload3')}${provider('broken', 'claude-broken')}${provider('mixed', 'claude-mixed')}${provider('claude', 'claude-chat')}
  oa:
    adapter: openai
    base_url: ${openaiFake.url}/v1
    api_key: ${KEYS.openai}
    models: { oa-chat: gpt-4o }
models:
  pair-overload: { targets: [{ provider: busy2, model: claude-sonnet-4-5 }, { provider: busy3, model: claude-sonnet-4-5 }] }
  pair-mixed: { targets: [{ provider: busy2, model: claude-sonnet-4-5 }, { provider: broken, model: claude-sonnet-4-5 }] }
routing:
  retry: { attempts: 0 }
  circuit_breaker: { failures: ${FAILURES}, cooldown_ms: 30000 }
`));
  claude = new Anthropic({ apiKey: TEST_KEY, baseURL: gw.url, maxRetries: 0 });
  openai = new OpenAI({ apiKey: TEST_KEY, baseURL: `${gw.url}/v1`, maxRetries: 0 });
});
afterAll(async () => {
  await gw.stop();
  anthropicFake.stop();
  openaiFake.stop();
});
afterEach(() => {
  const rejected = [...anthropicFake.rejections, ...openaiFake.rejections];
  anthropicFake.reset();
  openaiFake.reset();
  expect(rejected).toEqual([]);
});

const overloaded = { json: 'anthropic/error-overloaded.json', status: 529 };
const apiError = { json: { type: 'error', error: { type: 'api_error', message: 'Internal server error' } }, status: 500 };
const hi = [{ role: 'user' as const, content: 'hi' }];

type AnthropicError = InstanceType<typeof Anthropic.APIError>;
type OpenAIError = InstanceType<typeof OpenAI.APIError>;
const anthropicCall = (model: string) => claude.messages.create({ model, max_tokens: 64, messages: hi }).then(() => undefined, (e: unknown) => e as AnthropicError);
const openaiCall = (model: string) => openai.chat.completions.create({ model, messages: hi }).then(() => undefined, (e: unknown) => e as OpenAIError);

/** What Claude Code keys its overload handling on: HTTP 529, or the overloaded_error type in the message. */
function expectOverloadShape(err: AnthropicError | undefined) {
  expect(err).toBeInstanceOf(Anthropic.APIError);
  expect(err!.status).toBe(529);
  expect(err!.error).toMatchObject({ type: 'error', error: { type: 'overloaded_error' } });
  expect(err!.message).toContain('"type":"overloaded_error"');
}

describe('a circuit opened by upstream overload', () => {
  test('keeps the overload shape while open: 529 overloaded_error (Anthropic), 503 upstream_overloaded (OpenAI), with Retry-After', async () => {
    anthropicFake.script(...Array.from({ length: FAILURES }, () => overloaded));
    for (let i = 0; i < FAILURES; i++) expectOverloadShape(await anthropicCall('claude-busy'));
    expect(anthropicFake.requests).toHaveLength(FAILURES);

    // The circuit is open now: no upstream request, and still the overload answer.
    for (let i = 0; i < 2; i++) {
      const err = await anthropicCall('claude-busy');
      expectOverloadShape(err);
      const retryAfter = Number(err!.headers?.get('retry-after'));
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(30);
    }
    const streamed = await claude.messages.stream({ model: 'claude-busy', max_tokens: 64, messages: hi }).finalMessage().then(() => undefined, (e: unknown) => e as AnthropicError);
    expectOverloadShape(streamed);

    const oaErr = await openaiCall('claude-busy');
    expect(oaErr).toBeInstanceOf(OpenAI.APIError);
    expect(oaErr!.status).toBe(503);
    expect(oaErr!.code).toBe('upstream_overloaded');
    expect(Number(oaErr!.headers?.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(anthropicFake.requests).toHaveLength(FAILURES);
  });

  test('the failure that opened each circuit decides the answer while it is open', async () => {
    const cases = [
      { model: 'claude-overload2', failures: [overloaded, overloaded, overloaded], anthropic: [529, 'overloaded_error'], openai: [503, 'upstream_overloaded'] },
      { model: 'claude-overload3', failures: [overloaded, overloaded, overloaded], anthropic: [529, 'overloaded_error'], openai: [503, 'upstream_overloaded'] },
      { model: 'claude-broken', failures: [apiError, apiError, apiError], anthropic: [502, 'api_error'], openai: [502, 'upstream_error'] },
      { model: 'claude-mixed', failures: [overloaded, overloaded, apiError], anthropic: [502, 'api_error'], openai: [502, 'upstream_error'] },
    ] as const;
    for (const c of cases) {
      anthropicFake.reset();
      anthropicFake.script(...c.failures);
      for (let i = 0; i < FAILURES; i++) await anthropicCall(c.model);
      const err = await anthropicCall(c.model);
      expect([c.model, err!.status, (err!.error as { error?: { type?: string } }).error?.type]).toEqual([c.model, ...c.anthropic]);
      const oaErr = await openaiCall(c.model);
      expect([c.model, oaErr!.status, oaErr!.code]).toEqual([c.model, ...c.openai]);
      if (c.anthropic[0] === 502) expect(err!.message).toContain('circuit open');
      expect(anthropicFake.requests).toHaveLength(FAILURES); // open: the upstream was not asked again
    }
    // A model whose targets are all open: the overload shape only when every one of them opened on overload.
    expectOverloadShape(await anthropicCall('pair-overload'));
    const mixed = await anthropicCall('pair-mixed');
    expect([mixed!.status, (mixed!.error as { error?: { type?: string } }).error?.type]).toEqual([502, 'api_error']);
  });
});

/** The client's message_start usage for a streamed call. */
async function messageStartUsage(params: Anthropic.MessageCreateParamsNonStreaming) {
  let start: Anthropic.Usage | undefined;
  const stream = claude.messages.stream(params);
  // A copy: the SDK accumulates later usage into the message_start object it handed out.
  stream.on('streamEvent', (e: MessageStreamEvent) => {
    if (e.type === 'message_start') start = structuredClone(e.message.usage);
  });
  const final = await stream.finalMessage();
  return { start, final: final.usage };
}

/** An Anthropic stream whose message_start reports 1000 input tokens and 800 written to the cache. */
const EARLY_USAGE_SSE = [
  ['message_start', { type: 'message_start', message: { id: 'msg_01Early', type: 'message', role: 'assistant', model: 'claude-sonnet-4-5', content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: 1000, cache_creation_input_tokens: 800, cache_read_input_tokens: 0, output_tokens: 1 } } }],
  ['content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }],
  ['content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Hello!' } }],
  ['content_block_stop', { type: 'content_block_stop', index: 0 }],
  ['message_delta', { type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: 3 } }],
  ['message_stop', { type: 'message_stop' }],
].map(([event, data]) => `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`).join('');

describe('streamed message_start usage', () => {
  test("carries the Anthropic upstream's own input and cache counts that arrived before the content", async () => {
    anthropicFake.script({ sse: EARLY_USAGE_SSE });
    const { start, final } = await messageStartUsage({ model: 'claude-chat', max_tokens: 64, messages: hi });
    expect(start).toMatchObject({ input_tokens: 1000, cache_creation_input_tokens: 800, output_tokens: 0 });
    expect(final).toMatchObject({ input_tokens: 1000, cache_creation_input_tokens: 800, output_tokens: 3 });
  });

  test('without an upstream count, the estimate counts system, messages and tools, as count_tokens does', async () => {
    const body = { model: 'oa-chat', system: 'You are a terse weather assistant. Answer in one sentence.', tools: ANTHROPIC_TOOLS, messages: [{ role: 'user' as const, content: 'What is the weather in Paris?' }] };
    const counted = await claude.messages.countTokens(body);
    openaiFake.script(turn(TARGETS[0], 'text'));
    const { start } = await messageStartUsage({ ...body, max_tokens: 64 });
    expect(counted.input_tokens).toBeGreaterThan(100); // the tool schemas dominate
    expect(start?.input_tokens).toBe(counted.input_tokens);
  });
});
