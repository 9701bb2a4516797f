// The bundled config serves only the offline `mock` provider, so a new user's first Responses API call goes
// to it: the README's example (create, then previous_response_id, and a stream) must work against mock-echo.

import { afterAll, beforeAll, expect, test } from 'bun:test';
import OpenAI from 'openai';
import { TEST_KEY, type TestGateway, config, startTestGateway } from '../helpers/gateway.ts';

let gw: TestGateway;
beforeAll(async () => {
  gw = await startTestGateway(config('providers:\n  mock: { adapter: mock, models: [mock-echo] }\nmodels:\n  mock-echo: { price: { input: 1, output: 1 } }\n'));
});
afterAll(() => gw.stop());

test('responses.create on the mock provider answers (through chat), with previous_response_id and streamed', async () => {
  const client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: TEST_KEY, maxRetries: 0 });
  const first = await client.responses.create({ model: 'mock-echo', input: 'Hi!', instructions: 'Be brief.' });
  expect(first.output_text).toContain('Hi!');
  const next = await client.responses.create({ model: 'mock-echo', previous_response_id: first.id, input: 'And again?' });
  expect(next.output_text).toContain('And again?');
  const stream = await client.responses.create({ model: 'mock-echo', input: 'streamed', stream: true });
  let text = '';
  for await (const event of stream) if (event.type === 'response.output_text.delta') text += event.delta;
  expect(text).toContain('streamed');
});
