// Cohere v2 /chat reply → OpenAI chat.completion: text parts joined, thinking parts and tool_plan
// as reasoning_content, tool calls kept, finish reasons mapped, usage from billed_units (the tokens
// Cohere charges for; `tokens` only when billed_units is absent). Errors: Cohere's `{message}` bodies
// through the shared status mapping, with its 498 (invalid token) treated as the gateway's key failing.

import {
  type AdapterRequest, type ChatResponse, type DecodedResponse, type FinishReason, type GatewayError, type JsonValue,
  type ProviderView, type UpstreamReply, type Usage, errorFromUpstreamStatus, errors, parseRetryAfter, upstreamMessage, usageToWire,
} from '../../src/contracts/index.ts';
import type { CohereChatResponse, CohereFinishReason, CohereUsage } from './wire-types.ts';

export function finishReason(reason: CohereFinishReason | undefined, hasTools: boolean): FinishReason {
  if (reason === 'MAX_TOKENS') return 'length';
  if (reason === 'TOOL_CALL' || hasTools) return 'tool_calls';
  return 'stop';
}

export function usageFromCohere(usage: CohereUsage | undefined): Usage | undefined {
  const units = usage?.billed_units ?? usage?.tokens;
  if (!units || (typeof units.input_tokens !== 'number' && typeof units.output_tokens !== 'number')) return undefined;
  const prompt = units.input_tokens ?? 0;
  const completion = units.output_tokens ?? 0;
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion, cached_tokens: usage?.cached_tokens ?? 0 };
}

export function decodeCohereChat(reply: UpstreamReply, request: AdapterRequest, provider: ProviderView): DecodedResponse {
  let wire: CohereChatResponse;
  try {
    wire = JSON.parse(reply.text) as CohereChatResponse;
  } catch {
    throw errors.upstreamInvalid(provider.name, 'the body is not JSON');
  }
  if (!wire || typeof wire !== 'object' || !wire.message) throw errors.upstreamInvalid(provider.name, 'the reply has no message');
  if (wire.finish_reason === 'ERROR' || wire.finish_reason === 'TIMEOUT') {
    throw errors.upstreamError(`Provider "${provider.name}" ended the generation with ${wire.finish_reason}.`, undefined, true);
  }
  const parts = wire.message.content ?? [];
  const content = parts.map((p) => (p.type === 'text' ? p.text : '')).join('');
  const reasoning = [wire.message.tool_plan ?? '', ...parts.map((p) => (p.type === 'thinking' ? p.thinking : ''))].join('');
  const calls = wire.message.tool_calls ?? [];
  const message: ChatResponse['choices'][number]['message'] = { role: 'assistant', content: calls.length && !content ? null : content };
  if (reasoning) message.reasoning_content = reasoning;
  if (calls.length) message.tool_calls = calls.map((c) => ({ id: c.id, type: 'function', function: { name: c.function.name, arguments: c.function.arguments ?? '{}' } }));
  const usage = usageFromCohere(wire.usage);
  const body: ChatResponse = {
    id: `chatcmpl-${wire.id}`, object: 'chat.completion', created: Math.floor(Date.now() / 1000), model: request.upstreamModel,
    choices: [{ index: 0, message, finish_reason: finishReason(wire.finish_reason, calls.length > 0) }],
  };
  if (usage) body.usage = usageToWire(usage);
  return { body: body as unknown as JsonValue, usage };
}

export function decodeCohereError(reply: UpstreamReply, provider: ProviderView): GatewayError {
  const status = reply.status === 498 ? 401 : reply.status;
  const raw = upstreamMessage(reply.text);
  const message = provider.apiKey ? raw.split(provider.apiKey).join('[redacted]') : raw;
  if (status === 402) return errors.upstreamError(`Provider "${provider.name}" refused the request for lack of credit on the gateway's account: ${message}`, 402, true);
  return errorFromUpstreamStatus(provider.name, status, message, parseRetryAfter(reply.headers.get('retry-after')));
}
