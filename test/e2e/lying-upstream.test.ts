// Upstreams that answer 200 with a stream that says nothing: events without a single choice, content or
// finish_reason, then [DONE]. That is an unreadable answer (502 upstream_invalid_response, retryable,
// failed over), never an empty 200 the client takes for a reply.

import { afterAll, beforeAll, expect, test } from 'bun:test';
import { TEST_KEY, type TestGateway, config, startTestGateway } from '../helpers/gateway.ts';
import { type FakeUpstream, chatChunks, sse, startFakeUpstream } from '../helpers/fake-upstream.ts';

let gw: TestGateway;
let liar: FakeUpstream;
let honest: FakeUpstream;
const EMPTY = ['data: {"id":"x","object":"chat.completion.chunk","created":1,"model":"m","foo":1}\n\n', 'data: [DONE]\n\n'];

beforeAll(async () => {
  liar = startFakeUpstream(() => sse(EMPTY));
  honest = startFakeUpstream(() => sse(chatChunks(['hello'])));
  gw = await startTestGateway(config(`providers:
  liar: { adapter: openai, base_url: ${liar.url}/v1, api_key: sk-liar-000000, models: { only-liar: up-model, both: up-model }, priority: 0 }
  honest: { adapter: openai, base_url: ${honest.url}/v1, api_key: sk-honest-000000, models: { both: up-model }, priority: 1 }
routing: { retry: { attempts: 1, backoff_ms: 1 } }
`));
});
afterAll(() => {
  gw.stop();
  liar.stop();
  honest.stop();
});

const stream = (model: string) => fetch(`${gw.url}/v1/chat/completions`, {
  method: 'POST', headers: { authorization: `Bearer ${TEST_KEY}`, 'content-type': 'application/json' },
  body: JSON.stringify({ model, stream: true, messages: [{ role: 'user', content: 'hi' }] }),
});

test('a stream of events without any choice is 502 upstream_invalid_response, not an empty 200', async () => {
  const res = await stream('only-liar');
  expect(res.status).toBe(502);
  expect(((await res.json()) as { error: { code: string } }).error.code).toBe('upstream_invalid_response');
});

test('and it is failed over: the next target answers', async () => {
  const res = await stream('both');
  expect(res.status).toBe(200);
  expect(await res.text()).toContain('hello');
  expect(res.headers.get('x-switchyard-provider')).toBe('honest');
});
