// Conformance: `@anthropic-ai/sdk` against the gateway's POST /v1/messages, served by an
// OpenAI-compatible upstream and a Gemini upstream (strict fakes; the Anthropic and Azure upstreams
// too, since the table costs nothing). Plain, streamed (`messages.stream` + `finalMessage()`), tools
// over two turns, a Claude Code-shaped request, system prompts; every stream must carry the full block
// lifecycle (each content_block_start stopped, message_delta with usage, message_stop last); errors
// come back in Anthropic's error shape; /v1/messages/count_tokens answers input_tokens.

import { afterAll, afterEach, beforeAll, describe, expect, test } from 'bun:test';
import Anthropic from '@anthropic-ai/sdk';
import type { ContentBlock, MessageParam, MessageStreamEvent, ToolUseBlock } from '@anthropic-ai/sdk/resources/messages';
import { TEST_KEY } from '../helpers/gateway.ts';
import { fixtureJson } from './fakes/strict-server.ts';
import { ANSWER, ANTHROPIC_TOOLS, type Conformance, EXPECTED_CALLS, HELLO, PNG_BASE64, PNG_DATA_URL, TARGETS, TOOL_RESULTS, type Target, startConformance, turn } from './harness.ts';

let h: Conformance;
let client: Anthropic;

beforeAll(async () => {
  h = await startConformance();
  client = new Anthropic({ apiKey: TEST_KEY, baseURL: h.gw.url, maxRetries: 0 });
});
afterAll(async () => {
  await h.stop();
});
afterEach(() => {
  const rejected = Object.fromEntries(Object.entries(h.fakes).map(([name, fake]) => [name, [...fake.rejections]]));
  h.reset();
  expect(rejected).toEqual({ openai: [], anthropic: [], gemini: [], azure: [] });
});

const fake = (t: Target) => h.fakes[t.fake];
const lastBody = (t: Target) => fake(t).requests.at(-1)!.body as Record<string, any>;
const hello: MessageParam[] = [{ role: 'user', content: 'Say hello.' }];
const question: MessageParam[] = [{ role: 'user', content: 'What is the weather and the time in Paris?' }];

/** The block lifecycle Anthropic clients (Claude Code) rely on. */
function expectLifecycle(events: MessageStreamEvent[]) {
  expect(events[0].type).toBe('message_start');
  expect(events.at(-1)!.type).toBe('message_stop');
  expect(events.at(-2)!.type).toBe('message_delta');
  expect(events.filter((e) => e.type === 'message_start')).toHaveLength(1);
  expect(events.filter((e) => e.type === 'message_delta')).toHaveLength(1);
  let open: number | undefined;
  let next = 0;
  for (const e of events) {
    if (e.type === 'content_block_start') {
      expect(open).toBeUndefined(); // one block at a time, as Anthropic streams them
      expect(e.index).toBe(next++);
      open = e.index;
    } else if (e.type === 'content_block_delta') {
      expect(e.index).toBe(open!);
    } else if (e.type === 'content_block_stop') {
      expect(e.index).toBe(open!);
      open = undefined;
    } else if (e.type === 'message_delta') {
      expect(open).toBeUndefined();
      expect(typeof e.usage.output_tokens).toBe('number');
      expect(e.delta.stop_reason).toBeTruthy();
    }
  }
  const starts = events.filter((e) => e.type === 'content_block_start').length;
  expect(events.filter((e) => e.type === 'content_block_stop')).toHaveLength(starts);
}

const toolUses = (content: ContentBlock[]) => content.filter((b): b is ToolUseBlock => b.type === 'tool_use');

/** Everything but the volatile `id`, for comparing a streamed message with a plain one. */
const comparable = (m: Anthropic.Message) => ({ type: m.type, role: m.role, model: m.model, content: m.content, stop_reason: m.stop_reason, usage: m.usage });

describe.each(TARGETS)('anthropic SDK → $name upstream', (t) => {
  test('plain message', async () => {
    fake(t).script(turn(t, 'text'));
    const msg = await client.messages.create({ model: t.model, max_tokens: 256, messages: hello });
    expect(msg.type).toBe('message');
    expect(msg.role).toBe('assistant');
    expect(msg.id).toMatch(/^msg_/);
    expect(msg.model).toBe(t.model);
    expect(msg.content).toEqual([{ type: 'text', text: HELLO }] as ContentBlock[]);
    expect(msg.stop_reason).toBe('end_turn');
    expect(msg.stop_sequence).toBeNull();
    // Anthropic counts cache reads apart from input_tokens: 25 prompt tokens of which 4 cached.
    expect(msg.usage).toMatchObject({ input_tokens: 21, output_tokens: 9, cache_read_input_tokens: 4 });
  });

  test('messages.stream + finalMessage(): full lifecycle, same message and usage as the plain call', async () => {
    fake(t).script(turn(t, 'text'), turn(t, 'text'));
    const plain = await client.messages.create({ model: t.model, max_tokens: 256, messages: hello });
    const stream = client.messages.stream({ model: t.model, max_tokens: 256, messages: hello });
    const events: MessageStreamEvent[] = [];
    for await (const event of stream) events.push(event);
    const final = await stream.finalMessage();
    expectLifecycle(events);
    expect(comparable(final)).toEqual(comparable(plain));
  });

  test('system prompt (string and text blocks) reaches the provider', async () => {
    fake(t).script(turn(t, 'text'), turn(t, 'text'));
    await client.messages.create({ model: t.model, max_tokens: 64, system: 'You are terse.', messages: hello });
    const first = lastBody(t);
    await client.messages.create({
      model: t.model, max_tokens: 64, messages: hello,
      system: [{ type: 'text', text: 'You are terse.', cache_control: { type: 'ephemeral' } }],
    });
    const second = lastBody(t);
    if (t.fake === 'gemini') {
      expect(first.systemInstruction).toEqual({ parts: [{ text: 'You are terse.' }] });
      expect(second).toEqual(first);
    } else if (t.fake === 'anthropic') {
      expect(first.system).toBe('You are terse.');
      // The cache breakpoint reaches Anthropic exactly where the client put it.
      expect(second.system).toEqual([{ type: 'text', text: 'You are terse.', cache_control: { type: 'ephemeral' } }]);
    } else {
      expect(first.messages[0]).toEqual({ role: 'system', content: 'You are terse.' });
      // Removed (not rejected) for an upstream that does not take it; the text is unchanged.
      expect(second.messages[0]).toEqual({ role: 'system', content: [{ type: 'text', text: 'You are terse.' }] });
    }
  });

  test('cache_control breakpoints (TTL included) on system, tools, messages and tool results: kept for Anthropic, dropped elsewhere without a 400', async () => {
    fake(t).script(turn(t, 'tools'), turn(t, 'answer'));
    const ephemeral1h = { type: 'ephemeral' as const, ttl: '1h' as const };
    const tools = ANTHROPIC_TOOLS.map((tool, i) => (i === ANTHROPIC_TOOLS.length - 1 ? { ...tool, cache_control: ephemeral1h } : tool));
    const system = [{ type: 'text' as const, text: 'You are a CLI agent.' }, { type: 'text' as const, text: 'Long project context.', cache_control: ephemeral1h }];
    const first = await client.messages.create({
      model: t.model, max_tokens: 512, tools, system,
      messages: [{ role: 'user', content: [{ type: 'text', text: 'What is the weather and the time in Paris?', cache_control: { type: 'ephemeral' } }] }],
    });
    const upstream1 = lastBody(t);
    const uses = toolUses(first.content);
    const followUp: MessageParam[] = [
      ...question,
      { role: 'assistant', content: first.content },
      { role: 'user', content: uses.map((u, i) => ({ type: 'tool_result' as const, tool_use_id: u.id, content: TOOL_RESULTS[u.name], ...(i === uses.length - 1 ? { cache_control: { type: 'ephemeral' as const } } : {}) })) },
    ];
    await client.messages.create({ model: t.model, max_tokens: 512, tools, system, messages: followUp });
    const upstream2 = lastBody(t);
    if (t.fake === 'anthropic') {
      expect(upstream1.system).toEqual(system);
      expect(upstream1.tools.at(-1).cache_control).toEqual(ephemeral1h);
      expect(upstream1.tools[0].cache_control).toBeUndefined();
      expect(upstream1.messages[0].content).toEqual([{ type: 'text', text: 'What is the weather and the time in Paris?', cache_control: { type: 'ephemeral' } }]);
      const results = upstream2.messages[2].content;
      // On the tool_result itself, its content the client's string (not moved onto a text block inside it).
      expect(results.at(-1)).toEqual((followUp.at(-1)!.content as unknown[]).at(-1));
      expect(results.at(-1).cache_control).toEqual({ type: 'ephemeral' });
      // The prefix before the new turn is byte-identical between the two requests (the cache can hit).
      expect(JSON.stringify([upstream2.system, upstream2.tools])).toBe(JSON.stringify([upstream1.system, upstream1.tools]));
    } else {
      expect(JSON.stringify([upstream1, upstream2])).not.toContain('cache_control');
      // The system blocks stay apart (never glued into one run-on sentence).
      if (t.fake === 'gemini') expect(upstream1.systemInstruction.parts).toEqual([{ text: 'You are a CLI agent.' }, { text: 'Long project context.' }]);
    }
  });

  test('tools over two turns (plain): tool_use blocks, then tool_result carried upstream', async () => {
    fake(t).script(turn(t, 'tools'), turn(t, 'answer'));
    const first = await client.messages.create({ model: t.model, max_tokens: 512, tools: ANTHROPIC_TOOLS, messages: question });
    expect(first.stop_reason).toBe('tool_use');
    const uses = toolUses(first.content);
    expect(uses.map((u) => ({ name: u.name, input: u.input }))).toEqual(EXPECTED_CALLS.map((c) => ({ name: c.name, input: c.args })));
    for (const u of uses) expect(u.id).toMatch(/^[a-zA-Z0-9_-]+$/);
    expect(new Set(uses.map((u) => u.id)).size).toBe(2);

    const second = await client.messages.create({ model: t.model, max_tokens: 512, tools: ANTHROPIC_TOOLS, messages: secondTurn(first.content) });
    expect(second.content).toEqual([{ type: 'text', text: ANSWER }] as ContentBlock[]);
    expect(second.stop_reason).toBe('end_turn');
    expectToolTurnUpstream(t, uses.map((u) => u.id));
  });

  test('tools over two turns (stream, as Claude Code does): lifecycle, same tool_use blocks, tool_result upstream', async () => {
    fake(t).script(turn(t, 'tools'), turn(t, 'tools'), turn(t, 'answer'));
    const plain = await client.messages.create({ model: t.model, max_tokens: 512, tools: ANTHROPIC_TOOLS, messages: question });
    // Claude Code's request shape: system blocks with cache_control, metadata.user_id, tool_choice,
    // temperature, an anthropic-beta header, stream: true.
    const stream = client.messages.stream(
      {
        model: t.model, max_tokens: 512, temperature: 1, tools: ANTHROPIC_TOOLS, tool_choice: { type: 'auto' }, messages: question,
        system: [{ type: 'text', text: 'You are a CLI agent.', cache_control: { type: 'ephemeral' } }],
        metadata: { user_id: 'user_conformance' },
      },
      { headers: { 'anthropic-beta': 'interleaved-thinking-2025-05-14' } },
    );
    const events: MessageStreamEvent[] = [];
    for await (const event of stream) events.push(event);
    const final = await stream.finalMessage();
    expectLifecycle(events);
    expect(final.stop_reason).toBe('tool_use');
    expect(toolUses(final.content)).toEqual(toolUses(plain.content));
    expect(final.usage).toEqual(plain.usage);

    const answer = client.messages.stream({ model: t.model, max_tokens: 512, tools: ANTHROPIC_TOOLS, messages: secondTurn(final.content) });
    const done = await answer.finalMessage();
    expect(done.content as unknown).toEqual([{ type: 'text', text: ANSWER }]);
    expectToolTurnUpstream(t, toolUses(final.content).map((u) => u.id));
  });

  test('an image block (base64) reaches the provider as its image form', async () => {
    fake(t).script(turn(t, 'text'));
    await client.messages.create({
      model: t.model, max_tokens: 64,
      messages: [{ role: 'user', content: [{ type: 'text', text: 'What is this?' }, { type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG_BASE64 } }] }],
    });
    const body = lastBody(t);
    if (t.fake === 'gemini') expect(body.contents[0].parts[1]).toEqual({ inlineData: { mimeType: 'image/png', data: PNG_BASE64 } });
    else if (t.fake === 'anthropic') expect(body.messages[0].content[1]).toEqual({ type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG_BASE64 } });
    else expect(body.messages[0].content[1]).toEqual({ type: 'image_url', image_url: { url: PNG_DATA_URL } });
  });

  test('count_tokens answers input_tokens, growing with system and tools', async () => {
    const bare = await client.messages.countTokens({ model: t.model, messages: question });
    const system = await client.messages.countTokens({ model: t.model, messages: question, system: 'You are a CLI agent with a long system prompt.' });
    const full = await client.messages.countTokens({ model: t.model, messages: question, system: 'You are a CLI agent with a long system prompt.', tools: ANTHROPIC_TOOLS });
    expect(bare.input_tokens).toBeGreaterThan(0);
    expect(system.input_tokens).toBeGreaterThan(bare.input_tokens);
    // The tool definitions count too (names, descriptions, schemas), as Anthropic counts them.
    expect(full.input_tokens).toBeGreaterThan(system.input_tokens + 10);
    expect(Object.keys(full)).toEqual(['input_tokens']);
    expect(fake(t).requests).toHaveLength(0);
  });
});

/** The client's second turn: the assistant content as received, then one tool_result per tool_use. */
function secondTurn(content: ContentBlock[]): MessageParam[] {
  return [
    ...question,
    { role: 'assistant', content },
    { role: 'user', content: toolUses(content).map((u) => ({ type: 'tool_result' as const, tool_use_id: u.id, content: TOOL_RESULTS[u.name] })) },
  ];
}

function expectToolTurnUpstream(t: Target, ids: string[]) {
  const body = lastBody(t);
  if (t.fake === 'gemini') {
    const signature = (fixtureJson('gemini/conformance-tools.json') as { candidates: Array<{ content: { parts: Array<{ thoughtSignature?: string }> } }> })
      .candidates[0].content.parts[0].thoughtSignature;
    expect(body.contents[1].parts[0]).toEqual({ functionCall: { name: 'get_weather', args: { location: 'Paris' } }, thoughtSignature: signature });
    expect(body.contents[2].parts.map((p: { functionResponse: { name: string } }) => p.functionResponse.name)).toEqual(['get_weather', 'get_time']);
  } else if (t.fake === 'anthropic') {
    expect(toolUses(body.messages[1].content).map((u) => u.id)).toEqual(ids);
    expect(body.messages[2].content.map((b: { tool_use_id: string }) => b.tool_use_id)).toEqual(ids);
  } else {
    const assistant = body.messages.find((m: { role: string }) => m.role === 'assistant');
    expect(assistant.tool_calls.map((c: { id: string; function: { name: string; arguments: string } }) => [c.id, c.function.name, JSON.parse(c.function.arguments)]))
      .toEqual(EXPECTED_CALLS.map((c, i) => [ids[i], c.name, c.args]));
    const tools = body.messages.filter((m: { role: string }) => m.role === 'tool');
    expect(tools).toEqual(EXPECTED_CALLS.map((c, i) => ({ role: 'tool', tool_call_id: ids[i], content: TOOL_RESULTS[c.name] })));
  }
}

describe('Anthropic error shapes on /v1/messages', () => {
  test('unknown model → 404 not_found_error', async () => {
    const err = await client.messages.create({ model: 'no-such-model', max_tokens: 16, messages: hello }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Anthropic.NotFoundError);
    const e = err as InstanceType<typeof Anthropic.NotFoundError>;
    expect(e.status).toBe(404);
    expect(e.error).toMatchObject({ type: 'error', error: { type: 'not_found_error' } });
    expect(typeof (e.error as { error: { message: string } }).error.message).toBe('string');
  });

  test('bad key via x-api-key → 401 authentication_error; a good Bearer token works too', async () => {
    const bad = new Anthropic({ apiKey: 'sk-wrong-key-000000000000', baseURL: h.gw.url, maxRetries: 0 });
    const err = await bad.messages.create({ model: 'oa-chat', max_tokens: 16, messages: hello }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Anthropic.AuthenticationError);
    expect((err as InstanceType<typeof Anthropic.AuthenticationError>).error).toMatchObject({ type: 'error', error: { type: 'authentication_error' } });
    const bearer = new Anthropic({ apiKey: null, authToken: TEST_KEY, baseURL: h.gw.url, maxRetries: 0 });
    h.fakes.openai.script(turn(TARGETS[0], 'text'));
    const msg = await bearer.messages.create({ model: 'oa-chat', max_tokens: 16, messages: hello });
    expect(msg.content).toEqual([{ type: 'text', text: HELLO }] as ContentBlock[]);
  });

  test('missing max_tokens → 400 invalid_request_error in Anthropic shape', async () => {
    const res = await fetch(`${h.gw.url}/v1/messages`, {
      method: 'POST',
      headers: { 'x-api-key': TEST_KEY, 'anthropic-version': '2023-06-01', 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'oa-chat', messages: hello }),
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } });
  });

  test('an upstream error mid-stream ends with open blocks stopped and one error event, no message_stop', async () => {
    h.fakes.gemini.script({ sse: 'gemini/stream-error.sse' });
    const res = await fetch(`${h.gw.url}/v1/messages`, {
      method: 'POST',
      headers: { 'x-api-key': TEST_KEY, 'anthropic-version': '2023-06-01', 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gem-chat', max_tokens: 64, stream: true, messages: hello }),
    });
    const frames = (await res.text()).split('\n\n').filter(Boolean).map((f) => {
      const [eventLine, dataLine] = f.split('\n');
      const data = JSON.parse(dataLine.slice('data: '.length)) as { type: string };
      expect(eventLine).toBe(`event: ${data.type}`);
      return data;
    });
    const types = frames.map((f) => f.type);
    expect(types[0]).toBe('message_start');
    expect(types.at(-1)).toBe('error');
    expect(types).not.toContain('message_stop');
    expect(types.filter((x) => x === 'content_block_start').length).toBe(types.filter((x) => x === 'content_block_stop').length);
    expect((frames.at(-1) as unknown as { error: { type: string } }).error.type).toBe('overloaded_error');
  });
});
