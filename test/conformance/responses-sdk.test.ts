// Conformance of the Responses surface: the `openai` SDK's responses.create and responses.stream through
// the real gateway to strict fakes of OpenAI chat, Anthropic, Gemini (translated through the canonical
// chat form) and OpenAI's own Responses API (native, as OpenAI and as Azure v1). Every target is asked the
// same things: text (plain and streamed, same usage and cost), tools over two turns by
// previous_response_id and by passing items back, parallel calls, JSON schema output, an image.

import { afterAll, afterEach, beforeAll, describe, expect, test } from 'bun:test';
import OpenAI from 'openai';
import type { ResponseInputItem, ResponseStreamEvent } from 'openai/resources/responses/responses';
import { TEST_KEY } from '../helpers/gateway.ts';
import { ANSWER, EXPECTED_CALLS, HELLO, OPENAI_TOOLS, PNG_DATA_URL, TOOL_RESULTS } from './harness.ts';
import { R_TARGETS, type RHarness, type RTarget, rowOf, startResponsesHarness, turnOf } from './responses-harness.ts';

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
  const rejected = Object.fromEntries(Object.entries(h.fakes).map(([name, fake]) => [name, [...fake.rejections]]));
  h.reset();
  expect(rejected).toEqual({ openai: [], anthropic: [], gemini: [], responses: [] });
});

const TOOLS = OPENAI_TOOLS.map((t) => ({ type: 'function' as const, name: t.function.name, description: t.function.description, parameters: t.function.parameters as Record<string, unknown>, strict: false }));
const ASK = 'What is the weather and the time in Paris?';
const lastBody = (t: RTarget) => h.fakes[t.fake].requests.at(-1)!.body as Record<string, any>;

/** Stream contract: numbered from 0 without gaps, created → in_progress first, completed last. */
function expectWellFormed(events: ResponseStreamEvent[]) {
  expect(events.map((e) => e.sequence_number)).toEqual(events.map((_, i) => i));
  expect(events[0].type).toBe('response.created');
  expect(events[1].type).toBe('response.in_progress');
  expect(events.at(-1)!.type).toBe('response.completed');
  expect(events.filter((e) => e.type === 'response.completed')).toHaveLength(1);
  const added = events.filter((e) => e.type === 'response.output_item.added').length;
  expect(events.filter((e) => e.type === 'response.output_item.done').length).toBe(added);
}

function toolResults(calls: Array<{ call_id: string; name: string }>): ResponseInputItem[] {
  return calls.map((c) => ({ type: 'function_call_output' as const, call_id: c.call_id, output: TOOL_RESULTS[c.name] }));
}

for (const t of R_TARGETS) {
  describe(`responses → ${t.name}`, () => {
    test('create and stream: same text, usage and billed cost; stored and retrievable', async () => {
      h.fakes[t.fake].script(turnOf(t, 'text'), turnOf(t, 'text'));
      const { data: plain, response: raw } = await client.responses.create({ model: t.model, input: 'Say hello.', instructions: 'Be brief.', metadata: { run: 'a' } }).withResponse();
      expect(plain.object).toBe('response');
      expect(plain.id).toMatch(/^resp_/);
      expect(plain.status).toBe('completed');
      expect(plain.model).toBe(t.model);
      expect(plain.output_text).toBe(HELLO);
      expect(plain.instructions).toBe('Be brief.');
      expect(plain.metadata).toEqual({ run: 'a' });
      expect(plain.usage!.input_tokens).toBeGreaterThan(0);
      expect(plain.usage!.total_tokens).toBe(plain.usage!.input_tokens + plain.usage!.output_tokens);
      // The recordings of OpenAI (chat and Responses) report 4 cached prompt tokens.
      if (t.dir.startsWith('openai')) expect(plain.usage!.input_tokens_details.cached_tokens).toBe(4);
      const body = lastBody(t);
      if (t.native) {
        expect(body.instructions).toBe('Be brief.');
        expect(body.store).toBe(false);
      }

      const stream = client.responses.stream({ model: t.model, input: 'Say hello.', instructions: 'Be brief.' });
      const events: ResponseStreamEvent[] = [];
      for await (const e of stream) events.push(e);
      const final = await stream.finalResponse();
      expectWellFormed(events);
      expect(events.some((e) => e.type === 'response.output_text.delta')).toBe(true);
      expect(final.output_text).toBe(HELLO);
      expect(final.usage).toEqual(plain.usage);

      const plainRow = await rowOf(h, raw.headers.get('x-request-id'));
      const streamId = `req_${final.id.slice('resp_'.length)}`;
      const streamRow = await rowOf(h, streamId);
      expect(plainRow.costMicros).toBeGreaterThan(0);
      expect(streamRow.costMicros).toBe(plainRow.costMicros);
      expect(streamRow.stream).toBe(true);

      const stored = await client.responses.retrieve(final.id);
      expect(stored.output_text).toBe(HELLO);
      expect(stored.usage).toEqual(final.usage);
    });

    test('tools over two turns via previous_response_id: parallel calls, results reach the provider', async () => {
      h.fakes[t.fake].script(turnOf(t, 'tools'), turnOf(t, 'answer'));
      const first = await client.responses.create({ model: t.model, input: ASK, tools: TOOLS, parallel_tool_calls: true });
      const calls = first.output.filter((o) => o.type === 'function_call');
      expect(calls.map((c) => ({ name: c.name, args: JSON.parse(c.arguments) }))).toEqual(EXPECTED_CALLS);
      if (t.native) {
        expect(first.output.find((o) => o.type === 'reasoning')).toBeDefined();
        // Reasoning tokens are reported (and billed as output: they are part of output_tokens).
        expect(first.usage).toMatchObject({ output_tokens: 96, output_tokens_details: { reasoning_tokens: 64 } });
      }
      const second = await client.responses.create({ model: t.model, previous_response_id: first.id, input: toolResults(calls), tools: TOOLS });
      expect(second.output_text).toBe(ANSWER);
      expect(second.previous_response_id).toBe(first.id);
      const body = lastBody(t);
      if (t.native) {
        const types = (body.input as Array<{ type?: string }>).map((i) => i.type ?? 'message');
        expect(types).toEqual(['message', 'reasoning', 'function_call', 'function_call', 'function_call_output', 'function_call_output']);
        // The reasoning item survives with its encrypted content (the upstream keeps no state).
        expect((body.input as Array<{ encrypted_content?: string }>)[1].encrypted_content).toMatch(/^gAAAA/);
      } else {
        expect(JSON.stringify(body)).toContain('Europe/Paris');
        expect(JSON.stringify(body)).toContain('sunny');
      }
    });

    test('tools over two turns by passing items back (streamed, store: false)', async () => {
      h.fakes[t.fake].script(turnOf(t, 'tools'), turnOf(t, 'answer'));
      const stream = client.responses.stream({ model: t.model, input: ASK, tools: TOOLS, store: false, include: ['reasoning.encrypted_content'] });
      const events: ResponseStreamEvent[] = [];
      for await (const e of stream) events.push(e);
      expectWellFormed(events);
      const first = await stream.finalResponse();
      const calls = first.output.filter((o) => o.type === 'function_call');
      expect(calls.map((c) => c.name)).toEqual(['get_weather', 'get_time']);
      expect(events.filter((e) => e.type === 'response.function_call_arguments.done')).toHaveLength(2);
      expect(await client.responses.retrieve(first.id).then(() => 200, (e: { status?: number }) => e.status)).toBe(404);
      const input: ResponseInputItem[] = [{ role: 'user', content: ASK }, ...(first.output as ResponseInputItem[]), ...toolResults(calls)];
      const second = client.responses.stream({ model: t.model, input, tools: TOOLS, store: false });
      const answer = await second.finalResponse();
      expect(answer.output_text).toBe(ANSWER);
    });

    test('JSON schema output and an image input reach the provider in its own form', async () => {
      h.fakes[t.fake].script(turnOf(t, 'text'));
      const schema = { type: 'object', properties: { greeting: { type: 'string' } }, required: ['greeting'], additionalProperties: false };
      const res = await client.responses.create({
        model: t.model,
        input: [{ role: 'user', content: [{ type: 'input_text', text: 'Describe.' }, { type: 'input_image', image_url: PNG_DATA_URL, detail: 'auto' }] }],
        text: { format: { type: 'json_schema', name: 'greeting', schema, strict: true } },
      });
      expect(res.output_text).toBe(HELLO);
      expect(res.text?.format).toMatchObject({ type: 'json_schema', name: 'greeting' });
      const body = JSON.stringify(lastBody(t));
      // Anthropic has no structured-output field; its adapter drops response_format, as on the chat surface.
      if (t.fake !== 'anthropic') expect(body).toContain('greeting');
      expect(body).toContain(PNG_DATA_URL.slice(22, 60));
    });
  });
}
