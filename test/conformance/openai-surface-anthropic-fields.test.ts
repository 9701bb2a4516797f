// The gateway's own canonical fields for Anthropic upstreams (anthropic_thinking, anthropic_extra,
// anthropic_beta) are set by the Anthropic surface after its checks. An OpenAI-surface client that names
// them in its body must not reach an Anthropic upstream with them: no unchecked body fields, no betas.

import { expect, test } from 'bun:test';
import type OpenAI from 'openai';
import { sdkSuite } from './sdk-suite.ts';
import type { Conformance } from './harness.ts';

let h: Conformance;
let openai: OpenAI;
sdkSuite((suite) => ({ h, openai } = suite));

test('anthropic_thinking, anthropic_extra and anthropic_beta in an OpenAI chat body are dropped', async () => {
  const body = {
    model: 'claude-chat', messages: [{ role: 'user', content: 'hi' }],
    anthropic_thinking: { type: 'enabled', budget_tokens: 1_000_000 },
    anthropic_extra: { top_k: 'notanint', service_tier: 'priority' },
    anthropic_beta: ['context-1m-2025-08-07'],
  } as unknown as OpenAI.ChatCompletionCreateParamsNonStreaming;
  await openai.chat.completions.create(body);
  const sent = h.fakes.anthropic.requests.at(-1)!;
  const upstream = sent.body as Record<string, unknown>;
  expect(upstream.thinking).toBeUndefined();
  expect(upstream.top_k).toBeUndefined();
  expect(upstream.service_tier).toBeUndefined();
  expect(sent.headers.get('anthropic-beta')).toBeNull();
});
