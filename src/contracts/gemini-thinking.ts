// Gemini's thinking request config in the canonical form: `ChatRequest.gemini_thinking` is the
// `generationConfig.thinkingConfig` a Gemini-surface client (Gemini CLI, @google/genai) sent, checked by the
// surface (only Google's three fields, sane types and ranges) and otherwise unchanged. Only adapters that
// speak Gemini's generateContent (gemini, vertex for Gemini models) send it upstream, as the request's
// thinkingConfig, where it wins over the reasoning_effort mapping. Every other adapter leaves it out
// (gateway-fields.ts: strip-extras.ts withoutGatewayFields, onebound) and an OpenAI-surface client cannot set it
// (validate-chat.ts). It is not mapped to reasoning_effort for other upstreams: they keep their default.
//
// Fields (Google's ThinkingConfig): includeThoughts (boolean: return thought summaries), thinkingBudget
// (integer: -1 dynamic, 0 off, N tokens), thinkingLevel (MINIMAL | LOW | MEDIUM | HIGH, any case, or
// THINKING_LEVEL_UNSPECIFIED). Google refuses a budget and a level together, and so does the surface.

import type { JsonValue } from './canonical.ts';

/** Gemini's `thinkingConfig`, as the client sent it (validated by parseGeminiThinking). */
export interface GeminiThinkingConfig {
  includeThoughts?: boolean;
  thinkingBudget?: number;
  thinkingLevel?: string;
}

/** The largest thinkingBudget accepted (Google's models take at most 32,768 today; room for later ones). */
export const MAX_THINKING_BUDGET = 1_048_576;
const LEVELS = ['THINKING_LEVEL_UNSPECIFIED', 'MINIMAL', 'LOW', 'MEDIUM', 'HIGH'];
const FIELDS = new Set(['includeThoughts', 'thinkingBudget', 'thinkingLevel']);

/**
 * A client's thinkingConfig → the canonical config, or a message saying what is wrong with it (a string).
 * null, undefined and {} give undefined (nothing to carry).
 */
export function parseGeminiThinking(value: JsonValue | undefined): GeminiThinkingConfig | string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object' || Array.isArray(value)) return '`thinkingConfig` must be an object';
  const unknown = Object.keys(value).filter((k) => !FIELDS.has(k));
  if (unknown.length) return `\`thinkingConfig\` takes only includeThoughts, thinkingBudget and thinkingLevel (not ${unknown.join(', ')})`;
  const out: GeminiThinkingConfig = {};
  const { includeThoughts, thinkingBudget, thinkingLevel } = value;
  if (includeThoughts !== undefined && includeThoughts !== null) {
    if (typeof includeThoughts !== 'boolean') return '`thinkingConfig.includeThoughts` must be a boolean';
    out.includeThoughts = includeThoughts;
  }
  if (thinkingBudget !== undefined && thinkingBudget !== null) {
    if (typeof thinkingBudget !== 'number' || !Number.isInteger(thinkingBudget) || thinkingBudget < -1 || thinkingBudget > MAX_THINKING_BUDGET) {
      return `\`thinkingConfig.thinkingBudget\` must be an integer: -1 (dynamic), 0 (off) or a token budget up to ${MAX_THINKING_BUDGET}`;
    }
    out.thinkingBudget = thinkingBudget;
  }
  if (thinkingLevel !== undefined && thinkingLevel !== null) {
    if (typeof thinkingLevel !== 'string' || !LEVELS.includes(thinkingLevel.toUpperCase())) return '`thinkingConfig.thinkingLevel` must be "MINIMAL", "LOW", "MEDIUM" or "HIGH"';
    out.thinkingLevel = thinkingLevel;
  }
  if (out.thinkingBudget !== undefined && out.thinkingLevel !== undefined) return '`thinkingConfig` takes thinkingBudget or thinkingLevel, not both';
  return Object.keys(out).length ? out : undefined;
}
