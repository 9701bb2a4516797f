// Conformance: the `openai` SDK through the real gateway to strict fakes of OpenAI, Anthropic, Gemini
// and Azure (deployment and v1 forms). Every provider is asked the same things (plain, streamed with
// include_usage, a system prompt, an image data URL, tools over two turns, plain and streamed) and
// must give identical-shaped answers; each fake rejects any request that breaks its documented schema,
// and the second tool turn must carry the tool calls and results (Gemini: with the thoughtSignature).

import { afterAll, afterEach, beforeAll, describe, expect, test } from 'bun:test';
import OpenAI from 'openai';
import type { ChatCompletion, ChatCompletionChunk, ChatCompletionMessageParam } from 'openai/resources/chat/completions';
import { TEST_KEY } from '../helpers/gateway.ts';
import { fixtureJson } from './fakes/strict-server.ts';
import {
  ANSWER, type Conformance, EXPECTED_CALLS, HELLO, KEYS, OPENAI_TOOLS, PNG_BASE64, PNG_DATA_URL, TARGETS, TOOL_RESULTS, type Target,
  coreUsage, pick, shapeOf, startConformance, turn,
} from './harness.ts';

let h: Conformance;
let client: OpenAI;

beforeAll(async () => {
  h = await startConformance();
  client = new OpenAI({ apiKey: TEST_KEY, baseURL: `${h.gw.url}/v1`, maxRetries: 0 });
});
afterAll(async () => {
  await h.stop();
});
afterEach(() => {
  // A strict fake that rejected anything fails the test that caused it, with the reasons.
  const rejected = Object.fromEntries(Object.entries(h.fakes).map(([name, fake]) => [name, [...fake.rejections]]));
  h.reset();
  expect(rejected).toEqual({ openai: [], anthropic: [], gemini: [], azure: [] });
});

const fake = (t: Target) => h.fakes[t.fake];
const lastBody = (t: Target) => fake(t).requests.at(-1)!.body as Record<string, any>;
const hello: ChatCompletionMessageParam[] = [{ role: 'user', content: 'Say hello.' }];

/** Reads a whole SDK stream. */
async function collect(stream: AsyncIterable<ChatCompletionChunk>): Promise<ChatCompletionChunk[]> {
  const chunks: ChatCompletionChunk[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return chunks;
}

/** What a client makes of a stream: text, tool calls by index, finish reasons, usage. */
function assemble(chunks: ChatCompletionChunk[]) {
  let content = '';
  const finishes: string[] = [];
  const calls: Array<{ id?: string; name: string; arguments: string; extra?: unknown }> = [];
  for (const chunk of chunks) {
    for (const choice of chunk.choices) {
      content += choice.delta.content ?? '';
      if (choice.finish_reason) finishes.push(choice.finish_reason);
      for (const tc of choice.delta.tool_calls ?? []) {
        const call = (calls[tc.index] ??= { name: '', arguments: '' });
        if (tc.id) call.id = tc.id;
        if (tc.function?.name) call.name += tc.function.name;
        if (tc.function?.arguments) call.arguments += tc.function.arguments;
        const extra = (tc as { extra_content?: unknown }).extra_content;
        if (extra) call.extra = extra;
      }
    }
  }
  return { content, finishes, calls, usage: chunks.at(-1)?.usage };
}

/** The stream contract every provider must meet with include_usage. */
function expectWellFormedStream(chunks: ChatCompletionChunk[]) {
  expect(chunks.length).toBeGreaterThan(2);
  const ids = new Set(chunks.map((c) => c.id));
  expect(ids.size).toBe(1);
  for (const c of chunks) {
    expect(c.object).toBe('chat.completion.chunk');
    expect(typeof c.created).toBe('number');
    expect(typeof c.model).toBe('string');
  }
  const contentChunks = chunks.filter((c) => c.choices.length > 0);
  expect(contentChunks[0].choices[0].delta.role).toBe('assistant');
  for (const c of contentChunks) {
    expect(c.choices).toHaveLength(1);
    expect(c.choices[0].index).toBe(0);
  }
  const last = chunks.at(-1)!;
  expect(last.choices).toEqual([]);
  expect(last.usage).toBeTruthy();
  expect(chunks.slice(0, -1).every((c) => !c.usage)).toBe(true);
}

function expectToolCalls(message: ChatCompletion.Choice['message'], t: Target) {
  expect(message.role).toBe('assistant');
  expect(message.tool_calls).toHaveLength(2);
  const ids = new Set<string>();
  message.tool_calls!.forEach((call, i) => {
    expect(call.type).toBe('function');
    if (call.type !== 'function') return;
    expect(typeof call.id).toBe('string');
    expect(call.id.length).toBeGreaterThan(0);
    ids.add(call.id);
    expect(call.function.name).toBe(EXPECTED_CALLS[i].name);
    expect(JSON.parse(call.function.arguments)).toEqual(EXPECTED_CALLS[i].args);
  });
  expect(ids.size).toBe(2);
  if (t.fake === 'anthropic') expect([...ids]).toEqual(['toolu_01WeatherParis', 'toolu_01TimeParis']);
}

/** The fields every provider's non-stream answer must populate, reduced to their JSON types. */
const CORE_FIELDS = [
  'id', 'object', 'created', 'model', 'choices.*.index', 'choices.*.finish_reason', 'choices.*.message.role',
  'choices.*.message.content', 'choices.*.message.tool_calls.*.id', 'choices.*.message.tool_calls.*.type',
  'choices.*.message.tool_calls.*.function.name', 'choices.*.message.tool_calls.*.function.arguments',
  'usage.prompt_tokens', 'usage.completion_tokens', 'usage.total_tokens',
];

describe.each(TARGETS)('openai SDK → $name', (t) => {
  test('plain completion', async () => {
    fake(t).script(turn(t, 'text'));
    const res = await client.chat.completions.create({ model: t.model, messages: hello });
    expect(res.object).toBe('chat.completion');
    expect(typeof res.id).toBe('string');
    expect(res.id.length).toBeGreaterThan(0);
    expect(typeof res.created).toBe('number');
    expect(res.choices).toHaveLength(1);
    expect(res.choices[0].index).toBe(0);
    expect(res.choices[0].message.role).toBe('assistant');
    expect(res.choices[0].message.content).toBe(HELLO);
    expect(res.choices[0].message.tool_calls ?? undefined).toBeUndefined();
    expect(res.choices[0].finish_reason).toBe('stop');
    expect(coreUsage(res.usage)).toEqual({ prompt_tokens: 25, completion_tokens: 9, total_tokens: 34, cached_tokens: 4, reasoning_tokens: 0 });
    expect(fake(t).requests).toHaveLength(1);
  });

  test('stream with include_usage: same text, one finish_reason, usage equal to the plain call', async () => {
    fake(t).script(turn(t, 'text'), turn(t, 'text'));
    const plain = await client.chat.completions.create({ model: t.model, messages: hello });
    const chunks = await collect(await client.chat.completions.create({ model: t.model, messages: hello, stream: true, stream_options: { include_usage: true } }));
    expectWellFormedStream(chunks);
    const got = assemble(chunks);
    expect(got.content).toBe(HELLO);
    expect(got.finishes).toEqual(['stop']);
    expect(coreUsage(got.usage)).toEqual(coreUsage(plain.usage));
    const upstream = lastBody(t);
    if (t.fake === 'openai' || t.fake === 'azure') expect(upstream.stream_options).toEqual({ include_usage: true });
    if (t.fake === 'anthropic') expect(upstream.stream).toBe(true);
  });

  test('stream without include_usage carries no usage chunk and ends with [DONE]', async () => {
    fake(t).script(turn(t, 'text'));
    const res = await fetch(`${h.gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TEST_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: t.model, messages: hello, stream: true }),
    });
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const text = await res.text();
    expect(text).not.toContain('"usage"');
    expect(text.trimEnd().endsWith('data: [DONE]')).toBe(true);
    expect(text.match(/data: \[DONE\]/g)).toHaveLength(1);
  });

  test('system prompt reaches the provider in its own place', async () => {
    fake(t).script(turn(t, 'text'));
    const res = await client.chat.completions.create({
      model: t.model,
      messages: [{ role: 'system', content: 'You are terse.' }, { role: 'user', content: 'Say hello.' }],
    });
    expect(res.choices[0].message.content).toBe(HELLO);
    const body = lastBody(t);
    if (t.fake === 'anthropic') {
      expect(body.system).toBe('You are terse.');
      expect(body.messages).toEqual([{ role: 'user', content: 'Say hello.' }]);
    } else if (t.fake === 'gemini') {
      expect(body.systemInstruction).toEqual({ parts: [{ text: 'You are terse.' }] });
      expect(body.contents).toEqual([{ role: 'user', parts: [{ text: 'Say hello.' }] }]);
    } else {
      expect(body.messages[0]).toEqual({ role: 'system', content: 'You are terse.' });
    }
  });

  test('an image part (data URL) is translated to the provider image form', async () => {
    fake(t).script(turn(t, 'text'));
    const res = await client.chat.completions.create({
      model: t.model,
      messages: [{ role: 'user', content: [{ type: 'text', text: 'What is in this image?' }, { type: 'image_url', image_url: { url: PNG_DATA_URL } }] }],
    });
    expect(res.choices[0].message.content).toBe(HELLO);
    const body = lastBody(t);
    if (t.fake === 'anthropic') {
      expect(body.messages[0].content).toEqual([
        { type: 'text', text: 'What is in this image?' },
        { type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG_BASE64 } },
      ]);
    } else if (t.fake === 'gemini') {
      expect(body.contents[0].parts).toEqual([{ text: 'What is in this image?' }, { inlineData: { mimeType: 'image/png', data: PNG_BASE64 } }]);
    } else {
      expect(body.messages[0].content[1]).toEqual({ type: 'image_url', image_url: { url: PNG_DATA_URL } });
    }
  });

  test('tools over two turns (non-stream): tool calls, then tool results carried upstream', async () => {
    fake(t).script(turn(t, 'tools'), turn(t, 'answer'));
    const messages: ChatCompletionMessageParam[] = [{ role: 'user', content: 'What is the weather and the time in Paris?' }];
    const first = await client.chat.completions.create({ model: t.model, messages, tools: OPENAI_TOOLS, tool_choice: 'auto' });
    expect(first.choices[0].finish_reason).toBe('tool_calls');
    expectToolCalls(first.choices[0].message, t);
    // A client sends the assistant message back as it got it, then one tool message per call.
    messages.push(first.choices[0].message as ChatCompletionMessageParam);
    for (const call of first.choices[0].message.tool_calls!) {
      if (call.type === 'function') messages.push({ role: 'tool', tool_call_id: call.id, content: TOOL_RESULTS[call.function.name] });
    }
    const second = await client.chat.completions.create({ model: t.model, messages, tools: OPENAI_TOOLS });
    expect(second.choices[0].message.content).toBe(ANSWER);
    expect(second.choices[0].finish_reason).toBe('stop');
    expectSecondTurn(t, first.choices[0].message.tool_calls!.map((c) => c.id));
  });

  test('tools over two turns (stream): streamed tool calls equal the non-stream ones', async () => {
    fake(t).script(turn(t, 'tools'), turn(t, 'tools'), turn(t, 'answer'));
    const messages: ChatCompletionMessageParam[] = [{ role: 'user', content: 'What is the weather and the time in Paris?' }];
    const plain = await client.chat.completions.create({ model: t.model, messages, tools: OPENAI_TOOLS });
    const chunks = await collect(await client.chat.completions.create({ model: t.model, messages, tools: OPENAI_TOOLS, stream: true, stream_options: { include_usage: true } }));
    expectWellFormedStream(chunks);
    const got = assemble(chunks);
    expect(got.finishes).toEqual(['tool_calls']);
    expect(coreUsage(got.usage)).toEqual(coreUsage(plain.usage));
    const plainCalls = plain.choices[0].message.tool_calls!.flatMap((c) => (c.type === 'function' ? [{ id: c.id, name: c.function.name, args: JSON.parse(c.function.arguments) }] : []));
    expect(got.calls.map((c) => ({ id: c.id, name: c.name, args: JSON.parse(c.arguments) }))).toEqual(plainCalls);
    // Tool-call deltas are numbered over tool calls only: 0 and 1, whatever text came before them.
    const indexes = chunks.flatMap((c) => c.choices.flatMap((ch) => (ch.delta.tool_calls ?? []).map((tc) => tc.index)));
    expect([...new Set(indexes)]).toEqual([0, 1]);

    // Second turn built from the streamed pieces, as a streaming client does (opaque extras kept).
    messages.push({
      role: 'assistant',
      content: got.content || null,
      tool_calls: got.calls.map((c) => ({ id: c.id!, type: 'function' as const, function: { name: c.name, arguments: c.arguments }, ...(c.extra ? { extra_content: c.extra } : {}) })),
    });
    for (const c of got.calls) messages.push({ role: 'tool', tool_call_id: c.id!, content: TOOL_RESULTS[c.name] });
    const stream = client.chat.completions.stream({ model: t.model, messages, tools: OPENAI_TOOLS });
    const final = await stream.finalChatCompletion();
    expect(final.choices[0].message.content).toBe(ANSWER);
    expect(final.choices[0].finish_reason).toBe('stop');
    expectSecondTurn(t, got.calls.map((c) => c.id!));
  });
});

describe.each(TARGETS)('request parameters → $name', (t) => {
  test('sampling parameters, stop sequences and max tokens land in the provider fields', async () => {
    fake(t).script(turn(t, 'text'));
    await client.chat.completions.create({ model: t.model, messages: hello, temperature: 1.5, top_p: 0.9, max_completion_tokens: 50, stop: ['END'], user: 'user-42' });
    const body = lastBody(t);
    if (t.fake === 'anthropic') {
      // Anthropic's temperature range is 0..1: clamped so the request does not fail.
      expect(body).toMatchObject({ temperature: 1, top_p: 0.9, max_tokens: 50, stop_sequences: ['END'], metadata: { user_id: 'user-42' } });
    } else if (t.fake === 'gemini') {
      expect(body.generationConfig).toEqual({ temperature: 1.5, topP: 0.9, maxOutputTokens: 50, stopSequences: ['END'] });
    } else {
      expect(body).toMatchObject({ temperature: 1.5, top_p: 0.9, max_completion_tokens: 50, stop: ['END'] });
    }
  });

  test('every tool_choice form passes the provider schema', async () => {
    const choices = ['auto', 'none', 'required', { type: 'function', function: { name: 'get_time' } }] as const;
    const seen: unknown[] = [];
    for (const choice of choices) {
      fake(t).script(turn(t, 'text'));
      await client.chat.completions.create({ model: t.model, messages: hello, tools: OPENAI_TOOLS, tool_choice: choice, parallel_tool_calls: false });
      const body = lastBody(t);
      seen.push(t.fake === 'anthropic' ? body.tool_choice : t.fake === 'gemini' ? body.toolConfig : body.tool_choice);
    }
    if (t.fake === 'anthropic') {
      expect(seen).toEqual([
        { type: 'auto', disable_parallel_tool_use: true }, { type: 'none' },
        { type: 'any', disable_parallel_tool_use: true }, { type: 'tool', name: 'get_time', disable_parallel_tool_use: true },
      ]);
    } else if (t.fake === 'gemini') {
      expect(seen).toEqual([
        { functionCallingConfig: { mode: 'AUTO' } }, { functionCallingConfig: { mode: 'NONE' } },
        { functionCallingConfig: { mode: 'ANY' } }, { functionCallingConfig: { mode: 'ANY', allowedFunctionNames: ['get_time'] } },
      ]);
    } else {
      expect(seen).toEqual([...choices]);
    }
  });

  test('a JSON-schema response_format passes the provider schema', async () => {
    fake(t).script(turn(t, 'text'));
    await client.chat.completions.create({
      model: t.model, messages: hello,
      response_format: {
        type: 'json_schema',
        json_schema: {
          name: 'greeting', strict: true,
          schema: {
            type: 'object', additionalProperties: false, required: ['text', 'mood'],
            properties: { text: { type: 'string' }, mood: { $ref: '#/$defs/mood' }, tags: { type: ['array', 'null'], items: { type: 'string' } } },
            $defs: { mood: { type: 'string', enum: ['happy', 'neutral'] } },
          },
        },
      },
    });
    const body = lastBody(t);
    if (t.fake === 'gemini') {
      expect(body.generationConfig.responseMimeType).toBe('application/json');
      expect(body.generationConfig.responseSchema.properties.mood).toEqual({ type: 'string', enum: ['happy', 'neutral'] });
      expect(body.generationConfig.responseSchema.properties.tags).toEqual({ type: 'array', nullable: true, items: { type: 'string' } });
    } else if (t.fake !== 'anthropic') {
      expect(body.response_format.type).toBe('json_schema');
    }
  });
});

/** The second-turn request the provider received carries the calls and their results. */
function expectSecondTurn(t: Target, ids: string[]) {
  const body = lastBody(t);
  if (t.fake === 'anthropic') {
    expect(body.messages).toHaveLength(3);
    expect(body.messages[1].role).toBe('assistant');
    const uses = body.messages[1].content.filter((b: { type: string }) => b.type === 'tool_use');
    expect(uses).toEqual(EXPECTED_CALLS.map((c, i) => ({ type: 'tool_use', id: ids[i], name: c.name, input: c.args })));
    expect(body.messages[2]).toEqual({
      role: 'user',
      content: EXPECTED_CALLS.map((c, i) => ({ type: 'tool_result', tool_use_id: ids[i], content: TOOL_RESULTS[c.name] })),
    });
  } else if (t.fake === 'gemini') {
    const signature = (fixtureJson(`gemini/conformance-tools.json`) as { candidates: Array<{ content: { parts: Array<{ thoughtSignature?: string }> } }> })
      .candidates[0].content.parts[0].thoughtSignature;
    expect(body.contents).toHaveLength(3);
    expect(body.contents[1]).toEqual({
      role: 'model',
      parts: [
        { functionCall: { name: 'get_weather', args: { location: 'Paris' } }, thoughtSignature: signature },
        { functionCall: { name: 'get_time', args: { timezone: 'Europe/Paris' } } },
      ],
    });
    expect(body.contents[2]).toEqual({
      role: 'user',
      parts: [
        { functionResponse: { name: 'get_weather', response: { temp_c: 18, sky: 'sunny' } } },
        { functionResponse: { name: 'get_time', response: { content: '14:05' } } },
      ],
    });
  } else {
    const assistant = body.messages[1];
    expect(assistant.tool_calls.map((c: { id: string }) => c.id)).toEqual(ids);
    expect(body.messages.slice(2).map((m: { role: string; tool_call_id: string }) => [m.role, m.tool_call_id])).toEqual(ids.map((id) => ['tool', id]));
  }
}

describe('identical shapes across providers', () => {
  test('plain and tool-call answers populate the same fields with the same JSON types', async () => {
    const shapes: Record<string, unknown> = {};
    for (const t of TARGETS) {
      fake(t).script(turn(t, 'text'), turn(t, 'tools'));
      const plain = await client.chat.completions.create({ model: t.model, messages: hello });
      const tools = await client.chat.completions.create({ model: t.model, messages: hello, tools: OPENAI_TOOLS });
      expect(['string', 'object']).toContain(typeof tools.choices[0].message.content);
      shapes[t.name] = {
        plain: shapeOf(pick(plain, CORE_FIELDS)),
        // Content beside tool calls is text or null depending on what the model said first.
        tools: shapeOf(pick(tools, CORE_FIELDS.filter((f) => f !== 'choices.*.message.content'))),
        finish: [plain.choices[0].finish_reason, tools.choices[0].finish_reason],
      };
    }
    for (const t of TARGETS) expect({ [t.name]: shapes[t.name] }).toEqual({ [t.name]: shapes.openai });
  });

  test('streams populate the same chunk fields for every provider', async () => {
    const shapes: Record<string, unknown> = {};
    for (const t of TARGETS) {
      fake(t).script(turn(t, 'tools'));
      const chunks = await collect(await client.chat.completions.create({ model: t.model, messages: hello, tools: OPENAI_TOOLS, stream: true, stream_options: { include_usage: true } }));
      const toolStart = chunks.find((c) => c.choices[0]?.delta.tool_calls?.[0]?.id)!;
      const finish = chunks.find((c) => c.choices[0]?.finish_reason)!;
      shapes[t.name] = {
        start: shapeOf(pick(chunks[0], ['id', 'object', 'created', 'model', 'choices.*.index', 'choices.*.delta.role'])),
        toolStart: shapeOf(pick(toolStart, ['choices.*.delta.tool_calls.*.index', 'choices.*.delta.tool_calls.*.id', 'choices.*.delta.tool_calls.*.type', 'choices.*.delta.tool_calls.*.function.name'])),
        finish: finish.choices[0].finish_reason,
        usage: shapeOf(pick(chunks.at(-1), ['choices', 'usage.prompt_tokens', 'usage.completion_tokens', 'usage.total_tokens'])),
      };
    }
    for (const t of TARGETS) expect({ [t.name]: shapes[t.name] }).toEqual({ [t.name]: shapes.openai });
  });
});

describe('upstream errors map to the gateway contract with provider keys scrubbed', () => {
  test.each([
    ['anthropic', 'claude-wrong', 'sk-ant-api03-WRONG-key-0123456789'],
    ['gemini', 'gem-wrong', 'AIzaSyWRONG-key-0123456789abcdefghijk'],
    ['azure', 'az-wrong', 'azure-WRONG-key-0123456789abcdef'],
  ])('%s rejecting the provider key → 502 upstream_auth_failed, never 401', async (_name, model, key) => {
    const res = await fetch(`${h.gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TEST_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model, messages: hello }),
    });
    const text = await res.text();
    expect(res.status).toBe(502);
    expect(JSON.parse(text).error.code).toBe('upstream_auth_failed');
    expect(text).not.toContain(key);
    expect(text).not.toContain('127.0.0.1');
    h.reset();
  });

  test('the Gemini key travels only in x-goog-api-key, never in the URL', async () => {
    h.fakes.gemini.script({ json: 'gemini/conformance-text.json' });
    await client.chat.completions.create({ model: 'gem-chat', messages: hello });
    const req = h.fakes.gemini.requests[0];
    expect(req.url.search).toBe('');
    expect(req.url.href).not.toContain(KEYS.gemini);
    expect(req.headers.get('x-goog-api-key')).toBe(KEYS.gemini);
  });
});
