// The one pricing rule (DESIGN §4): integer micro-dollars,
//   cost = ceil(multiplier × (uncached_prompt × input + completion × output + cached × cached_input
//                            + cache_write × cache_write + per_request × units))
// The group multiplier scales the whole price, per-request prices included (One API's 额度 = 分组倍率 ×
// 模型倍率 × ...): a vip group at 0.8 pays 80% for images and per-call models too.
// Prices are USD per 1M tokens, so tokens × price is already micro-dollars. Cached tokens are the part
// of the prompt served from a provider cache (priced at cached_input), cache writes the part written to
// it (priced at cache_write); the rest of the prompt is priced at input. Reasoning tokens are output.
// `units` is how many times per_request applies: 1, except image operations, which pay it per image.
// Per-character APIs (DeepL) add characters × per_million_characters inside the same bracket.

import type { Usage } from '../contracts/canonical.ts';
import type { Price } from '../compile/types.ts';

export function costMicros(price: Price, multiplier: number, usage: Usage | undefined, billable = true, units = 1): number {
  if (!billable) return 0;
  const prompt = usage?.prompt_tokens ?? 0;
  const cached = Math.min(usage?.cached_tokens ?? 0, prompt);
  const written = Math.min(usage?.cache_write_tokens ?? 0, prompt - cached);
  const uncached = prompt - cached - written;
  const tokens = uncached * price.input + (usage?.completion_tokens ?? 0) * price.output + cached * price.cachedInput + written * price.cacheWrite
    + (usage?.characters ?? 0) * (price.characters ?? 0);
  // Round the product to 6 decimals first so float noise (0.1 + 0.2) never adds a micro-dollar.
  const micros = tokens + price.perRequestMicros * units;
  return Math.ceil(Math.round(multiplier * micros * 1e6) / 1e6);
}

/** Worst-case cost of a request before it runs: prompt estimate + the most it may generate (the same rule). */
export function reservationMicros(price: Price, multiplier: number, promptTokens: number, maxOutputTokens: number, units = 1): number {
  // Per-character APIs: about 4 characters per token (English; fewer in CJK) estimates the text;
  // the billed count replaces it at settlement.
  const characters = price.characters ? promptTokens * 4 : undefined;
  return costMicros(price, multiplier, { prompt_tokens: promptTokens, completion_tokens: maxOutputTokens, total_tokens: promptTokens + maxOutputTokens, characters }, true, units);
}
