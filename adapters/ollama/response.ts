// Ollama ChatResponse (stream:false) → OpenAI chat.completion, plus the pieces the stream decoder
// shares: usage (prompt_eval_count → prompt_tokens, eval_count → completion_tokens; Ollama omits a
// zero count, and omits prompt_eval_count when the whole prompt came from its cache, so a missing
// count is 0), the finish reason (tool calls → tool_calls, done_reason length → length, else stop),
// and tool calls (arguments object → JSON string; Ollama's id when it sends one, else a generated one).

import {
  errors, usageToWire,
  type AdapterRequest, type ChatMessage, type DecodedResponse, type FinishReason, type JsonValue,
  type ProviderView, type ToolCall, type UpstreamReply, type Usage,
} from '../../src/contracts/index.ts';
import { errorFromText } from './errors.ts';
import type { OllamaChatResponse, OllamaMetrics, OllamaToolCall } from './wire-types.ts';

export function usageFromOllama(metrics: OllamaMetrics): Usage {
  const prompt = typeof metrics.prompt_eval_count === 'number' ? metrics.prompt_eval_count : 0;
  const completion = typeof metrics.eval_count === 'number' ? metrics.eval_count : 0;
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
}

export function finishReason(doneReason: string | undefined, sawToolCalls: boolean): FinishReason {
  if (sawToolCalls) return 'tool_calls';
  return doneReason === 'length' ? 'length' : 'stop';
}

export function newId(): string {
  return crypto.randomUUID().replace(/-/g, '').slice(0, 24);
}

export function toToolCall(call: OllamaToolCall, fallbackId: string): ToolCall {
  return {
    id: typeof call.id === 'string' && call.id ? call.id : fallbackId,
    type: 'function',
    function: { name: call.function?.name ?? '', arguments: JSON.stringify(call.function?.arguments ?? {}) },
  };
}

export function createdOf(createdAt: string | undefined): number {
  const ms = createdAt ? Date.parse(createdAt) : NaN;
  return Math.floor((Number.isFinite(ms) ? ms : Date.now()) / 1000);
}

export function parseLine(text: string, provider: ProviderView): OllamaChatResponse {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw errors.upstreamInvalid(provider.name, 'the body is not JSON');
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw errors.upstreamInvalid(provider.name, 'the body is not a JSON object');
  return parsed as OllamaChatResponse;
}

export function decodeChatResponse(reply: UpstreamReply, request: AdapterRequest, provider: ProviderView): DecodedResponse {
  const wire = parseLine(reply.text, provider);
  if (typeof wire.error === 'string') throw errorFromText(provider, 500, wire.error);
  if (!wire.message || typeof wire.message !== 'object') throw errors.upstreamInvalid(provider.name, 'the chat reply has no message');
  const id = newId();
  const calls = (wire.message.tool_calls ?? []).map((call, i) => toToolCall(call, `call_${id}_${i}`));
  const content = typeof wire.message.content === 'string' ? wire.message.content : '';
  const message: ChatMessage = { role: 'assistant', content: content === '' && calls.length ? null : content };
  if (typeof wire.message.thinking === 'string' && wire.message.thinking) message.reasoning_content = wire.message.thinking;
  if (calls.length) message.tool_calls = calls;
  const usage = usageFromOllama(wire);
  const body = {
    id: `chatcmpl-${id}`,
    object: 'chat.completion',
    created: createdOf(wire.created_at),
    model: typeof wire.model === 'string' && wire.model ? wire.model : request.upstreamModel,
    choices: [{ index: 0, message, finish_reason: finishReason(wire.done_reason, calls.length > 0), logprobs: null }],
    usage: usageToWire(usage),
  };
  return { body: body as unknown as JsonValue, usage };
}
