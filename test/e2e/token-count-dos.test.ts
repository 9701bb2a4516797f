// Token counting must not block the gateway: js-tiktoken's merge is quadratic in one pre-tokenizer
// piece, so a 20 KB prompt of one letter (or a long CJK clause, or a run of spaces) held the event loop
// for tens of seconds. Counting runs for budgets and limits, and to estimate a completion without usage.

import { afterAll, beforeAll, expect, test } from 'bun:test';
import { TEST_KEY, type TestGateway, config, startTestGateway } from '../helpers/gateway.ts';
import { countChatPrompt, countText } from '../../src/tokens/count.ts';

let gw: TestGateway;
beforeAll(async () => {
  gw = await startTestGateway(config('providers:\n  mock: { adapter: mock, models: [mock-echo] }\nmodels:\n  mock-echo: { price: { input: 1, output: 1 } }\n')
    .replace(`key: ${TEST_KEY}`, `key: ${TEST_KEY}\n    budget: 100\n    limits: { tpm: 100000000 }`));
});
afterAll(() => gw.stop());

test('a 20 KB one-word prompt (budget and tpm on) is answered at once and /health stays responsive', async () => {
  const started = performance.now();
  const attack = fetch(`${gw.url}/v1/chat/completions`, {
    method: 'POST', headers: { authorization: `Bearer ${TEST_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'mock-echo', max_tokens: 5, messages: [{ role: 'user', content: 'x'.repeat(20_000) }] }),
  });
  await Bun.sleep(20);
  const health = await fetch(`${gw.url}/health`);
  expect(health.status).toBe(200);
  expect(performance.now() - started).toBeLessThan(2000);
  expect((await attack).status).toBe(200);
  expect(performance.now() - started).toBeLessThan(3000);
});

test('adversarial texts count in bounded time; ordinary text still counts exactly', () => {
  const started = performance.now();
  for (const text of ['x'.repeat(100_000), ' '.repeat(100_000), '!'.repeat(100_000), '我们今天在这里讨论一个非常重要的问题'.repeat(5_000)]) {
    expect(countText(text, false)).toBeGreaterThan(0);
  }
  const many = Array.from({ length: 200 }, (_, i) => ({ role: 'user' as const, content: `${i}${'我们今天在这里讨论，'.repeat(1_000)}` }));
  expect(countChatPrompt(many)).toBeGreaterThan(200 * 1_000);
  expect(performance.now() - started).toBeLessThan(3000);
  expect(countText('The quick brown fox jumps over the lazy dog.', false)).toBe(10);
});
