// Reasoning a client sends back (reasoning_content on assistant turns, which DeepSeek-style upstreams take
// as input; Anthropic's signed thinking_blocks) is prompt: the budget reservation counts it, so a key cannot
// stuff an assistant turn with text the upstream bills and the reservation never saw.

import { afterAll, beforeAll, expect, test } from 'bun:test';
import OpenAI from 'openai';
import { json, upstreamPool } from '../helpers/fake-upstream.ts';
import { type Harness, harness } from './harness.ts';

const upstream = upstreamPool(afterAll);
const KEY = 'sk-reasoning-stuff-0123456789';
let calls = 0;
let h: Harness;
beforeAll(async () => {
  const up = upstream(() => {
    calls++;
    return json({ id: 'c', object: 'chat.completion', created: 1700000000, model: 'ds', choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }], usage: { prompt_tokens: 50_000, completion_tokens: 1, total_tokens: 50_001 } });
  });
  h = await harness(`version: 1
providers:
  ds: { adapter: openai, base_url: ${up.url}, api_key: sk-up, models: [ds], reasoning_content: keep }
models:
  ds: { price: { input: 1, output: 1 }, max_output_tokens: 10 }
keys:
  - { name: small, key: ${KEY}, budget: 0.001 }
`);
}, 30_000);
afterAll(() => h.cleanup());

test('40,000 words of reasoning_content on a history turn are counted: refused before the upstream is called', async () => {
  const client = new OpenAI({ baseURL: `${h.url}/v1`, apiKey: KEY, maxRetries: 0 });
  const stuffed = Array.from({ length: 40_000 }, (_, i) => `word${i % 97}`).join(' ');
  const messages = [
    { role: 'user', content: 'weather?' },
    { role: 'assistant', content: null, reasoning_content: stuffed, tool_calls: [{ id: 'c1', type: 'function', function: { name: 'w', arguments: '{}' } }] },
    { role: 'tool', tool_call_id: 'c1', content: 'sunny' },
  ] as unknown as OpenAI.ChatCompletionMessageParam[];
  const err = await client.chat.completions.create({ model: 'ds', messages }).then(() => undefined, (e: unknown) => e as InstanceType<typeof OpenAI.APIError>);
  expect(err?.status).toBe(429);
  expect(calls).toBe(0);
  // The same turn without the stuffing fits the budget.
  (messages[1] as unknown as { reasoning_content: string }).reasoning_content = 'short';
  await client.chat.completions.create({ model: 'ds', messages });
  expect(calls).toBe(1);
});
