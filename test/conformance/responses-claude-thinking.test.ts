// A Codex-CLI-style agent on a Claude model through the Responses surface, driven by the real `openai`
// SDK's responses.create: reasoning.effort on, a 3-step tool loop then an answer, by full input replay
// (include reasoning.encrypted_content, store: false) and by previous_response_id (the store), streamed and
// not. The strict Anthropic fake refuses a tool-loop turn without its signed thinking while thinking is on
// and any thinking block it did not issue, so every upstream request keeping `thinking` and no rejection
// proves the signed blocks round-trip through encrypted_content / the stored response. Also: a changed
// gateway blob is a 400 naming the item; OpenAI's own encrypted_content is ignored for Claude, as before;
// our blob never reaches a native OpenAI upstream.

import { afterAll, afterEach, beforeAll, describe, expect, test } from 'bun:test';
import OpenAI from 'openai';
import { TEST_KEY } from '../helpers/gateway.ts';
import { type RHarness, startResponsesHarness } from './responses-harness.ts';
import { SIGNED_REASONING_PREFIX } from '../../src/protocols/responses/signed-reasoning.ts';

let h: RHarness;
let client: OpenAI;

beforeAll(async () => {
  h = await startResponsesHarness();
  client = new OpenAI({ apiKey: TEST_KEY, baseURL: `${h.gw.url}/v1`, maxRetries: 0 });
});
afterAll(async () => {
  await h.stop();
});
afterEach(() => {
  const rejected = [...h.fakes.anthropic.rejections, ...h.fakes.responses.rejections];
  h.reset();
  expect(rejected).toEqual([]);
});

const TOOLS = [{ type: 'function' as const, name: 'shell', description: 'run', strict: false, parameters: { type: 'object', properties: { command: { type: 'array', items: { type: 'string' } } }, required: ['command'] } }];

type Block = Record<string, unknown>;
const thinkingOf = (tag: string, step: number) => `Step ${step} (${tag}): I should run the shell.`;
const signatureOf = (tag: string, step: number) => `EqSig${tag}Step${step}abcdefghijklmnop==`;

/** One Anthropic answer: thinking (+ redacted on step 0), text, and a tool_use; or, for the last step, thinking and text. */
function answerBlocks(tag: string, step: number, last: boolean): Block[] {
  const blocks: Block[] = [{ type: 'thinking', thinking: thinkingOf(tag, step), signature: signatureOf(tag, step) }];
  if (step === 0) blocks.push({ type: 'redacted_thinking', data: `EmRedacted${tag}Data==` });
  blocks.push({ type: 'text', text: last ? 'All done.' : 'Running.' });
  if (!last) blocks.push({ type: 'tool_use', id: `toolu_${tag}_${step}`, name: 'shell', input: { command: ['ls', String(step)] } });
  return blocks;
}

function sseOf(blocks: Block[], last: boolean): string {
  const ev = (data: object) => `event: ${(data as { type: string }).type}\ndata: ${JSON.stringify(data)}\n\n`;
  let out = ev({ type: 'message_start', message: { id: 'msg_x', type: 'message', role: 'assistant', model: 'claude-sonnet-4-5-20250929', content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: 100, output_tokens: 1 } } });
  blocks.forEach((b, index) => {
    if (b.type === 'thinking') {
      out += ev({ type: 'content_block_start', index, content_block: { type: 'thinking', thinking: '', signature: '' } });
      out += ev({ type: 'content_block_delta', index, delta: { type: 'thinking_delta', thinking: b.thinking } });
      out += ev({ type: 'content_block_delta', index, delta: { type: 'signature_delta', signature: b.signature } });
    } else if (b.type === 'redacted_thinking') out += ev({ type: 'content_block_start', index, content_block: b });
    else if (b.type === 'text') {
      out += ev({ type: 'content_block_start', index, content_block: { type: 'text', text: '' } });
      out += ev({ type: 'content_block_delta', index, delta: { type: 'text_delta', text: b.text } });
    } else {
      out += ev({ type: 'content_block_start', index, content_block: { ...b, input: {} } });
      out += ev({ type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json: JSON.stringify(b.input) } });
    }
    out += ev({ type: 'content_block_stop', index });
  });
  out += ev({ type: 'message_delta', delta: { stop_reason: last ? 'end_turn' : 'tool_use', stop_sequence: null }, usage: { output_tokens: 50 } });
  return out + ev({ type: 'message_stop' });
}

function script(tag: string, steps: number): void {
  const turns = [];
  for (let step = 0; step <= steps; step++) {
    const last = step === steps;
    const content = answerBlocks(tag, step, last);
    turns.push({
      json: { id: `msg_${tag}${step}`, type: 'message', role: 'assistant', model: 'claude-sonnet-4-5-20250929', content, stop_reason: last ? 'end_turn' : 'tool_use', stop_sequence: null, usage: { input_tokens: 100, output_tokens: 50 } },
      sse: sseOf(content, last),
    });
  }
  h.fakes.anthropic.script(...turns);
}

type Item = Record<string, any>;

async function create(body: Record<string, unknown>): Promise<{ id: string; output: Item[] }> {
  if (body.stream) {
    const stream = await client.responses.create(body as unknown as OpenAI.Responses.ResponseCreateParamsStreaming);
    let final: { id: string; output: Item[] } | undefined;
    for await (const ev of stream) if (ev.type === 'response.completed') final = ev.response as unknown as { id: string; output: Item[] };
    if (!final) throw new Error('no response.completed');
    return final;
  }
  return (await client.responses.create(body as unknown as OpenAI.Responses.ResponseCreateParamsNonStreaming)) as unknown as { id: string; output: Item[] };
}

const STEPS = 3;

describe('Codex-style tool loop on Claude with reasoning.effort: thinking stays on', () => {
  for (const mode of ['replay', 'previous_response_id'] as const) {
    for (const stream of [true, false]) {
      test(`${mode}, ${stream ? 'streamed' : 'plain'}: every upstream request thinks; the signed blocks go back unchanged`, async () => {
        const tag = `${mode === 'replay' ? 'R' : 'P'}${stream ? 'S' : 'J'}`;
        script(tag, STEPS);
        let input: Item[] = [{ type: 'message', role: 'user', content: [{ type: 'input_text', text: 'fix the bug' }] }];
        let previous: string | undefined;
        for (let step = 0; step <= STEPS; step++) {
          const body = {
            model: 'claude-chat', instructions: 'You are Codex', tools: TOOLS, tool_choice: 'auto', parallel_tool_calls: false,
            reasoning: { effort: 'medium', summary: 'auto' }, stream,
            // The replay client asks for the blobs; the stored conversation keeps them without being asked.
            ...(mode === 'replay' ? { store: false, include: ['reasoning.encrypted_content'], input } : { store: true, input, previous_response_id: previous }),
          };
          const res = await create(body);
          const reasoning = res.output.filter((o) => o.type === 'reasoning');
          expect(reasoning.length).toBeGreaterThan(0);
          if (mode === 'replay') {
            expect(reasoning.every((r) => typeof r.encrypted_content === 'string' && r.encrypted_content.startsWith(SIGNED_REASONING_PREFIX))).toBe(true);
          } else expect(reasoning.some((r) => 'encrypted_content' in r)).toBe(false);
          expect(reasoning.map((r) => r.summary.map((s: { text: string }) => s.text).join('')).join('')).toContain(thinkingOf(tag, step));

          const upstream = h.fakes.anthropic.requests.at(-1)!.body as Record<string, any>;
          expect(upstream.thinking).toEqual({ type: 'enabled', budget_tokens: 4096 });
          if (step > 0) {
            const assistant = upstream.messages.at(-2);
            expect(assistant.role).toBe('assistant');
            expect(assistant.content[0]).toEqual({ type: 'thinking', thinking: thinkingOf(tag, step - 1), signature: signatureOf(tag, step - 1) });
            expect(assistant.content.map((b: Block) => b.type)).toEqual(answerBlocks(tag, step - 1, false).map((b) => b.type));
          }
          const calls = res.output.filter((o) => o.type === 'function_call');
          if (step === STEPS) {
            expect(calls).toHaveLength(0);
            break;
          }
          expect(calls).toHaveLength(1);
          const outputs = calls.map((c) => ({ type: 'function_call_output', call_id: c.call_id, output: 'ok' }));
          if (mode === 'replay') input = [...input, ...res.output, ...outputs];
          else {
            previous = res.id;
            input = outputs;
          }
        }
        expect(h.fakes.anthropic.requests).toHaveLength(STEPS + 1);
      });
    }
  }
});

describe('encrypted_content from the client', () => {
  const turn = (encrypted: string) => [
    { type: 'message', role: 'user', content: 'fix the bug' },
    { type: 'reasoning', id: 'rs_1', summary: [], encrypted_content: encrypted },
    { type: 'function_call', call_id: 'toolu_x', name: 'shell', arguments: '{"command":["ls"]}' },
    { type: 'function_call_output', call_id: 'toolu_x', output: 'ok' },
  ];
  const post = (input: unknown[]) => fetch(`${h.gw.url}/v1/responses`, {
    method: 'POST', headers: { authorization: `Bearer ${TEST_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'claude-chat', reasoning: { effort: 'medium' }, tools: TOOLS, input }),
  });
  const blob = (blocks: unknown) => SIGNED_REASONING_PREFIX + Buffer.from(JSON.stringify(blocks)).toString('base64url');

  test('a changed or malformed gateway blob is a 400 naming the item; nothing goes upstream', async () => {
    for (const bad of [
      `${SIGNED_REASONING_PREFIX}not base64!`,
      blob({ type: 'thinking', thinking: 'x', signature: 's' }),
      blob([]),
      blob([{ type: 'text', text: 'x' }]),
      blob([{ type: 'thinking', thinking: 'x', signature: 7 }]),
      blob([{ type: 'thinking', thinking: 'x', signature: 's', cache_control: { type: 'ephemeral' } }]),
      blob([{ type: 'redacted_thinking', data: 'd', tool_offset: -1 }]),
    ]) {
      const res = await post(turn(bad));
      expect(res.status).toBe(400);
      expect((await res.json()).error).toMatchObject({ code: 'invalid_value', param: 'input[1].encrypted_content' });
    }
    expect(h.fakes.anthropic.requests).toHaveLength(0);
  });

  test("OpenAI's own encrypted_content is ignored for Claude: thinking is left out of that request, as before", async () => {
    const res = await post(turn('gAAAAABopenAIencryptedReasoning=='));
    expect(res.status).toBe(200);
    const upstream = h.fakes.anthropic.requests.at(-1)!.body as Record<string, any>;
    expect(upstream.thinking).toBeUndefined();
    expect(upstream.messages[1].content.map((b: Block) => b.type)).toEqual(['tool_use']);
  });

  test('our blob never reaches a native OpenAI Responses upstream', async () => {
    const input = turn(blob([{ type: 'thinking', thinking: 'x', signature: 's' }]));
    const res = await fetch(`${h.gw.url}/v1/responses`, {
      method: 'POST', headers: { authorization: `Bearer ${TEST_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'resp-native', tools: TOOLS, input }),
    });
    expect(res.status).toBe(200);
    const sent = (h.fakes.responses.requests.at(-1)!.body as { input: Item[] }).input;
    expect(sent.some((i) => i.type === 'reasoning')).toBe(false);
  });
});

describe('interleaved thinking (several reasoning items in one answer)', () => {
  test('streamed replay: the turn goes back as one assistant message in the upstream order', async () => {
    const first: Block[] = [
      { type: 'thinking', thinking: 'First look.', signature: 'EqSigInterA==' },
      { type: 'text', text: 'Checking.' },
      { type: 'tool_use', id: 'toolu_i1', name: 'shell', input: { command: ['ls'] } },
      { type: 'thinking', thinking: 'Now the second.', signature: 'EqSigInterB==' },
      { type: 'tool_use', id: 'toolu_i2', name: 'shell', input: { command: ['pwd'] } },
    ];
    const done: Block[] = [{ type: 'thinking', thinking: 'Fine.', signature: 'EqSigInterC==' }, { type: 'text', text: 'Done.' }];
    h.fakes.anthropic.script({ sse: sseOf(first, false) }, { sse: sseOf(done, true) });
    const base = { model: 'claude-chat', tools: TOOLS, reasoning: { effort: 'medium' }, stream: true, store: false, include: ['reasoning.encrypted_content'] };
    let input: Item[] = [{ type: 'message', role: 'user', content: 'fix the bug' }];
    const res = await create({ ...base, input });
    expect(res.output.map((o) => o.type)).toEqual(['reasoning', 'message', 'function_call', 'reasoning', 'function_call']);
    input = [...input, ...res.output, ...res.output.filter((o) => o.type === 'function_call').map((c) => ({ type: 'function_call_output', call_id: c.call_id, output: 'ok' }))];
    await create({ ...base, input });
    const upstream = h.fakes.anthropic.requests.at(-1)!.body as Record<string, any>;
    expect(upstream.thinking).toEqual({ type: 'enabled', budget_tokens: 4096 });
    expect(upstream.messages).toHaveLength(3);
    expect(upstream.messages[1].content.map((b: Block) => (b.type === 'thinking' ? b.signature : b.type))).toEqual(['EqSigInterA==', 'text', 'tool_use', 'EqSigInterB==', 'tool_use']);
  });
});
