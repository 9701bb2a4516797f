// Canonical chat answer → Gemini GenerateContentResponse (what generateContent returns and what each
// streamGenerateContent event carries). Pure.
//
// - content → a text part; reasoning_content → a `thought: true` part only when the client asked for
//   thoughts (thinkingConfig.includeThoughts); tool_calls → functionCall parts (args parsed from the
//   JSON arguments, the call id kept so the client can echo it, a Gemini thoughtSignature put back on
//   the part where Gemini clients look for it).
// - finish_reason: stop and tool_calls → STOP (Gemini has no separate reason for calls), length →
//   MAX_TOKENS, content_filter → SAFETY.
// - usage → usageMetadata: promptTokenCount (cachedContentTokenCount of it), candidatesTokenCount
//   excludes thoughts (thoughtsTokenCount), as Gemini counts them.

import type { ChatResponse, FinishReason, JsonObject, JsonValue, ToolCall, Usage } from '../../contracts/index.ts';
import { usageFromWire } from '../../contracts/index.ts';

export interface GeminiPartOut { [field: string]: JsonValue }

export interface GeminiResponseOut {
  candidates: Array<{ index: number; content: { role: 'model'; parts: GeminiPartOut[] }; finishReason?: string }>;
  usageMetadata?: JsonObject;
  modelVersion: string;
  responseId: string;
}

export function geminiFinishReason(reason: FinishReason | undefined): string | undefined {
  if (!reason) return undefined;
  if (reason === 'length') return 'MAX_TOKENS';
  if (reason === 'content_filter') return 'SAFETY';
  return 'STOP';
}

export function geminiUsage(usage: Usage): JsonObject {
  const thoughts = usage.reasoning_tokens ?? 0;
  const meta: JsonObject = {
    promptTokenCount: usage.prompt_tokens,
    candidatesTokenCount: Math.max(0, usage.completion_tokens - thoughts),
    totalTokenCount: usage.total_tokens,
  };
  if (usage.cached_tokens) meta.cachedContentTokenCount = usage.cached_tokens;
  if (thoughts) meta.thoughtsTokenCount = thoughts;
  return meta;
}

/** One functionCall part for a complete tool call. */
export function functionCallPart(call: Pick<ToolCall, 'id' | 'function' | 'extra_content'>): GeminiPartOut {
  let args: JsonValue = {};
  try {
    const parsed = JSON.parse(call.function.arguments || '{}') as JsonValue;
    args = typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? parsed : { value: parsed };
  } catch {
    args = { arguments: call.function.arguments };
  }
  const part: GeminiPartOut = { functionCall: { id: call.id, name: call.function.name, args } };
  const google = call.extra_content?.google;
  const signature = typeof google === 'object' && google !== null && !Array.isArray(google) ? google.thoughtSignature : undefined;
  if (typeof signature === 'string') part.thoughtSignature = signature;
  return part;
}

export function canonicalToGemini(body: ChatResponse, model: string, includeThoughts: boolean): GeminiResponseOut {
  const candidates = (body.choices ?? []).map((choice, i) => {
    const parts: GeminiPartOut[] = [];
    const m = choice.message ?? { role: 'assistant' };
    if (includeThoughts && typeof m.reasoning_content === 'string' && m.reasoning_content) parts.push({ text: m.reasoning_content, thought: true });
    if (typeof m.content === 'string' && m.content) parts.push({ text: m.content });
    for (const call of m.tool_calls ?? []) parts.push(functionCallPart(call));
    const finishReason = geminiFinishReason(choice.finish_reason);
    return { index: choice.index ?? i, content: { role: 'model' as const, parts }, ...(finishReason ? { finishReason } : {}) };
  });
  const out: GeminiResponseOut = { candidates, modelVersion: model, responseId: String(body.id ?? '') };
  const usage = usageFromWire(body.usage);
  if (usage) out.usageMetadata = geminiUsage(usage);
  return out;
}
