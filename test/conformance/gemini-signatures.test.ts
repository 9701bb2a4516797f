// Gemini thought signatures through clients that keep only a tool call's standard fields. A plain OpenAI
// client (tool_calls sent back with just id, type and function) runs a multi-step tool loop against the
// strict Gemini 3 fake, plain and streamed: the signature rides in the tool-call id, and the fake (which
// rejects a current-turn function call without its signature, as Gemini 3 does) sees every signature
// exactly as issued. The ids stay short for other providers, and calls made by another model get Google's
// documented placeholder instead of a 400.

import { afterAll, afterEach, beforeAll, describe, expect, test } from 'bun:test';
import OpenAI from 'openai';
import type { ChatCompletionMessageParam, ChatCompletionMessageToolCall } from 'openai/resources/chat/completions';
import { TEST_KEY } from '../helpers/gateway.ts';
import { ANSWER, type Conformance, OPENAI_TOOLS, TARGETS, TOOL_RESULTS, startConformance, turn } from './harness.ts';

let h: Conformance;
let openai: OpenAI;

beforeAll(async () => {
  h = await startConformance();
  openai = new OpenAI({ apiKey: TEST_KEY, baseURL: `${h.gw.url}/v1`, maxRetries: 0 });
}, 30_000);
afterAll(async () => {
  await h.stop();
});
afterEach(() => {
  const rejected = [...h.fakes.gemini.rejections, ...h.fakes.openai.rejections];
  h.reset();
  expect(rejected).toEqual([]);
});

const gemini = TARGETS.find((t) => t.name === 'gemini')!;
/** A realistic signature: opaque bytes, standard base64 with padding, a few hundred characters. */
const LONG_SIGNATURE = Buffer.from(Array.from({ length: 700 }, (_, i) => (i * 37 + 11) % 256)).toString('base64');
const FIRST_SIGNATURE = 'Q2lRQlZLaGM3dkIrc2lnMS9BYkNkRWY9PQ==';

/** Step 2 of the loop: Gemini asks for one more call (a sequential step), with its own long signature. */
const step2 = {
  json: {
    candidates: [{ content: { role: 'model', parts: [{ functionCall: { name: 'get_weather', args: { location: 'Lyon' } }, thoughtSignature: LONG_SIGNATURE }] }, index: 0, finishReason: 'STOP' }],
    usageMetadata: { promptTokenCount: 90, candidatesTokenCount: 8, totalTokenCount: 98 },
    modelVersion: 'gemini-3-flash-preview', responseId: 'step-two',
  },
  sse: `data: ${JSON.stringify({
    candidates: [{ content: { role: 'model', parts: [{ functionCall: { name: 'get_weather', args: { location: 'Lyon' } }, thoughtSignature: LONG_SIGNATURE }] }, index: 0, finishReason: 'STOP' }],
    usageMetadata: { promptTokenCount: 90, candidatesTokenCount: 8, totalTokenCount: 98 },
    modelVersion: 'gemini-3-flash-preview', responseId: 'step-two',
  })}\r\n\r\n`,
};

type PlainCall = { id: string; type: 'function'; function: { name: string; arguments: string } };

/** One model call; returns the answer text and the tool calls reduced to what a plain client keeps. */
async function ask(model: string, messages: ChatCompletionMessageParam[], stream: boolean): Promise<{ content: string | null; calls: PlainCall[] }> {
  if (!stream) {
    const res = await openai.chat.completions.create({ model, messages, tools: OPENAI_TOOLS });
    const calls = (res.choices[0].message.tool_calls ?? []) as ChatCompletionMessageToolCall[];
    return { content: res.choices[0].message.content, calls: calls.map((c) => plain(c as PlainCall)) };
  }
  const byIndex = new Map<number, PlainCall>();
  let content = '';
  for await (const chunk of await openai.chat.completions.create({ model, messages, tools: OPENAI_TOOLS, stream: true })) {
    const delta = chunk.choices[0]?.delta;
    content += delta?.content ?? '';
    for (const d of delta?.tool_calls ?? []) {
      const call = byIndex.get(d.index) ?? { id: '', type: 'function' as const, function: { name: '', arguments: '' } };
      call.id ||= d.id ?? '';
      call.function.name += d.function?.name ?? '';
      call.function.arguments += d.function?.arguments ?? '';
      byIndex.set(d.index, call);
    }
  }
  return { content: content || null, calls: [...byIndex.values()] };
}

/** What a client that knows only the standard fields keeps of a tool call. */
const plain = (c: PlainCall): PlainCall => ({ id: c.id, type: 'function', function: { name: c.function.name, arguments: c.function.arguments } });

/** Appends the assistant turn (standard fields only) and a result for each call. */
function answerCalls(messages: ChatCompletionMessageParam[], calls: PlainCall[]): void {
  messages.push({ role: 'assistant', content: null, tool_calls: calls });
  for (const c of calls) messages.push({ role: 'tool', tool_call_id: c.id, content: TOOL_RESULTS[c.function.name] });
}

type GeminiBody = { contents: Array<{ role: string; parts: Array<{ functionCall?: { name: string; args: object }; thoughtSignature?: string }> }> };

describe.each([false, true])('stream: %p', (stream) => {
  test('a plain OpenAI client runs a multi-step tool loop on a Gemini 3 model; every signature comes back as issued', async () => {
    h.fakes.gemini.script(turn(gemini, 'tools'), step2, turn(gemini, 'answer'));
    const messages: ChatCompletionMessageParam[] = [{ role: 'user', content: 'What is the weather and the time in Paris, and then in Lyon?' }];

    const first = await ask('gem-chat', messages, stream);
    expect(first.calls.map((c) => c.function.name)).toEqual(['get_weather', 'get_time']);
    answerCalls(messages, first.calls);
    const second = await ask('gem-chat', messages, stream);
    expect(second.calls.map((c) => c.function.arguments)).toEqual(['{"location":"Lyon"}']);
    answerCalls(messages, second.calls);
    const last = await ask('gem-chat', messages, stream);
    expect(last.content).toBe(ANSWER);

    // The ids are client-safe and grow by the signature only (no JSON, no second base64 layer).
    for (const c of [...first.calls, ...second.calls]) expect(c.id).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(second.calls[0].id.length).toBeLessThanOrEqual(40 + 6 + LONG_SIGNATURE.length);

    // Gemini saw both steps of the current turn with their exact signatures, never the placeholder.
    const sent = h.fakes.gemini.requests.at(-1)!.body as GeminiBody;
    const modelTurns = sent.contents.filter((c) => c.role === 'model');
    expect(modelTurns.map((c) => c.parts.map((p) => p.thoughtSignature ?? null))).toEqual([[FIRST_SIGNATURE, null], [LONG_SIGNATURE]]);
    expect(h.fakes.gemini.bypassedSignatures).toEqual([]);
  });
});

test('the conversation moves on to an OpenAI model: ids there are the short canonical ones (OpenAI allows 40 characters)', async () => {
  h.fakes.gemini.script(step2);
  h.fakes.openai.script(turn(TARGETS.find((t) => t.name === 'openai')!, 'answer'));
  const messages: ChatCompletionMessageParam[] = [{ role: 'user', content: 'Weather in Lyon?' }];
  const { calls } = await ask('gem-chat', messages, false);
  expect(calls[0].id).toContain('__ts__');
  answerCalls(messages, calls);
  expect((await ask('oa-chat', messages, false)).content).toBe(ANSWER);
  const sent = h.fakes.openai.requests.at(-1)!.body as { messages: Array<{ tool_calls?: Array<{ id: string }>; tool_call_id?: string }> };
  const ids = sent.messages.flatMap((m) => [...(m.tool_calls ?? []).map((c) => c.id), ...(m.tool_call_id ? [m.tool_call_id] : [])]);
  expect(ids).toHaveLength(2);
  for (const id of ids) {
    expect(id.length).toBeLessThanOrEqual(40);
    expect(id).not.toContain('__ts__');
  }
  expect(ids[0]).toBe(ids[1]);
});

test('tool calls Gemini never made (another model, or written by the client) get Google\'s placeholder, not a 400', async () => {
  h.fakes.gemini.script(turn(gemini, 'answer'));
  const messages: ChatCompletionMessageParam[] = [
    { role: 'user', content: 'What is the weather in Paris?' },
    { role: 'assistant', content: null, tool_calls: [{ id: 'toolu_01ABC', type: 'function', function: { name: 'get_weather', arguments: '{"location":"Paris"}' } }] },
    { role: 'tool', tool_call_id: 'toolu_01ABC', content: TOOL_RESULTS.get_weather },
  ];
  expect((await ask('gem-chat', messages, false)).content).toBe(ANSWER);
  const sent = h.fakes.gemini.requests.at(-1)!.body as GeminiBody;
  expect(sent.contents[1].parts[0].thoughtSignature).toBe('skip_thought_signature_validator');
  expect(h.fakes.gemini.bypassedSignatures).toEqual(['get_weather:{"location":"Paris"}']);
});
