// Bedrock Converse response → OpenAI chat.completion, plus what the stream decoder shares: stopReason
// → finish_reason (end_turn/stop_sequence → stop, tool_use → tool_calls, max_tokens and
// model_context_window_exceeded → length, guardrail_intervened/content_filtered → content_filter) and
// usage (prompt = inputTokens + cache reads + cache writes, so it is the whole prompt as OpenAI counts
// it; cache reads are also reported as cached_tokens).

import {
  errors, usageToWire,
  type AdapterRequest, type ChatMessage, type DecodedResponse, type FinishReason, type JsonValue,
  type ProviderView, type ToolCall, type UpstreamReply, type Usage,
} from '../../src/contracts/index.ts';
import type { BedrockConverseResponse, BedrockTokenUsage } from './wire-types.ts';

export function finishReason(reason: string | undefined): FinishReason {
  switch (reason) {
    case 'tool_use':
      return 'tool_calls';
    case 'max_tokens':
    case 'model_context_window_exceeded':
      return 'length';
    case 'guardrail_intervened':
    case 'content_filtered':
      return 'content_filter';
    default:
      return 'stop';
  }
}

const n = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);

export function usageFromBedrock(usage: BedrockTokenUsage | undefined): Usage | undefined {
  if (!usage || typeof usage !== 'object') return undefined;
  const cacheRead = n(usage.cacheReadInputTokens);
  const prompt = n(usage.inputTokens) + cacheRead + n(usage.cacheWriteInputTokens);
  const completion = n(usage.outputTokens);
  const out: Usage = { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
  if (cacheRead) out.cached_tokens = cacheRead;
  return out;
}

export function chatId(): string {
  return `chatcmpl-${crypto.randomUUID().replace(/-/g, '').slice(0, 24)}`;
}

export function decodeChatResponse(reply: UpstreamReply, request: AdapterRequest, provider: ProviderView): DecodedResponse {
  let wire: BedrockConverseResponse;
  try {
    wire = JSON.parse(reply.text) as BedrockConverseResponse;
  } catch {
    throw errors.upstreamInvalid(provider.name, 'the body is not JSON');
  }
  const blocks = wire?.output?.message?.content;
  if (!Array.isArray(blocks)) throw errors.upstreamInvalid(provider.name, 'the Converse reply has no output message');
  let text = '';
  let reasoning = '';
  const calls: ToolCall[] = [];
  for (const block of blocks) {
    if (typeof block.text === 'string') text += block.text;
    else if (block.toolUse) calls.push({ id: block.toolUse.toolUseId, type: 'function', function: { name: block.toolUse.name, arguments: JSON.stringify(block.toolUse.input ?? {}) } });
    else if (typeof block.reasoningContent?.reasoningText?.text === 'string') reasoning += block.reasoningContent.reasoningText.text;
  }
  const message: ChatMessage = { role: 'assistant', content: text === '' && calls.length ? null : text };
  if (reasoning) message.reasoning_content = reasoning;
  if (calls.length) message.tool_calls = calls;
  const usage = usageFromBedrock(wire.usage);
  const body = {
    id: chatId(),
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model: request.upstreamModel,
    choices: [{ index: 0, message, finish_reason: finishReason(wire.stopReason), logprobs: null }],
    ...(usage ? { usage: usageToWire(usage) } : {}),
  };
  return { body: body as unknown as JsonValue, usage };
}
