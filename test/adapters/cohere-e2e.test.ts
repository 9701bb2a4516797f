// Cohere through the gateway with the `openai` SDK against the strict Cohere v2 fake: plain and
// streamed answers, tools over two turns (plain and streamed; the tool plan comes back as
// reasoning_content and returns as tool_plan), usage from billed_units equal both ways, embeddings
// with input_type (floats and the SDK's default base64), Cohere errors mapped, keys never leaked.

import { expectNoRejections } from '../conformance/fakes/strict-server.ts';
import { afterAll, afterEach, beforeAll, expect, test } from 'bun:test';
import OpenAI from 'openai';
import type { ChatCompletionChunk, ChatCompletionMessageParam } from 'openai/resources/chat/completions';
import { TEST_KEY, type TestGateway, config, startTestGateway } from '../helpers/gateway.ts';
import { startCohereFake } from '../conformance/fakes/cohere.ts';
import type { StrictFake } from '../conformance/fakes/strict-server.ts';
import { ANSWER, EXPECTED_CALLS, HELLO, OPENAI_TOOLS, TOOL_RESULTS } from '../conformance/harness.ts';

const KEY = 'co-UPSTREAM-cohere-secret-0123456789';
let fake: StrictFake;
let gw: TestGateway;
let client: OpenAI;

beforeAll(async () => {
  fake = startCohereFake({ apiKey: KEY, clientKey: TEST_KEY, models: ['command-a-03-2025', 'embed-v4.0'] });
  gw = await startTestGateway(config(`
providers:
  co:
    adapter: cohere
    base_url: ${fake.url}
    api_key: ${KEY}
    models: { command-a: command-a-03-2025, embed: embed-v4.0 }
  co-wrong:
    adapter: cohere
    base_url: ${fake.url}
    api_key: co-WRONG-key-0123456789
    models: { command-wrong: command-a-03-2025 }
models:
  command-a: { price: { input: 2.5, output: 10 } }
routing:
  retry: { attempts: 0 }
`));
  client = new OpenAI({ apiKey: TEST_KEY, baseURL: `${gw.url}/v1`, maxRetries: 0 });
});
afterAll(async () => {
  await gw.stop();
  fake.stop();
});
afterEach(() => expectNoRejections(fake));

const last = () => fake.requests.at(-1)!.body as Record<string, any>;
const turn = (name: string) => ({ json: `cohere/conformance-${name}.json`, sse: `cohere/conformance-${name}.sse` });
const fail = (p: Promise<unknown>) => p.then(() => { throw new Error('expected an error'); }, (e: unknown) => e as InstanceType<typeof OpenAI.APIError>);

async function collect(stream: AsyncIterable<ChatCompletionChunk>) {
  let content = '';
  let reasoning = '';
  const finishes: string[] = [];
  const calls: Array<{ id?: string; name: string; arguments: string }> = [];
  let usage;
  for await (const chunk of stream) {
    if (chunk.usage) usage = chunk.usage;
    for (const c of chunk.choices) {
      content += c.delta.content ?? '';
      reasoning += (c.delta as { reasoning_content?: string }).reasoning_content ?? '';
      if (c.finish_reason) finishes.push(c.finish_reason);
      for (const tc of c.delta.tool_calls ?? []) {
        const call = (calls[tc.index] ??= { name: '', arguments: '' });
        if (tc.id) call.id = tc.id;
        call.name += tc.function?.name ?? '';
        call.arguments += tc.function?.arguments ?? '';
      }
    }
  }
  return { content, reasoning, finishes, calls, usage };
}

test('plain and streamed text: same answer, usage from billed_units both ways', async () => {
  fake.script(turn('text'), turn('text'));
  const plain = await client.chat.completions.create({ model: 'command-a', messages: [{ role: 'system', content: 'Be kind.' }, { role: 'user', content: 'Say hello.' }], temperature: 0.3, top_p: 0.9, stop: 'END', max_tokens: 50 });
  expect(plain.choices[0].message.content).toBe(HELLO);
  expect(plain.usage).toMatchObject({ prompt_tokens: 12, completion_tokens: 9, total_tokens: 21 });
  expect(last()).toMatchObject({ model: 'command-a-03-2025', stream: false, temperature: 0.3, p: 0.9, stop_sequences: ['END'], max_tokens: 50, messages: [{ role: 'system', content: 'Be kind.' }, { role: 'user', content: 'Say hello.' }] });
  const s = await collect(await client.chat.completions.create({ model: 'command-a', messages: [{ role: 'user', content: 'Say hello.' }], stream: true, stream_options: { include_usage: true } }));
  expect(s.content).toBe(HELLO);
  expect(s.finishes).toEqual(['stop']);
  expect(s.usage).toEqual(plain.usage);
  expect(Number((await fetch(`${gw.url}/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${TEST_KEY}`, 'content-type': 'application/json' }, body: JSON.stringify({ model: 'command-a', messages: [{ role: 'user', content: 'x' }] }) })).headers.get('x-switchyard-cost-usd'))).toBeCloseTo((12 * 2.5 + 9 * 10) / 1e6, 6);
});

for (const stream of [false, true]) {
  test(`tools over two turns (${stream ? 'streamed' : 'plain'}): tool calls out, tool results and the plan back in`, async () => {
    fake.script(turn('tools'), turn('answer'));
    const messages: ChatCompletionMessageParam[] = [{ role: 'user', content: 'Weather and time in Paris?' }];
    let calls: Array<{ id: string; name: string; arguments: string }>;
    let plan: string;
    if (stream) {
      const s = await collect(await client.chat.completions.create({ model: 'command-a', messages, tools: OPENAI_TOOLS, tool_choice: 'required', stream: true, stream_options: { include_usage: true } }));
      expect(s.finishes).toEqual(['tool_calls']);
      expect(s.usage).toMatchObject({ prompt_tokens: 45, completion_tokens: 38 });
      calls = s.calls as typeof calls;
      plan = s.reasoning;
    } else {
      const r = await client.chat.completions.create({ model: 'command-a', messages, tools: OPENAI_TOOLS, tool_choice: 'required' });
      expect(r.choices[0].finish_reason).toBe('tool_calls');
      calls = r.choices[0].message.tool_calls!.map((c) => ({ id: c.id, name: (c as { function: { name: string } }).function.name, arguments: (c as { function: { arguments: string } }).function.arguments }));
      plan = (r.choices[0].message as { reasoning_content?: string }).reasoning_content ?? '';
    }
    expect(plan).toBe('I will look up the weather in Paris and the local time there.');
    expect(calls.map((c) => ({ name: c.name, args: JSON.parse(c.arguments) }))).toEqual(EXPECTED_CALLS);
    const sent = fake.requests[0].body as Record<string, any>;
    expect(sent.tool_choice).toBe('REQUIRED');
    expect(sent.tools[0]).toEqual({ type: 'function', function: { name: 'get_weather', description: OPENAI_TOOLS[0].function.description, parameters: OPENAI_TOOLS[0].function.parameters } });

    messages.push({ role: 'assistant', content: null, reasoning_content: plan, tool_calls: calls.map((c) => ({ id: c.id, type: 'function' as const, function: { name: c.name, arguments: c.arguments } })) } as ChatCompletionMessageParam);
    for (const c of calls) messages.push({ role: 'tool', tool_call_id: c.id, content: TOOL_RESULTS[c.name] });
    const second = stream
      ? (await collect(await client.chat.completions.create({ model: 'command-a', messages, tools: OPENAI_TOOLS, stream: true }))).content
      : (await client.chat.completions.create({ model: 'command-a', messages, tools: OPENAI_TOOLS })).choices[0].message.content;
    expect(second).toBe(ANSWER);
    const back = fake.requests[1].body as Record<string, any>;
    expect(back.messages[1]).toEqual({ role: 'assistant', tool_plan: plan, tool_calls: calls.map((c) => ({ id: c.id, type: 'function', function: { name: c.name, arguments: c.arguments } })) });
    expect(back.messages[2]).toEqual({ role: 'tool', tool_call_id: calls[0].id, content: TOOL_RESULTS.get_weather });
  });
}

test('embeddings: input_type (default search_document, or the request\'s), floats and base64, usage', async () => {
  const embedReply = { id: 'e1', embeddings: { float: [[0.25, -0.5, 1], [0.125, 0, -1]] }, texts: ['a', 'b'], meta: { api_version: { version: '2' }, billed_units: { input_tokens: 4 } }, response_type: 'embeddings_by_type' };
  fake.script({ json: embedReply }, { json: embedReply });
  const floats = await client.embeddings.create({ model: 'embed', input: ['a', 'b'], encoding_format: 'float' });
  expect(floats.data.map((d) => d.embedding)).toEqual([[0.25, -0.5, 1], [0.125, 0, -1]]);
  expect(floats.usage).toEqual({ prompt_tokens: 4, total_tokens: 4 });
  expect(last()).toEqual({ model: 'embed-v4.0', texts: ['a', 'b'], input_type: 'search_document', embedding_types: ['float'] });
  const b64 = await client.embeddings.create({ model: 'embed', input: ['a', 'b'], input_type: 'search_query', dimensions: 256 } as Parameters<typeof client.embeddings.create>[0]);
  expect(b64.data[0].embedding).toEqual([0.25, -0.5, 1]); // the SDK decoded the base64 floats
  expect(last()).toMatchObject({ input_type: 'search_query', output_dimension: 256 });
});

test('errors: a rejected key is the gateway\'s fault (502), rate limits and bad requests are mapped, no key leaks', async () => {
  const auth = await fail(client.chat.completions.create({ model: 'command-wrong', messages: [{ role: 'user', content: 'hi' }] }));
  expect([auth.status, (auth.error as { code: string }).code]).toEqual([502, 'upstream_auth_failed']);
  expect(fake.rejections.splice(0)).toEqual(['401 invalid api token']); // intended
  fake.script({ status: 429, json: { id: 'r', message: 'You are using a Trial key, which is limited to 10 API calls / minute.' } });
  const limited = await fail(client.chat.completions.create({ model: 'command-a', messages: [{ role: 'user', content: 'hi' }] }));
  expect([limited.status, (limited.error as { code: string }).code]).toEqual([429, 'rate_limit_exceeded']); // an upstream rate limit stays a 429
  expect((limited.error as { message: string }).message).toContain('Trial key');
  fake.script({ status: 400, json: { id: 'b', message: 'invalid request: message must be at least 1 token long' } });
  const bad = await fail(client.chat.completions.create({ model: 'command-a', messages: [{ role: 'user', content: 'hi' }] }));
  expect([bad.status, (bad.error as { code: string }).code]).toEqual([400, 'upstream_rejected_request']);
  for (const e of [auth, limited, bad]) expect(JSON.stringify(e.error)).not.toMatch(/secret|WRONG-key|127\.0\.0\.1/);
  for (const r of fake.requests) expect(r.headers.get('authorization')).not.toContain(TEST_KEY);
});
