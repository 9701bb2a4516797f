// Prompt-cache and reasoning accounting across surfaces: an Anthropic upstream reporting cache writes
// and cache reads (and thinking output) is priced with cache_write and cached_input, and every surface
// reports the split in its own words (OpenAI: prompt_tokens_details.cached_tokens plus
// cache_creation_input_tokens; Anthropic: input/cache_creation/cache_read; Gemini: cachedContentTokenCount).
// A streamed call costs exactly what the plain call costs.

import { afterAll, beforeAll, expect, test } from 'bun:test';
import { type FakeUpstream, startFakeUpstream } from '../helpers/fake-upstream.ts';
import { TEST_KEY, type TestGateway, config, startTestGateway } from '../helpers/gateway.ts';

const USAGE = { input_tokens: 100, cache_creation_input_tokens: 1000, cache_read_input_tokens: 2000, output_tokens: 10 };
// 100 × 3 + 10 × 15 + 2000 × 0.3 + 1000 × 3.75 micro-dollars
const COST = 100 * 3 + 10 * 15 + 2000 * 0.3 + 1000 * 3.75;

function message() {
  return { id: 'msg_cache', type: 'message', role: 'assistant', model: 'claude-x', content: [{ type: 'text', text: 'cached answer' }], stop_reason: 'end_turn', stop_sequence: null, usage: USAGE };
}

function stream(): Response {
  const events = [
    ['message_start', { type: 'message_start', message: { ...message(), content: [], stop_reason: null, usage: { ...USAGE, output_tokens: 1 } } }],
    ['content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }],
    ['content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'cached answer' } }],
    ['content_block_stop', { type: 'content_block_stop', index: 0 }],
    ['message_delta', { type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: 10 } }],
    ['message_stop', { type: 'message_stop' }],
  ];
  return new Response(events.map(([e, d]) => `event: ${e}\ndata: ${JSON.stringify(d)}\n\n`).join(''), { headers: { 'content-type': 'text/event-stream' } });
}

let up: FakeUpstream;
let gw: TestGateway;

beforeAll(async () => {
  up = startFakeUpstream((_req, body) => (JSON.parse(body).stream ? stream() : new Response(JSON.stringify(message()), { headers: { 'content-type': 'application/json' } })));
  gw = await startTestGateway(config(`
providers:
  claude: { adapter: anthropic, base_url: ${up.url}, api_key: sk-ant-cache-0123456789, models: { cm: claude-x } }
models:
  cm: { price: { input: 3, output: 15, cached_input: 0.3, cache_write: 3.75 } }
`));
});
afterAll(async () => {
  await gw.stop();
  up.stop();
});

const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${gw.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${TEST_KEY}`, 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });

test('OpenAI surface: cache reads and writes reported and priced at cached_input and cache_write', async () => {
  const res = await post('/v1/chat/completions', { model: 'cm', messages: [{ role: 'user', content: 'hi' }] });
  const body = await res.json();
  expect(body.usage).toMatchObject({ prompt_tokens: 3100, completion_tokens: 10, prompt_tokens_details: { cached_tokens: 2000 }, cache_creation_input_tokens: 1000, cache_read_input_tokens: 2000 });
  expect(res.headers.get('x-switchyard-cost-usd')).toBe((COST / 1e6).toFixed(6));
});

test('Anthropic surface: input_tokens excludes cache reads and writes, as Anthropic reports it', async () => {
  const res = await post('/v1/messages', { model: 'cm', max_tokens: 50, messages: [{ role: 'user', content: 'hi' }] }, { 'anthropic-version': '2023-06-01' });
  expect((await res.json()).usage).toEqual({ input_tokens: 100, output_tokens: 10, cache_read_input_tokens: 2000, cache_creation_input_tokens: 1000 });
  const streamed = await post('/v1/messages', { model: 'cm', max_tokens: 50, stream: true, messages: [{ role: 'user', content: 'hi' }] }, { 'anthropic-version': '2023-06-01' });
  const delta = (await streamed.text()).split('\n\n').find((f) => f.startsWith('event: message_delta'))!;
  expect(JSON.parse(delta.split('data: ')[1]).usage).toMatchObject({ input_tokens: 100, output_tokens: 10, cache_read_input_tokens: 2000, cache_creation_input_tokens: 1000 });
});

test('Gemini surface: cachedContentTokenCount carries the cache reads', async () => {
  const res = await fetch(`${gw.url}/v1beta/models/cm:generateContent`, { method: 'POST', headers: { 'x-goog-api-key': TEST_KEY, 'content-type': 'application/json' }, body: JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'hi' }] }] }) });
  expect((await res.json()).usageMetadata).toEqual({ promptTokenCount: 3100, candidatesTokenCount: 10, totalTokenCount: 3110, cachedContentTokenCount: 2000 });
});

test('a streamed call costs what the plain call costs (ledger)', async () => {
  const res = await post('/v1/chat/completions', { model: 'cm', stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'hi' }] });
  const frames = (await res.text()).split('\n\n').filter((f) => f.startsWith('data: {'));
  const usage = JSON.parse(frames.at(-1)!.slice(6)).usage;
  expect(usage).toMatchObject({ prompt_tokens: 3100, prompt_tokens_details: { cached_tokens: 2000 }, cache_creation_input_tokens: 1000 });
  await gw.runtime.ledger.flush();
  const id = res.headers.get('x-request-id')!;
  const { openStore } = await import('../../src/store/open.ts');
  const store = await openStore(`file:${gw.dir}/ledger.db`, undefined, { migrate: false });
  const row = (await store.client.execute({ sql: 'SELECT cost_micros, cached_tokens FROM requests WHERE id = ?', args: [id] })).rows[0];
  await store.close();
  expect(Number(row[0])).toBe(COST);
  expect(Number(row[1])).toBe(2000);
});
