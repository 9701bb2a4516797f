// Anthropic Message (non-stream) → OpenAI chat.completion, plus the stop_reason mapping shared with the
// stream decoder.
//
// Decisions:
// - The completion id is Anthropic's message id (msg_...), kept as is so logs can be matched upstream.
// - `created` is the decode time (Anthropic sends no timestamp); `model` is the model Anthropic reports.
// - Text blocks are joined with ''; content is null when there is no text (OpenAI's shape for
//   tool-call-only replies). Thinking text is joined into `reasoning_content` (for OpenAI clients), and
//   the signed thinking and redacted_thinking blocks are kept in order in `thinking_blocks`, each with its
//   place among the text and tool_use blocks (text_offset / tool_offset, src/contracts/thinking.ts), so an
//   Anthropic client gets them back whole and where they were (interleaved thinking). Server-tool blocks are dropped.

import {
  errors,
  placeBlock,
  usageToWire,
  type AdapterRequest,
  type ChatMessage,
  type ChatResponse,
  type DecodedResponse,
  type FinishReason,
  type JsonValue,
  type ProviderView,
  type ThinkingBlock,
  type ToolCall,
  type UpstreamReply,
} from '../../src/contracts/index.ts';
import { errorFromBody } from './errors.ts';
import { usageFromAnthropic } from './usage.ts';
import type { AnthropicContentBlock, AnthropicMessage, AnthropicStopReason } from './wire-types.ts';

/** end_turn/stop_sequence/pause_turn → stop, max_tokens/context window → length, tool_use → tool_calls,
 *  refusal → content_filter; null stays null (not finished yet). Unknown future reasons → stop. */
export function finishReason(reason: AnthropicStopReason | string | null | undefined): FinishReason {
  switch (reason) {
    case null:
    case undefined:
      return null;
    case 'max_tokens':
    case 'model_context_window_exceeded':
      return 'length';
    case 'tool_use':
      return 'tool_calls';
    case 'refusal':
      return 'content_filter';
    default:
      return 'stop';
  }
}

export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

function buildMessage(blocks: AnthropicContentBlock[]): ChatMessage {
  let text = '';
  let hasText = false;
  let reasoning = '';
  let signed: ThinkingBlock[] | undefined;
  const toolCalls: ToolCall[] = [];
  for (const block of blocks) {
    if (block.type === 'text' && typeof block.text === 'string') {
      text += block.text;
      hasText = true;
    } else if (block.type === 'thinking' && typeof block.thinking === 'string') {
      reasoning += block.thinking;
      const signature = (block as { signature?: unknown }).signature;
      if (typeof signature === 'string' && signature) (signed ??= []).push(placeBlock({ type: 'thinking', thinking: block.thinking, signature }, text.length, toolCalls.length));
    } else if (block.type === 'redacted_thinking' && typeof (block as { data?: unknown }).data === 'string') {
      (signed ??= []).push(placeBlock({ type: 'redacted_thinking', data: (block as { data: string }).data }, text.length, toolCalls.length));
    } else if (block.type === 'tool_use' && typeof block.id === 'string' && typeof block.name === 'string') {
      toolCalls.push({
        id: block.id,
        type: 'function',
        function: { name: block.name, arguments: JSON.stringify(block.input ?? {}) },
      });
    }
  }
  const message: ChatMessage = { role: 'assistant', content: hasText ? text : null };
  if (reasoning) message.reasoning_content = reasoning;
  if (signed) message.thinking_blocks = signed;
  if (toolCalls.length) message.tool_calls = toolCalls;
  return message;
}

export function decodeResponse(reply: UpstreamReply, request: AdapterRequest, provider: ProviderView): DecodedResponse {
  let parsed: unknown;
  try {
    parsed = JSON.parse(reply.text);
  } catch {
    throw errors.upstreamInvalid(provider.name, 'the body is not JSON');
  }
  if (!parsed || typeof parsed !== 'object') throw errors.upstreamInvalid(provider.name, 'the body is not a JSON object');
  const body = parsed as Partial<AnthropicMessage> & { error?: { type?: unknown; message?: unknown } };
  if ((body as { type?: unknown }).type === 'error') throw errorFromBody(body, provider);
  if (!Array.isArray(body.content)) throw errors.upstreamInvalid(provider.name, 'the message has no content array');

  const usage = usageFromAnthropic(body.usage);
  const response: ChatResponse = {
    id: typeof body.id === 'string' ? body.id : '',
    object: 'chat.completion',
    created: nowSeconds(),
    model: typeof body.model === 'string' && body.model ? body.model : request.upstreamModel,
    choices: [
      {
        index: 0,
        message: buildMessage(body.content),
        finish_reason: finishReason(body.stop_reason) ?? 'stop',
        logprobs: null,
      },
    ],
    usage: usageToWire(usage),
  };
  return { body: response as unknown as JsonValue, usage };
}
