// The Responses surface beyond one call: stored responses are the caller key's alone (GET, input_items,
// DELETE, previous_response_id all answer 404 to another key), store:false keeps nothing, built-in tools
// are refused only when a non-OpenAI target may serve the call, a mid-stream upstream failure ends with
// response.failed, the same conversation costs the same through chat completions and Responses, and a
// recorded Codex-CLI-shaped request streams back the events Codex consumes.

import { afterAll, afterEach, beforeAll, describe, expect, test } from 'bun:test';
import OpenAI from 'openai';
import { TEST_KEY } from '../helpers/gateway.ts';
import { fixtureJson } from './fakes/strict-server.ts';
import { HELLO } from './harness.ts';
import { OTHER_KEY, POOR_KEY, R_TARGETS, type RHarness, rowOf, startResponsesHarness, turnOf } from './responses-harness.ts';

let h: RHarness;
let owner: OpenAI;
let other: OpenAI;

beforeAll(async () => {
  h = await startResponsesHarness();
  owner = new OpenAI({ apiKey: TEST_KEY, baseURL: `${h.gw.url}/v1`, maxRetries: 0 });
  other = new OpenAI({ apiKey: OTHER_KEY, baseURL: `${h.gw.url}/v1`, maxRetries: 0 });
});
afterAll(async () => {
  await h.stop();
});
afterEach(() => {
  const rejected = Object.fromEntries(Object.entries(h.fakes).map(([name, fake]) => [name, [...fake.rejections]]));
  h.reset();
  expect(rejected).toEqual({ openai: [], anthropic: [], gemini: [], responses: [] });
});

const statusOf = (p: Promise<unknown>) => p.then(() => 200, (e: { status?: number }) => e.status);

async function sse(path: string, body: unknown, key = TEST_KEY): Promise<{ status: number; events: Array<Record<string, any>>; names: string[] }> {
  const res = await fetch(`${h.gw.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const text = await res.text();
  const frames = text.split('\n\n').filter(Boolean);
  const names = frames.map((f) => /^event: (.+)$/m.exec(f)?.[1] ?? '');
  const events = frames.map((f) => JSON.parse(/^data: (.+)$/m.exec(f)![1]));
  return { status: res.status, events, names };
}

describe('stored responses belong to their key', () => {
  test('another key gets 404 for GET, input_items, DELETE and previous_response_id; the owner reads and deletes', async () => {
    const made = await owner.responses.create({ model: 'oa-chat', input: 'Say hello.' });
    expect(await statusOf(other.responses.retrieve(made.id))).toBe(404);
    expect(await statusOf(other.responses.inputItems.list(made.id))).toBe(404);
    expect(await statusOf(other.responses.delete(made.id))).toBe(404);
    expect(await statusOf(other.responses.create({ model: 'oa-chat', input: 'Go on.', previous_response_id: made.id }))).toBe(404);

    expect((await owner.responses.retrieve(made.id)).output_text).toBe(HELLO);
    const items = await owner.responses.inputItems.list(made.id);
    expect(items.data).toHaveLength(1);
    expect(items.data[0]).toMatchObject({ type: 'message', role: 'user', content: [{ type: 'input_text', text: 'Say hello.' }] });
    await owner.responses.delete(made.id);
    expect(await statusOf(owner.responses.retrieve(made.id))).toBe(404);
  });

  test('input_items pages with limit, order and after; a bad value of any is a 400 naming it', async () => {
    const made = await owner.responses.create({ model: 'oa-chat', input: [{ role: 'user', content: 'One.' }, { role: 'user', content: 'Two.' }, { role: 'user', content: 'Three.' }] });
    const texts = (page: { data: unknown[] }) => page.data.map((i) => (i as { content: Array<{ text: string }> }).content[0]!.text);
    const first = await owner.responses.inputItems.list(made.id, { limit: 2, order: 'asc' });
    expect(texts(first)).toEqual(['One.', 'Two.']);
    expect(first.has_more).toBe(true);
    const rest = await owner.responses.inputItems.list(made.id, { limit: 2, order: 'asc', after: first.data.at(-1)!.id });
    expect(texts(rest)).toEqual(['Three.']);
    expect(texts(await owner.responses.inputItems.list(made.id))).toEqual(['Three.', 'Two.', 'One.']);
    for (const [query, param] of [['limit=0', 'limit'], ['limit=101', 'limit'], ['limit=2.5', 'limit'], ['limit=ten', 'limit'], ['order=up', 'order'], ['after=item_nope', 'after']]) {
      const res = await fetch(`${h.gw.url}/v1/responses/${made.id}/input_items?${query}`, { headers: { authorization: `Bearer ${TEST_KEY}` } });
      expect({ query, status: res.status }).toEqual({ query, status: 400 });
      expect((await res.json()).error).toMatchObject({ type: 'invalid_request_error', code: 'invalid_value', param });
    }
  });

  test('store: false keeps nothing; an unknown previous_response_id is a 404 naming the field', async () => {
    const made = await owner.responses.create({ model: 'oa-chat', input: 'Say hello.', store: false });
    expect((made as unknown as { store: boolean }).store).toBe(false);
    expect(await statusOf(owner.responses.retrieve(made.id))).toBe(404);
    const res = await fetch(`${h.gw.url}/responses`, { method: 'POST', headers: { authorization: `Bearer ${TEST_KEY}`, 'content-type': 'application/json' }, body: JSON.stringify({ model: 'oa-chat', input: 'x', previous_response_id: 'resp_nope' }) });
    expect(res.status).toBe(404);
    expect((await res.json()).error).toMatchObject({ param: 'previous_response_id', type: 'invalid_request_error' });
  });

  test('without /v1 and on a Responses path a bad key is an OpenAI-shaped 401', async () => {
    const res = await fetch(`${h.gw.url}/responses`, { method: 'POST', headers: { authorization: 'Bearer sk-wrong-key-000000', 'content-type': 'application/json' }, body: '{}' });
    expect(res.status).toBe(401);
    expect((await res.json()).error.code).toBe('invalid_api_key');
  });
});

describe('reasoning.effort', () => {
  const expected: Record<string, (body: Record<string, any>) => unknown> = {
    openai: (b) => b.reasoning_effort,
    anthropic: (b) => b.thinking,
    gemini: (b) => b.generationConfig?.thinkingConfig,
    responses: (b) => b.reasoning,
  };
  const want: Record<string, unknown> = {
    openai: 'high', anthropic: { type: 'enabled', budget_tokens: 16384 }, gemini: { thinkingLevel: 'high' }, responses: { effort: 'high' },
  };
  for (const t of R_TARGETS) {
    test(`${t.name}: mapped to the provider's own reasoning control`, async () => {
      h.fakes[t.fake].script(turnOf(t, 'text'));
      await owner.responses.create({ model: t.model, input: 'Think, then say hello.', reasoning: { effort: 'high' }, temperature: 0.5 });
      const body = h.fakes[t.fake].requests.at(-1)!.body as Record<string, any>;
      expect(expected[t.fake](body)).toEqual(want[t.fake]);
      if (t.fake === 'anthropic') {
        expect(body.max_tokens).toBeGreaterThan(16384);
        expect(body.temperature).toBeUndefined();
      }
    });
  }
});

describe('routes and budgets', () => {
  test('a `protocol: responses` route serves the Responses API below its prefix', async () => {
    const codex = new OpenAI({ apiKey: TEST_KEY, baseURL: `${h.gw.url}/codex/v1`, maxRetries: 0 });
    const made = await codex.responses.create({ model: 'oa-chat', input: 'Say hello.' });
    expect(made.output_text).toBe(HELLO);
    expect((await codex.responses.retrieve(made.id)).id).toBe(made.id);
    const res = await fetch(`${h.gw.url}/codex/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${TEST_KEY}` } });
    expect(res.status).toBe(404);
    expect((await res.json()).error.code).toBe('unknown_route');
  });

  test('a budget that cannot cover the request is refused as on chat completions (429 insufficient_quota)', async () => {
    const poor = new OpenAI({ apiKey: POOR_KEY, baseURL: `${h.gw.url}/v1`, maxRetries: 0 });
    const viaChat = await poor.chat.completions.create({ model: 'oa-chat', messages: [{ role: 'user', content: 'Say hello.' }] }).then(() => undefined, (e: { status: number; code: string }) => e);
    const viaResponses = await poor.responses.create({ model: 'oa-chat', input: 'Say hello.' }).then(() => undefined, (e: { status: number; code: string }) => e);
    expect(viaChat).toMatchObject({ status: 429, code: 'insufficient_quota' });
    expect(viaResponses).toMatchObject({ status: 429, code: 'insufficient_quota' });
    expect(h.fakes.openai.requests).toHaveLength(0);
  });
});

describe('built-in tools', () => {
  test('refused with a clear 400 when a non-OpenAI target may serve the model; sent upstream for native targets', async () => {
    const tools = [{ type: 'web_search' as const }];
    for (const model of ['claude-chat', 'mixed']) {
      const err = await owner.responses.create({ model, input: 'News?', tools }).then(() => undefined, (e: { status: number; error: { message: string; param: string } }) => e);
      expect(err?.status).toBe(400);
      expect(err?.error.param).toBe('tools[0]');
      expect(err?.error.message).toContain('web_search');
    }
    expect(h.fakes.anthropic.requests).toHaveLength(0);
    const ok = await owner.responses.create({ model: 'resp-native', input: 'News?', tools });
    expect(ok.output_text).toBe(HELLO);
    expect((h.fakes.responses.requests.at(-1)!.body as { tools: unknown }).tools).toEqual(tools);
  });
});

describe('streams that fail', () => {
  test('an upstream cut mid-stream ends with response.failed, never response.completed', async () => {
    const cut = 'data: {"id":"c","object":"chat.completion.chunk","created":1,"model":"gpt-4o","choices":[{"index":0,"delta":{"role":"assistant","content":"Hel"},"finish_reason":null}]}\n\n';
    h.fakes.openai.script({ sse: cut });
    const { status, events } = await sse('/v1/responses', { model: 'oa-chat', input: 'Say hello.', stream: true });
    expect(status).toBe(200);
    expect(events.at(-1)!.type).toBe('response.failed');
    expect(events.at(-1)!.response.status).toBe('failed');
    expect(events.at(-1)!.response.error.code).toBe('server_error');
    expect(events.some((e) => e.type === 'response.completed')).toBe(false);
    expect(events.map((e) => e.sequence_number)).toEqual(events.map((_, i) => i));
  });

  test('a native upstream response.failed becomes our response.failed', async () => {
    const failed = 'event: response.created\ndata: {"type":"response.created","sequence_number":0,"response":{"id":"resp_x","object":"response","status":"in_progress","output":[]}}\n\n'
      + 'event: response.output_text.delta\ndata: {"type":"response.output_text.delta","sequence_number":1,"item_id":"msg_1","output_index":0,"content_index":0,"delta":"Hi","logprobs":[]}\n\n'
      + 'event: response.failed\ndata: {"type":"response.failed","sequence_number":2,"response":{"id":"resp_x","object":"response","status":"failed","error":{"code":"server_error","message":"boom"},"output":[]}}\n\n';
    h.fakes.responses.script({ sse: failed });
    const { events } = await sse('/v1/responses', { model: 'resp-native', input: 'Say hello.', stream: true });
    expect(events.at(-1)!.type).toBe('response.failed');
    expect(events.some((e) => e.type === 'response.completed')).toBe(false);
  });
});

describe('cross-checks', () => {
  for (const t of R_TARGETS.filter((x) => !x.native)) {
    test(`${t.name}: the same conversation through chat completions and Responses gives the same text and cost`, async () => {
      h.fakes[t.fake].script(turnOf(t, 'text'), turnOf(t, 'text'));
      const { data: chat, response: chatRaw } = await owner.chat.completions.create({ model: t.model, messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Say hello.' }] }).withResponse();
      const { data: resp, response: respRaw } = await owner.responses.create({ model: t.model, instructions: 'Be brief.', input: 'Say hello.' }).withResponse();
      expect(resp.output_text).toBe(chat.choices[0].message.content!);
      const [a, b] = [await rowOf(h, chatRaw.headers.get('x-request-id')), await rowOf(h, respRaw.headers.get('x-request-id'))];
      expect(b.costMicros).toBe(a.costMicros);
      expect(b.promptTokens).toBe(a.promptTokens);
      expect(resp.usage!.input_tokens).toBe(chat.usage!.prompt_tokens);
      expect(resp.usage!.output_tokens).toBe(chat.usage!.completion_tokens);
      expect(respRaw.headers.get('x-switchyard-cost-usd')).toBe(chatRaw.headers.get('x-switchyard-cost-usd'));
    });
  }
});

describe('a Codex-CLI-shaped request (test/fixtures/codex)', () => {
  const contract = fixtureJson<{ consumed: string[]; completed: { required: string[] }; items: Record<string, string[]> }>('codex/stream-contract.json');
  const request = fixtureJson<Record<string, unknown>>('codex/request-turn1.json');
  for (const t of R_TARGETS.filter((x) => x.name === 'anthropic' || x.native)) {
    test(`${t.name}: events framed as OpenAI sends them, items and completion Codex can read`, async () => {
      h.fakes[t.fake].script(turnOf(t, 'tools'));
      const { status, events, names } = await sse('/v1/responses', { ...request, model: t.model });
      expect(status).toBe(200);
      expect(names).toEqual(events.map((e) => e.type));
      expect(events.map((e) => e.sequence_number)).toEqual(events.map((_, i) => i));
      for (const e of events) expect(e.type.startsWith('response.')).toBe(true);
      const done = events.filter((e) => e.type === 'response.output_item.done').map((e) => e.item);
      const calls = done.filter((i) => i.type === 'function_call');
      expect(calls.map((c) => c.name)).toEqual(['get_weather', 'get_time']);
      for (const item of done) for (const field of contract.items[item.type] ?? []) expect(item[field]).toBeDefined();
      const completed = events.at(-1)!;
      expect(completed.type).toBe('response.completed');
      for (const path of contract.completed.required) expect(path.split('.').reduce((v: any, k) => v?.[k], completed.response)).toBeDefined();
      // Reasoning items keep their encrypted content for Codex's next stateless turn (native targets).
      if (t.native) expect(done.find((i) => i.type === 'reasoning')?.encrypted_content).toMatch(/^gAAAA/);
      const upstream = h.fakes[t.fake].requests.at(-1)!.body as Record<string, any>;
      expect(JSON.stringify(upstream)).toContain('What is the weather and the time in Paris?');
    });
  }
});
