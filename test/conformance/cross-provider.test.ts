// Conformance across providers: a conversation started on one provider continues on another (model
// switch or failover), errors before any content fail over (HTTP 529, an Anthropic `error` event right
// after message_start, a Gemini error event as the first event), and tool-call ids stay unique across
// turns, which Anthropic's API enforces and Claude Code relies on.

import { afterAll, afterEach, beforeAll, describe, expect, test } from 'bun:test';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import type { ChatCompletionMessageParam } from 'openai/resources/chat/completions';
import { TEST_KEY } from '../helpers/gateway.ts';
import { ANSWER, ANTHROPIC_TOOLS, type Conformance, HELLO, OPENAI_TOOLS, TARGETS, TOOL_RESULTS, startConformance, turn } from './harness.ts';

let h: Conformance;
let openai: OpenAI;
let anthropic: Anthropic;

beforeAll(async () => {
  h = await startConformance();
  openai = new OpenAI({ apiKey: TEST_KEY, baseURL: `${h.gw.url}/v1`, maxRetries: 0 });
  anthropic = new Anthropic({ apiKey: TEST_KEY, baseURL: h.gw.url, maxRetries: 0 });
});
afterAll(async () => {
  await h.stop();
});
afterEach(() => {
  const rejected = Object.fromEntries(Object.entries(h.fakes).map(([name, fake]) => [name, [...fake.rejections]]));
  h.reset();
  expect(rejected).toEqual({ openai: [], anthropic: [], gemini: [], azure: [] });
});

const target = (name: string) => TARGETS.find((t) => t.name === name)!;
const question: ChatCompletionMessageParam[] = [{ role: 'user', content: 'What is the weather and the time in Paris?' }];

/** One tool round on `model`: the tool-call answer, then the client's tool results appended. */
async function toolRound(model: string, messages: ChatCompletionMessageParam[]): Promise<string[]> {
  const res = await openai.chat.completions.create({ model, messages, tools: OPENAI_TOOLS });
  const message = res.choices[0].message;
  messages.push(message as ChatCompletionMessageParam);
  for (const call of message.tool_calls ?? []) {
    if (call.type === 'function') messages.push({ role: 'tool', tool_call_id: call.id, content: TOOL_RESULTS[call.function.name] });
  }
  return (message.tool_calls ?? []).map((c) => c.id);
}

describe('a conversation continues on another provider', () => {
  test.each([
    ['anthropic', 'gemini'], ['anthropic', 'openai'], ['anthropic', 'azure'],
    ['openai', 'anthropic'], ['openai', 'gemini'], ['azure', 'anthropic'], ['azure', 'gemini'], ['gemini', 'anthropic'],
  ])('tool round on %s, answer from %s', async (from, to) => {
    const a = target(from);
    const b = target(to);
    h.fakes[a.fake].script(turn(a, 'tools'));
    h.fakes[b.fake].script(turn(b, 'answer'));
    const messages = [...question];
    const ids = await toolRound(a.model, messages);
    expect(ids).toHaveLength(2);
    const res = await openai.chat.completions.create({ model: b.model, messages, tools: OPENAI_TOOLS });
    expect(res.choices[0].message.content).toBe(ANSWER);
  });

  // A Gemini tool call carries `extra_content.google.thoughtSignature` and clients send it back; OpenAI-style
  // APIs reject unknown properties, so the openai and azure adapters drop it (openai keeps it with
  // `forward_extra_content: true`, for Gemini's own OpenAI-compatible endpoint).
  test.each([['gemini', 'openai'], ['gemini', 'azure']])('tool round on %s, answer from %s', async (from, to) => {
    const a = target(from);
    const b = target(to);
    h.fakes[a.fake].script(turn(a, 'tools'));
    h.fakes[b.fake].script(turn(b, 'answer'));
    const messages = [...question];
    await toolRound(a.model, messages);
    const res = await openai.chat.completions.create({ model: b.model, messages, tools: OPENAI_TOOLS }).catch((e: Error) => e);
    h.reset();
    expect(res).not.toBeInstanceOf(Error);
  });

  test('tool-call ids outside Anthropic\'s id pattern (Kimi-style "functions.get_weather:0") still continue on Anthropic', async () => {
    const calls = [
      { id: 'functions.get_weather:0', type: 'function', function: { name: 'get_weather', arguments: '{"location":"Paris"}' } },
      { id: 'functions.get_time:1', type: 'function', function: { name: 'get_time', arguments: '{"timezone":"Europe/Paris"}' } },
    ];
    h.fakes.openai.script({
      json: {
        id: 'chatcmpl-kimi', object: 'chat.completion', created: 1730000100, model: 'gpt-4o',
        choices: [{ index: 0, message: { role: 'assistant', content: null, tool_calls: calls }, finish_reason: 'tool_calls' }],
        usage: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 },
      },
    });
    h.fakes.anthropic.script(turn(target('anthropic'), 'answer'));
    const messages = [...question];
    expect(await toolRound('oa-chat', messages)).toEqual(calls.map((c) => c.id));
    const res = await openai.chat.completions.create({ model: 'claude-chat', messages, tools: OPENAI_TOOLS });
    expect(res.choices[0].message.content).toBe(ANSWER);
    const body = h.fakes.anthropic.requests[0].body as { messages: Array<{ content: Array<{ type: string; id?: string; tool_use_id?: string }> }> };
    const uses = body.messages[1].content.filter((b) => b.type === 'tool_use').map((b) => b.id);
    expect(body.messages[2].content.map((b) => b.tool_use_id)).toEqual(uses);
  });

  test('gemini → anthropic with a user remark after the tool results: tool_result blocks first, then the text', async () => {
    h.fakes.gemini.script(turn(target('gemini'), 'tools'));
    h.fakes.anthropic.script(turn(target('anthropic'), 'answer'));
    const messages = [...question];
    await toolRound('gem-chat', messages);
    messages.push({ role: 'user', content: 'Answer in one sentence.' });
    await openai.chat.completions.create({ model: 'claude-chat', messages, tools: OPENAI_TOOLS });
    const body = h.fakes.anthropic.requests[0].body as { messages: Array<{ role: string; content: Array<{ type: string }> }> };
    expect(body.messages.at(-1)!.content.map((c) => c.type)).toEqual(['tool_result', 'tool_result', 'text']);
  });
});

describe('tool-call ids stay unique across turns', () => {
  // Gemini has no tool-call ids; the adapter derives them from each response's responseId so a history
  // never repeats one (Anthropic answers 400 "`tool_use` ids must be unique", Claude Code pairs by id).
  test('two Gemini tool rounds, then an Anthropic model: accepted', async () => {
    const gem = target('gemini');
    h.fakes.gemini.script(turn(gem, 'tools'), turn(gem, 'tools'));
    h.fakes.anthropic.script(turn(target('anthropic'), 'answer'));
    const messages = [...question];
    const first = await toolRound('gem-chat', messages);
    const second = await toolRound('gem-chat', messages);
    const res = await openai.chat.completions.create({ model: 'claude-chat', messages, tools: OPENAI_TOOLS }).catch((e: Error) => e);
    h.reset(); // the assertions below, not the afterEach rejection check, decide this test
    expect(res).not.toBeInstanceOf(Error);
    expect(new Set([...first, ...second]).size).toBe(4);
  });

  test('Claude Code over Gemini: the tool_use ids of the second round differ from the first', async () => {
    const gem = target('gemini');
    h.fakes.gemini.script(turn(gem, 'tools'), turn(gem, 'tools'));
    const messages: Anthropic.MessageParam[] = [{ role: 'user', content: 'What is the weather and the time in Paris?' }];
    const ids: string[] = [];
    for (let round = 0; round < 2; round++) {
      const msg = await anthropic.messages.stream({ model: 'gem-chat', max_tokens: 256, tools: ANTHROPIC_TOOLS, messages }).finalMessage();
      const uses = msg.content.filter((b): b is Anthropic.ToolUseBlock => b.type === 'tool_use');
      ids.push(...uses.map((u) => u.id));
      messages.push({ role: 'assistant', content: msg.content });
      messages.push({ role: 'user', content: uses.map((u) => ({ type: 'tool_result' as const, tool_use_id: u.id, content: TOOL_RESULTS[u.name] })) });
    }
    expect(new Set(ids).size).toBe(4);
  });
});

describe('errors before any content fail over to the next target', () => {
  test('Anthropic HTTP 529 overloaded → the OpenAI target answers', async () => {
    h.fakes.anthropic.script({ json: 'anthropic/error-overloaded.json', status: 529 });
    h.fakes.openai.script(turn(target('openai'), 'text'));
    const res = await openai.chat.completions.create({ model: 'fo-claude', messages: [{ role: 'user', content: 'Say hello.' }] });
    expect(res.choices[0].message.content).toBe(HELLO);
    expect(h.fakes.anthropic.requests).toHaveLength(1);
  });

  test('Anthropic stream: an error event right after message_start → the OpenAI target answers the stream', async () => {
    const sse = [
      'event: message_start\ndata: {"type":"message_start","message":{"id":"msg_x","type":"message","role":"assistant","content":[],"model":"claude-sonnet-4-5","stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":5,"output_tokens":1}}}\n\n',
      'event: ping\ndata: {"type":"ping"}\n\n',
      'event: error\ndata: {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}\n\n',
    ].join('');
    h.fakes.anthropic.script({ sse });
    h.fakes.openai.script(turn(target('openai'), 'text'));
    const stream = await openai.chat.completions.create({ model: 'fo-claude', stream: true, messages: [{ role: 'user', content: 'Say hello.' }] });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    expect(text).toBe(HELLO);
  });

  test('Gemini stream: an error as the first event → the OpenAI target answers the stream', async () => {
    h.fakes.gemini.script({ sse: 'data: {"error": {"code": 503, "message": "The model is overloaded.", "status": "UNAVAILABLE"}}\r\n\r\n' });
    h.fakes.openai.script(turn(target('openai'), 'text'));
    const stream = await openai.chat.completions.create({ model: 'fo-gem', stream: true, messages: [{ role: 'user', content: 'Say hello.' }] });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    expect(text).toBe(HELLO);
  });

  test('the same failover on the Anthropic surface: the client sees one clean message', async () => {
    h.fakes.anthropic.script({ json: 'anthropic/error-overloaded.json', status: 529 });
    h.fakes.openai.script(turn(target('openai'), 'text'));
    const msg = await anthropic.messages.stream({ model: 'fo-claude', max_tokens: 64, messages: [{ role: 'user', content: 'Say hello.' }] }).finalMessage();
    expect(msg.content as unknown).toEqual([{ type: 'text', text: HELLO }]);
  });
});
