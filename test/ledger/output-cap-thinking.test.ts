// A budgeted key's hard output cap (models.<name>.max_output_tokens) on an Anthropic upstream, where
// max_tokens covers thinking too: neither the reasoning_effort mapping (which grew max_tokens to hold its
// thinking budget) nor a client's own thinking budget may take the upstream's output past the cap the
// reservation was made for; a budget that does not fit below the cap is lowered (Anthropic refuses
// budget_tokens >= max_tokens), and thinking is left out when the cap cannot hold Anthropic's smallest budget.
// Adaptive thinking (Claude 4.6+) has no budget: only max_tokens is capped.

import { afterAll, beforeAll, expect, test } from 'bun:test';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { json, upstreamPool } from '../helpers/fake-upstream.ts';
import { type Harness, harness } from './harness.ts';

const upstream = upstreamPool(afterAll);
const KEY = 'sk-cap-think-0123456789';
const FREE = 'sk-cap-think-free-0123456789';
const received: Array<Record<string, unknown>> = [];

let h: Harness;
beforeAll(async () => {
  const up = upstream((_req, body) => {
    const b = JSON.parse(body) as { max_tokens: number; thinking?: { type: string; budget_tokens?: number } };
    received.push(b);
    if (b.thinking?.type === 'enabled' && !(b.thinking.budget_tokens! >= 1024 && b.thinking.budget_tokens! < b.max_tokens)) {
      return json({ type: 'error', error: { type: 'invalid_request_error', message: 'thinking.budget_tokens must be >= 1024 and less than max_tokens' } }, 400);
    }
    // Bills all it may: max_tokens output tokens.
    return json({
      id: 'msg_1', type: 'message', role: 'assistant', model: 'claude-x', content: [{ type: 'text', text: 'word' }],
      stop_reason: 'max_tokens', stop_sequence: null, usage: { input_tokens: 3, output_tokens: b.max_tokens },
    });
  });
  h = await harness(`version: 1
providers:
  claude: { adapter: anthropic, base_url: ${up.url}, api_key: sk-ant-up, models: [capped, tiny, claude-opus-4-7] }
models:
  capped: { price: { output: 0.01 }, max_output_tokens: 4000 }
  tiny: { price: { output: 0.01 }, max_output_tokens: 1000 }
  claude-opus-4-7: { price: { output: 0.01 }, max_output_tokens: 4000 }
keys:
  - { name: capped-key, key: ${KEY}, budget: 1 }
  - { name: free, key: ${FREE} }
`);
}, 30_000);
afterAll(() => h.cleanup());

const last = () => received[received.length - 1] as { max_tokens: number; thinking?: { type: string; budget_tokens?: number } };
const messages = [{ role: 'user' as const, content: 'hi' }];

test('reasoning_effort on a capped model: max_tokens stays at the cap, the thinking budget fits below it', async () => {
  const openai = new OpenAI({ baseURL: `${h.url}/v1`, apiKey: KEY, maxRetries: 0 });
  const answer = await openai.chat.completions.create({ model: 'capped', messages, reasoning_effort: 'high' });
  expect(last().max_tokens).toBe(4000);
  expect(last().thinking).toEqual({ type: 'enabled', budget_tokens: 2000 });
  expect(answer.usage?.completion_tokens).toBe(4000);
  // Without a budget the key is not capped: the mapping grows max_tokens as before.
  await new OpenAI({ baseURL: `${h.url}/v1`, apiKey: FREE, maxRetries: 0 }).chat.completions.create({ model: 'capped', messages, reasoning_effort: 'high' });
  expect(last().max_tokens).toBeGreaterThan(16384);
});

test('a Claude client\'s own thinking budget above the cap is lowered; a cap too small for thinking leaves it out', async () => {
  const claude = new Anthropic({ baseURL: h.url, apiKey: KEY, maxRetries: 0 });
  await claude.messages.create({ model: 'capped', max_tokens: 16000, thinking: { type: 'enabled', budget_tokens: 10000 }, messages });
  expect(last().max_tokens).toBe(4000);
  expect(last().thinking).toEqual({ type: 'enabled', budget_tokens: 2000 });
  await claude.messages.create({ model: 'capped', max_tokens: 16000, thinking: { type: 'enabled', budget_tokens: 3000 }, messages });
  expect(last().thinking).toEqual({ type: 'enabled', budget_tokens: 3000 }); // fits below the cap: kept
  await claude.messages.create({ model: 'tiny', max_tokens: 8000, thinking: { type: 'enabled', budget_tokens: 2000 }, messages });
  expect(last().max_tokens).toBe(1000);
  expect(last().thinking).toBeUndefined();
  // Every answer billed at most its cap: 4000 + 4000 + 1000 + 4000 (the first test) output tokens at $0.01/M.
  const spend = await h.query('SELECT spent_micros FROM key_spend WHERE key_name = ?', ['capped-key']);
  expect(Number(spend[0].spent_micros)).toBe(130);
});

test('adaptive thinking (reasoning_effort on Claude 4.7, or the client\'s own): only max_tokens is capped', async () => {
  const openai = new OpenAI({ baseURL: `${h.url}/v1`, apiKey: KEY, maxRetries: 0 });
  await openai.chat.completions.create({ model: 'claude-opus-4-7', messages, reasoning_effort: 'high' });
  expect(last()).toMatchObject({ max_tokens: 4000, thinking: { type: 'adaptive' }, output_config: { effort: 'high' } });
  const claude = new Anthropic({ baseURL: h.url, apiKey: KEY, maxRetries: 0 });
  await claude.messages.create({ model: 'claude-opus-4-7', max_tokens: 16000, thinking: { type: 'adaptive' }, messages } as Anthropic.MessageCreateParamsNonStreaming);
  expect(last()).toMatchObject({ max_tokens: 4000, thinking: { type: 'adaptive' } });
});
