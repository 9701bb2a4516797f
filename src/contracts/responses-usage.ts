// Usage as the OpenAI Responses API reports it (input/output tokens with cached and reasoning details),
// converted to and from the canonical Usage. Shared by the openai/azure adapters (native Responses
// upstreams) and the inbound Responses surface.

import type { Usage } from './canonical.ts';

export interface ResponsesUsageWire {
  input_tokens: number;
  input_tokens_details: { cached_tokens: number };
  output_tokens: number;
  output_tokens_details: { reasoning_tokens: number };
  total_tokens: number;
}

/** Canonical Usage from a Responses usage object; undefined when it has no input_tokens. */
export function usageFromResponsesWire(u: unknown): Usage | undefined {
  const w = u as Partial<ResponsesUsageWire> | null | undefined;
  if (!w || typeof w.input_tokens !== 'number') return undefined;
  const out = typeof w.output_tokens === 'number' ? w.output_tokens : 0;
  return {
    prompt_tokens: w.input_tokens, completion_tokens: out, total_tokens: typeof w.total_tokens === 'number' ? w.total_tokens : w.input_tokens + out,
    cached_tokens: w.input_tokens_details?.cached_tokens ?? 0, reasoning_tokens: w.output_tokens_details?.reasoning_tokens ?? 0,
  };
}

/** The Responses usage object for a canonical Usage. */
export function usageToResponsesWire(usage: Usage): ResponsesUsageWire {
  return {
    input_tokens: usage.prompt_tokens,
    input_tokens_details: { cached_tokens: usage.cached_tokens ?? 0 },
    output_tokens: usage.completion_tokens,
    output_tokens_details: { reasoning_tokens: usage.reasoning_tokens ?? 0 },
    total_tokens: usage.total_tokens,
  };
}
