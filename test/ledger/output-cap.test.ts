// A model's max_output_tokens as a hard cap for keys with a budget (seed 003 FAQ 2: "额度足够为什么提示额度不足"):
// a key with a small balance is admitted for an answer of at most the cap instead of being refused for a
// 4096-token worst case, and the gateway sends the cap upstream, so an upstream with a larger default (here
// 5000 tokens) can never bill past the budget. Keys without a budget, and models without the setting, are
// sent exactly what the client asked for.

import { afterAll, beforeAll, expect, test } from 'bun:test';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { json, upstreamPool } from '../helpers/fake-upstream.ts';
import { type Harness, harness } from './harness.ts';

const upstream = upstreamPool(afterAll);
const SMALL = 'sk-cap-small-0123456789';
const CROWD = 'sk-cap-crowd-0123456789';
const FREE = 'sk-cap-free-0123456789';
const received: Array<Record<string, unknown>> = [];

let h: Harness;
beforeAll(async () => {
  const up = upstream((req, body) => {
    const b = JSON.parse(body) as Record<string, unknown>;
    received.push(b);
    // Bills what it generates: the request's cap, else its own default of 5000 tokens.
    const out = Number(b.max_completion_tokens ?? b.max_tokens ?? 5000);
    const usage = { prompt_tokens: 3, completion_tokens: out, total_tokens: 3 + out };
    if (new URL(req.url).pathname.endsWith('/chat/completions')) {
      return json({ id: 'c', object: 'chat.completion', created: 1700000000, model: 'up', choices: [{ index: 0, message: { role: 'assistant', content: 'word' }, finish_reason: 'length' }], usage });
    }
    return json({ id: 'cmpl', object: 'text_completion', created: 1700000000, model: 'up', choices: [{ index: 0, text: 'word', finish_reason: 'length', logprobs: null }], usage });
  });
  h = await harness(`version: 1
providers:
  up: { adapter: openai, base_url: ${up.url}, api_key: sk-up, models: [capped, plain] }
models:
  capped: { price: { output: 1 }, max_output_tokens: 100 }   # 1 micro-dollar per output token
  plain: { price: { output: 1 } }
keys:
  - { name: small, key: ${SMALL}, budget: 0.0005 }
  - { name: crowd, key: ${CROWD}, budget: 0.0005 }
  - { name: free, key: ${FREE} }
`);
}, 30_000);
afterAll(async () => {
  await h.cleanup();
});

const client = (key: string) => new OpenAI({ baseURL: `${h.url}/v1`, apiKey: key, maxRetries: 0 });
const messages = [{ role: 'user' as const, content: 'hi' }];
const last = () => received[received.length - 1];

test('a budgeted key: the cap is sent upstream (set when absent, lowered when larger), so a small balance is served; other keys and models are untouched', async () => {
  await client(SMALL).chat.completions.create({ model: 'capped', messages });
  expect(last().max_completion_tokens).toBe(100);
  expect(last().max_tokens).toBeUndefined();
  // max_tokens 10000 would reserve $0.01 against a $0.0005 budget; capped at 100 it fits.
  await client(SMALL).chat.completions.create({ model: 'capped', messages, max_tokens: 10_000 });
  expect(last().max_tokens).toBe(100);
  await client(SMALL).chat.completions.create({ model: 'capped', messages, max_tokens: 20 });
  expect(last().max_tokens).toBe(20); // a smaller cap is kept
  await client(SMALL).completions.create({ model: 'capped', prompt: 'hi' });
  expect(last().max_tokens).toBe(100);
  const anthropic = new Anthropic({ baseURL: h.url, apiKey: SMALL, maxRetries: 0 });
  await anthropic.messages.create({ model: 'capped', max_tokens: 1000, messages });
  expect(last().max_tokens).toBe(100);
  const spend = await h.query('SELECT spent_micros FROM key_spend WHERE key_name = ?', ['small']);
  expect(Number(spend[0].spent_micros)).toBe(420); // 100 + 100 + 20 + 100 + 100, within the 500 budget
  // 80 micro-dollars left: a request that may cost 100 is refused, and the message says what is left.
  const refused = await client(SMALL).chat.completions.create({ model: 'capped', messages }).then(() => undefined, (e: unknown) => e as InstanceType<typeof OpenAI.APIError>);
  expect(refused?.status).toBe(429);
  expect(refused?.message).toContain('$0.00008 left');

  // Keys without a budget, and models without max_output_tokens, are sent what the client asked for.
  await client(FREE).chat.completions.create({ model: 'capped', messages, max_tokens: 10_000 });
  expect(last().max_tokens).toBe(10_000);
  expect(last().max_completion_tokens).toBeUndefined();
  await client(FREE).chat.completions.create({ model: 'capped', messages });
  expect(last().max_completion_tokens).toBeUndefined();
  const plain = await client(SMALL).chat.completions.create({ model: 'plain', messages }).then(() => undefined, (e: unknown) => e as InstanceType<typeof OpenAI.APIError>);
  expect(plain?.status).toBe(429); // 4096 assumed, not enforced: refused as before
});

test('20 concurrent requests without max_tokens against a budget for 5: exactly 5 served, never overspent', async () => {
  const results = await Promise.all(Array.from({ length: 20 }, () => client(CROWD).chat.completions.create({ model: 'capped', messages }).then(() => 1, () => 0)));
  expect(results.reduce((a: number, b: number) => a + b, 0)).toBe(5);
  const spend = await h.query('SELECT spent_micros FROM key_spend WHERE key_name = ?', ['crowd']);
  expect(Number(spend[0].spent_micros)).toBe(500);
});
