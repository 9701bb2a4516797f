// Anthropic usage → canonical Usage. Anthropic reports uncached input, cache reads and cache writes as
// three separate counters; OpenAI's prompt_tokens is the whole prompt, so the three are summed.
//
// cache_read_input_tokens become `cached_tokens` (priced as cached_input) and cache_creation_input_tokens
// `cache_write_tokens` (priced as cache_write, which defaults to the input price); both stay part of
// prompt_tokens.

import type { Usage } from '../../src/contracts/index.ts';
import type { AnthropicUsage } from './wire-types.ts';

/** Running totals; a later report replaces a field only when it carries a number. */
export interface UsageCounters {
  input: number;
  cacheRead: number;
  cacheCreation: number;
  output: number;
  thinking: number;
}

export function emptyCounters(): UsageCounters {
  return { input: 0, cacheRead: 0, cacheCreation: 0, output: 0, thinking: 0 };
}

/** Absent → undefined (keep the running value); a present non-number → NaN, which the gateway's usage check rejects. */
const num = (value: unknown): number | undefined => (value === undefined || value === null ? undefined : typeof value === 'number' ? value : NaN);

/** Folds one Anthropic usage report into the counters (values are cumulative: last one wins). */
export function mergeUsage(counters: UsageCounters, usage: AnthropicUsage | null | undefined): UsageCounters {
  if (!usage || typeof usage !== 'object') return counters;
  return {
    input: num(usage.input_tokens) ?? counters.input,
    cacheRead: num(usage.cache_read_input_tokens) ?? counters.cacheRead,
    cacheCreation: num(usage.cache_creation_input_tokens) ?? counters.cacheCreation,
    output: num(usage.output_tokens) ?? counters.output,
    thinking: num(usage.output_tokens_details?.thinking_tokens) ?? counters.thinking,
  };
}

export function toUsage(counters: UsageCounters): Usage {
  const prompt = counters.input + counters.cacheRead + counters.cacheCreation;
  const usage: Usage = {
    prompt_tokens: prompt,
    completion_tokens: counters.output,
    total_tokens: prompt + counters.output,
    cached_tokens: counters.cacheRead,
    reasoning_tokens: counters.thinking,
  };
  if (counters.cacheCreation !== 0) usage.cache_write_tokens = counters.cacheCreation; // a bad count is left for the usage check
  return usage;
}

export function usageFromAnthropic(usage: AnthropicUsage | null | undefined): Usage {
  return toUsage(mergeUsage(emptyCounters(), usage));
}
