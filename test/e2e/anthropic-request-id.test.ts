// Anthropic's API names its request id `request-id`: the Anthropic SDK reads it into `message._request_id` and
// `error.requestID` (and Claude Code quotes it). The gateway sends it on its Anthropic surface, equal to its
// own x-request-id, on answers, streams and errors.

import Anthropic from '@anthropic-ai/sdk';
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { TEST_KEY, type TestGateway, config, startTestGateway } from '../helpers/gateway.ts';

let gw: TestGateway;
beforeAll(async () => {
  gw = await startTestGateway(config('providers:\n  mock: { adapter: mock, models: [mock-echo] }'));
});
afterAll(async () => {
  await gw.stop();
});

test('answers, streams and errors carry request-id, the same id as x-request-id', async () => {
  const client = new Anthropic({ baseURL: gw.url, apiKey: TEST_KEY, maxRetries: 0 });
  const { response } = await client.messages.create({ model: 'mock-echo', max_tokens: 20, messages: [{ role: 'user', content: 'hi' }] }).withResponse();
  expect(response.headers.get('request-id')).toStartWith('req_');
  expect(response.headers.get('request-id')).toBe(response.headers.get('x-request-id'));
  const stream = client.messages.stream({ model: 'mock-echo', max_tokens: 20, messages: [{ role: 'user', content: 'hi' }] });
  const streamed = (await stream.withResponse()).response;
  await stream.finalMessage();
  expect(streamed.headers.get('request-id')).toStartWith('req_');
  const bad = new Anthropic({ baseURL: gw.url, apiKey: 'sk-wrong-000000000000', maxRetries: 0 });
  const err = await bad.messages.create({ model: 'mock-echo', max_tokens: 20, messages: [{ role: 'user', content: 'hi' }] }).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(Anthropic.APIError);
  expect((err as InstanceType<typeof Anthropic.APIError>).requestID).toStartWith('req_');
});
