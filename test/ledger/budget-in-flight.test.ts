// A budget refusal under concurrency says what blocks the request: while other requests of the key are in
// flight, their reservations (retry when they finish); once they have settled, the budget itself (top up).
// Driven through the real gateway with the official OpenAI SDK.

import { afterAll, beforeAll, expect, test } from 'bun:test';
import OpenAI from 'openai';
import { KEY, harness, type Harness } from './harness.ts';

let h: Harness;
beforeAll(async () => {
  h = await harness(`version: 1
providers:
  slow: { adapter: mock, models: [slow], mock: { delay_ms: 400 } }
models:
  slow: { price: { per_request: 0.8 } }
keys:
  - { name: alice, key: ${KEY}, budget: 2 }
`);
});
afterAll(() => h.cleanup());

const messages = [{ role: 'user' as const, content: 'hi' }];

async function outcome(client: OpenAI): Promise<string> {
  try {
    await client.chat.completions.create({ model: 'slow', messages });
    return 'ok';
  } catch (err) {
    if (!(err instanceof OpenAI.APIError)) throw err;
    expect(err.status).toBe(429);
    expect((err.error as { code: string }).code).toBe('insufficient_quota');
    return (err.error as { message: string }).message;
  }
}

test('while two $0.80 requests are in flight on a $2.00 budget, a third is told they hold the money; later the budget is short', async () => {
  const client = new OpenAI({ baseURL: `${h.url}/v1`, apiKey: KEY, maxRetries: 0 });
  const first = [outcome(client), outcome(client)];
  await Bun.sleep(100); // both admitted and waiting on the upstream
  const third = await outcome(client);
  expect(third).toContain('has $2.00 left of its $2.00 budget, but requests of this key still in flight hold $1.60 of it, leaving $0.40, and this request may cost up to $0.80');
  expect(third).toContain('Retry when those requests finish');
  expect(third).not.toContain('top up');
  expect(await Promise.all(first)).toEqual(['ok', 'ok']);

  const after = await outcome(client);
  expect(after).toContain('has $0.40 left of its $2.00 budget, and this request may cost up to $0.80');
  expect(after).toContain('top up');
  expect(after).not.toContain('in flight');
});
