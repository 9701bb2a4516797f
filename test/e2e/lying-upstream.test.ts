// Upstreams that answer 200 with a stream that says nothing: events without a single choice, content or
// finish_reason, then [DONE]. That is an unreadable answer (502 upstream_invalid_response, retryable,
// failed over), never an empty 200 the client takes for a reply.

import { afterAll, beforeAll, expect, test } from 'bun:test';
import { type BadBesideHonest, startBadBesideHonest } from '../helpers/bad-beside-honest.ts';
import { sse } from '../helpers/fake-upstream.ts';

const EMPTY = ['data: {"id":"x","object":"chat.completion.chunk","created":1,"model":"m","foo":1}\n\n', 'data: [DONE]\n\n'];

let t: BadBesideHonest;
beforeAll(async () => {
  t = await startBadBesideHonest('liar', () => sse(EMPTY));
});
afterAll(() => t.stop());
const stream = (model: string) => t.stream(model);

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
