// LiteLLM-style prompt caching on the OpenAI chat surface: Anthropic `cache_control` breakpoints (TTL
// included) on system and user content parts, on a tool definition and on a tool result, sent with the
// `openai` SDK over a two-turn tool loop, plain and streamed. They reach an Anthropic upstream exactly
// where the client put them (the prefix before the new turn byte-identical between the two requests),
// and are removed, not rejected, for Gemini, OpenAI-compatible and Azure upstreams (strict fakes).

import { afterAll, afterEach, beforeAll, describe, expect, test } from 'bun:test';
import OpenAI from 'openai';
import type { ChatCompletionMessageParam, ChatCompletionTool } from 'openai/resources/chat/completions';
import { TEST_KEY } from '../helpers/gateway.ts';
import { ANSWER, type Conformance, EXPECTED_CALLS, OPENAI_TOOLS, TARGETS, TOOL_RESULTS, startConformance, turn } from './harness.ts';

let h: Conformance;
let openai: OpenAI;

beforeAll(async () => {
  h = await startConformance();
  openai = new OpenAI({ apiKey: TEST_KEY, baseURL: `${h.gw.url}/v1`, maxRetries: 0 });
});
afterAll(async () => {
  await h.stop();
});
afterEach(() => {
  const rejected = Object.entries(h.fakes).flatMap(([name, f]) => f.rejections.map((r) => `${name}: ${r}`));
  h.reset();
  expect(rejected).toEqual([]);
});

const EPHEMERAL = { type: 'ephemeral' };
const HOUR = { type: 'ephemeral', ttl: '1h' };
const ASK = 'What is the weather and the time in Paris?';
const SYSTEM = [{ type: 'text', text: 'You are a CLI agent.' }, { type: 'text', text: 'Long project context.', cache_control: HOUR }];
// The openai SDK's types do not know cache_control; LiteLLM-style clients send it anyway.
const TOOLS = OPENAI_TOOLS.map((t, i) => (i === OPENAI_TOOLS.length - 1 ? { ...t, cache_control: HOUR } : t)) as ChatCompletionTool[];

function conversation(): ChatCompletionMessageParam[] {
  return [
    { role: 'system', content: SYSTEM },
    { role: 'user', content: [{ type: 'text', text: ASK, cache_control: EPHEMERAL }] },
  ] as ChatCompletionMessageParam[];
}

type Calls = Array<{ id: string; name: string; arguments: string }>;

async function ask(model: string, messages: ChatCompletionMessageParam[], stream: boolean): Promise<{ content: string; calls: Calls }> {
  if (!stream) {
    const m = (await openai.chat.completions.create({ model, messages, tools: TOOLS })).choices[0].message;
    return { content: m.content ?? '', calls: (m.tool_calls ?? []).flatMap((c) => (c.type === 'function' ? [{ id: c.id, ...c.function }] : [])) };
  }
  let content = '';
  const calls: Calls = [];
  for await (const chunk of await openai.chat.completions.create({ model, messages, tools: TOOLS, stream: true })) {
    const delta = chunk.choices[0]?.delta;
    content += delta?.content ?? '';
    for (const tc of delta?.tool_calls ?? []) {
      const call = (calls[tc.index] ??= { id: '', name: '', arguments: '' });
      call.id ||= tc.id ?? '';
      call.name += tc.function?.name ?? '';
      call.arguments += tc.function?.arguments ?? '';
    }
  }
  return { content, calls };
}

describe.each(TARGETS.filter((t) => t.name !== 'azure-v1'))('openai SDK with cache_control → $name', (t) => {
  test.each([false, true])('two-turn tool loop (stream: %p): breakpoints kept for Anthropic, dropped elsewhere without a 400', async (stream) => {
    const fake = h.fakes[t.fake];
    fake.script(turn(t, 'tools'), turn(t, 'answer'));
    const messages = conversation();
    const first = await ask(t.model, messages, stream);
    expect(first.calls.map((c) => ({ name: c.name, args: JSON.parse(c.arguments) }))).toEqual(EXPECTED_CALLS);
    messages.push({ role: 'assistant', content: first.content || null, tool_calls: first.calls.map((c) => ({ id: c.id, type: 'function', function: { name: c.name, arguments: c.arguments } })) });
    first.calls.forEach((c, i) => {
      const last = i === first.calls.length - 1;
      messages.push({ role: 'tool', tool_call_id: c.id, content: [{ type: 'text', text: TOOL_RESULTS[c.name], ...(last ? { cache_control: EPHEMERAL } : {}) }] } as ChatCompletionMessageParam);
    });
    const second = await ask(t.model, messages, stream);
    expect(second.content).toBe(ANSWER);

    const [up1, up2] = fake.requests.map((r) => r.body as Record<string, any>);
    if (t.fake === 'anthropic') {
      expect(up1.system).toEqual(SYSTEM);
      expect(up1.tools.map((x: { cache_control?: unknown }) => x.cache_control ?? null)).toEqual([null, HOUR]);
      expect(up1.messages[0].content).toEqual([{ type: 'text', text: ASK, cache_control: EPHEMERAL }]);
      const results = up2.messages[2].content;
      expect(results.map((r: { type: string }) => r.type)).toEqual(['tool_result', 'tool_result']);
      expect(results.at(-1).content).toEqual([{ type: 'text', text: TOOL_RESULTS[first.calls.at(-1)!.name], cache_control: EPHEMERAL }]);
      expect(results[0].content).toEqual([{ type: 'text', text: TOOL_RESULTS[first.calls[0].name] }]);
      // The cached prefix (tools, system, first user turn) is byte-identical between the two requests.
      expect(JSON.stringify([up2.tools, up2.system, up2.messages[0]])).toBe(JSON.stringify([up1.tools, up1.system, up1.messages[0]]));
    } else {
      expect(JSON.stringify([up1, up2])).not.toContain('cache_control');
      // Only the breakpoints go: the text reaches the upstream unchanged.
      expect(JSON.stringify(up1)).toContain('Long project context.');
      expect(JSON.stringify(up2)).toContain('sunny');
      expect(JSON.stringify(up2)).toContain('14:05');
    }
  });
});
