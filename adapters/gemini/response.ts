// Gemini GenerateContentResponse → canonical chat.completion. Shared with the stream decoder:
// part decoding (text; thought parts → reasoning_content; functionCall parts → tool_calls with ids
// `call_<tag>_<n>` numbered per response, and any thoughtSignature carried both in
// extra_content.google.thoughtSignature and inside the id, `<id>__ts__<signature>`, see
// src/contracts/tool-call-ids.ts), finish reasons, and usage:
//   prompt_tokens = promptTokenCount + toolUsePromptTokenCount (both billed as input),
//   completion_tokens = candidatesTokenCount + thoughtsTokenCount, cached_tokens =
//   cachedContentTokenCount, reasoning_tokens = thoughtsTokenCount, total = totalTokenCount.
// A prompt blocked before generation (promptFeedback.blockReason, no candidates) becomes an empty
// answer with finish_reason content_filter rather than an error, as OpenAI reports filtering.

import {
  encodeToolCallId, errors, usageToWire, wireCount,
  type AdapterRequest, type ChatResponse, type DecodedResponse, type FinishReason, type JsonObject,
  type ProviderView, type ToolCall, type UpstreamReply, type Usage,
} from '../../src/contracts/index.ts';
import { gatewayErrorFor } from './errors.ts';
import type { GeminiGenerateContentResponse, GeminiPart, GeminiUsageMetadata } from './wire-types.ts';

const FILTER_REASONS = new Set(['SAFETY', 'RECITATION', 'BLOCKLIST', 'PROHIBITED_CONTENT', 'SPII', 'IMAGE_SAFETY']);

/** Candidate.finishReason → OpenAI finish_reason. */
export function mapFinishReason(reason: string | undefined, hasToolCalls: boolean): FinishReason {
  if (!reason || reason === 'FINISH_REASON_UNSPECIFIED') return null;
  if (reason === 'MAX_TOKENS') return 'length';
  if (FILTER_REASONS.has(reason)) return 'content_filter';
  return hasToolCalls ? 'tool_calls' : 'stop';
}

/** An absent count is 0; a present non-number stays visible (NaN) to the gateway's usage check. */
function count(value: number | undefined): number {
  return wireCount(value, 0);
}

/** usageMetadata → canonical Usage (undefined when the upstream sent none). */
export function usageFromGemini(meta: GeminiUsageMetadata | undefined): Usage | undefined {
  if (!meta || typeof meta !== 'object') return undefined;
  const prompt = count(meta.promptTokenCount) + count(meta.toolUsePromptTokenCount);
  const thoughts = count(meta.thoughtsTokenCount);
  const completion = count(meta.candidatesTokenCount) + thoughts;
  return {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: wireCount(meta.totalTokenCount, prompt + completion),
    cached_tokens: count(meta.cachedContentTokenCount),
    reasoning_tokens: thoughts,
  };
}

export interface DecodedParts {
  text: string;
  reasoning: string;
  toolCalls: ToolCall[];
}

/** Splits candidate parts into text, thought text and tool calls; `nextId` numbers the calls. */
export function decodeParts(parts: GeminiPart[] | undefined, nextId: () => string): DecodedParts {
  const out: DecodedParts = { text: '', reasoning: '', toolCalls: [] };
  for (const part of parts ?? []) {
    if (part.functionCall && typeof part.functionCall.name === 'string') {
      const call: ToolCall = {
        id: nextId(),
        type: 'function',
        function: { name: part.functionCall.name, arguments: JSON.stringify(part.functionCall.args ?? {}) },
      };
      if (typeof part.thoughtSignature === 'string') {
        call.extra_content = { google: { thoughtSignature: part.thoughtSignature } };
        // Clients that keep only id/type/function still send the signature back: it rides in the id.
        call.id = encodeToolCallId(call.id, call.extra_content);
      }
      out.toolCalls.push(call);
    } else if (typeof part.text === 'string') {
      if (part.thought === true) out.reasoning += part.text;
      else out.text += part.text;
    }
  }
  return out;
}

/** Parses a Gemini body, turning an embedded {error} into a GatewayError. */
export function parseGeminiBody(text: string, status: number, provider: ProviderView): GeminiGenerateContentResponse {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw errors.upstreamInvalid(provider.name, 'the body is not JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw errors.upstreamInvalid(provider.name, 'the body is not a JSON object');
  }
  const body = parsed as GeminiGenerateContentResponse;
  if (body.error && typeof body.error === 'object') {
    throw gatewayErrorFor(provider, typeof body.error.code === 'number' ? body.error.code : status >= 400 ? status : 502, body.error, text);
  }
  return body;
}

function completionId(responseId: string | undefined): string {
  return `chatcmpl-${responseId || crypto.randomUUID().replace(/-/g, '')}`;
}

/** Adapter.decodeResponse for the chat operation. */
export function decodeChatResponse(reply: UpstreamReply, request: AdapterRequest, provider: ProviderView): DecodedResponse {
  const wire = parseGeminiBody(reply.text, reply.status, provider);
  const candidate = wire.candidates?.[0];
  if (!candidate && !wire.promptFeedback?.blockReason) {
    throw errors.upstreamInvalid(provider.name, 'the response has no candidates');
  }
  let n = 0;
  const prefix = toolCallPrefix(wire.responseId);
  const parts = decodeParts(candidate?.content?.parts, () => `${prefix}${n++}`);
  const finish: FinishReason = candidate
    ? mapFinishReason(candidate.finishReason, parts.toolCalls.length > 0) ?? (parts.toolCalls.length > 0 ? 'tool_calls' : 'stop')
    : 'content_filter';
  const message: ChatResponse['choices'][number]['message'] = {
    role: 'assistant',
    content: parts.text !== '' || parts.toolCalls.length === 0 ? parts.text : null,
  };
  if (parts.reasoning) message.reasoning_content = parts.reasoning;
  if (parts.toolCalls.length > 0) message.tool_calls = parts.toolCalls;

  const usage = usageFromGemini(wire.usageMetadata);
  const body: ChatResponse = {
    id: completionId(wire.responseId),
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model: wire.modelVersion || request.upstreamModel,
    choices: [{ index: 0, message, finish_reason: finish }],
  };
  if (usage) body.usage = usageToWire(usage);
  return { body: body as unknown as JsonObject, usage };
}

/**
 * Tool-call ids must be unique across a whole conversation (Anthropic rejects a history with repeated
 * ids, and clients pair results by id), but Gemini has none: derive them from the response id, or a
 * random tag when the response has none.
 */
export function toolCallPrefix(responseId: string | undefined): string {
  // At most 24 characters of tag keep the id (call_<tag>_<n>) within OpenAI's 40-character limit.
  const tag = responseId ? responseId.replace(/[^A-Za-z0-9_-]/g, '').slice(0, 24) : '';
  return `call_${tag || crypto.randomUUID().slice(0, 8)}_`;
}
