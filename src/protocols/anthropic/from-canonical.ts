// Canonical (OpenAI Chat Completions) response → Anthropic Message object, plus the small mappings the
// stream encoder shares: finish_reason → stop_reason, canonical usage → Anthropic usage, message ids.
//
// - Content order: thinking, text, then one tool_use block per tool call. Thinking is the message's signed
//   `thinking_blocks` (thinking with its signature, redacted_thinking with its data) when the upstream sent
//   them (an Anthropic one), each back at its place among the text and tool_use blocks (interleaved
//   thinking: walkTurn, src/contracts/thinking.ts), so the client gets the blocks in the upstream's order;
//   else one thinking block from reasoning_content with an empty signature (the gateway cannot sign). Each
//   tool_use has input = the parsed arguments; arguments that are not a JSON object (a truncated call, say)
//   are kept as {"raw_arguments": "<text>"} rather than lost.
// - stop_reason: stop → end_turn, length → max_tokens, tool_calls/function_call → tool_use,
//   content_filter → refusal; a 'stop' answer that still carries tool calls reports tool_use.
// - usage: input_tokens = prompt − cached (Anthropic counts cache reads separately),
//   cache_read_input_tokens = cached, output_tokens = completion.
// - Only choice 0 is translated (Anthropic has no `n`).

import { canonicalText, usageFromWire, walkTurn } from '../../contracts/index.ts';
import type { ChatResponse, FinishReason, JsonValue, ThinkingBlock, ToolCall, Usage } from '../../contracts/index.ts';
import { encodeToolUseId } from './tool-ids.ts';
import type { AnthropicContentBlock, AnthropicCountTokensResponse, AnthropicMessage, AnthropicStopReason, AnthropicUsage } from './wire-types.ts';

/** Maps a canonical finish_reason to Anthropic's stop_reason. */
export function stopReasonFromFinish(finish: FinishReason | undefined, hasToolUse = false): AnthropicStopReason {
  switch (finish) {
    case 'length': return 'max_tokens';
    case 'tool_calls':
    case 'function_call': return 'tool_use';
    case 'content_filter': return 'refusal';
    default: return hasToolUse ? 'tool_use' : 'end_turn';
  }
}

/** Canonical usage → Anthropic usage (input_tokens excludes cache reads and cache writes, as Anthropic counts). */
export function anthropicUsage(usage: Usage | undefined): AnthropicUsage {
  if (!usage) return { input_tokens: 0, output_tokens: 0, cache_read_input_tokens: 0 };
  const cached = Math.max(0, Math.min(usage.cached_tokens ?? 0, usage.prompt_tokens));
  const written = Math.max(0, Math.min(usage.cache_write_tokens ?? 0, usage.prompt_tokens - cached));
  const out: AnthropicUsage = { input_tokens: usage.prompt_tokens - cached - written, output_tokens: usage.completion_tokens, cache_read_input_tokens: cached };
  if (written) out.cache_creation_input_tokens = written;
  return out;
}

/** Anthropic message ids start with `msg_`; canonical ids (chatcmpl-...) get that prefix. */
export function anthropicMessageId(id: string | undefined): string {
  if (!id) return `msg_${crypto.randomUUID().replace(/-/g, '')}`;
  return id.startsWith('msg_') ? id : `msg_${id}`;
}

/** Parses tool-call arguments into the object Anthropic's tool_use.input requires. */
export function toolInput(args: string | undefined): JsonValue {
  if (args === undefined || args.trim() === '') return {};
  try {
    const parsed = JSON.parse(args) as JsonValue;
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) return parsed;
  } catch {
    // fall through: keep the text
  }
  return { raw_arguments: args };
}

function toolUseBlock(call: ToolCall): AnthropicContentBlock {
  return {
    type: 'tool_use',
    id: encodeToolUseId(call.id || `toolu_${crypto.randomUUID().replace(/-/g, '')}`, call.extra_content),
    name: call.function.name,
    input: toolInput(call.function.arguments),
  };
}

/** A signed block as Anthropic sends it (its canonical position fields stay behind). */
function thinkingBlock(block: ThinkingBlock): AnthropicContentBlock {
  return block.type === 'thinking' ? { type: 'thinking', thinking: block.thinking, signature: block.signature } : { type: 'redacted_thinking', data: block.data };
}

/** Canonical ChatResponse → Anthropic Message; `requestedModel` is the model name the client sent. */
export function canonicalToAnthropic(res: ChatResponse, requestedModel: string): AnthropicMessage {
  const choice = res.choices.find((c) => c.index === 0) ?? res.choices[0];
  const content: AnthropicContentBlock[] = [];
  const message = choice?.message;
  if (message) {
    const text = canonicalText(message.content);
    const calls = message.tool_calls ?? [];
    if (message.thinking_blocks) {
      walkTurn(message.thinking_blocks, text.length, calls.length, {
        text: (from, to) => content.push({ type: 'text', text: text.slice(from, to) }),
        tools: (from, to) => { for (let i = from; i < to; i++) content.push(toolUseBlock(calls[i])); },
        thinking: (block) => content.push(thinkingBlock(block)),
      });
    } else {
      if (typeof message.reasoning_content === 'string' && message.reasoning_content !== '') {
        content.push({ type: 'thinking', thinking: message.reasoning_content, signature: '' });
      }
      if (text !== '') content.push({ type: 'text', text });
      for (const call of calls) content.push(toolUseBlock(call));
    }
  }
  const hasToolUse = content.some((b) => b.type === 'tool_use');
  return {
    id: anthropicMessageId(res.id),
    type: 'message',
    role: 'assistant',
    model: requestedModel,
    content,
    stop_reason: stopReasonFromFinish(choice?.finish_reason, hasToolUse),
    stop_sequence: null,
    usage: anthropicUsage(usageFromWire(res.usage)),
  };
}

/** The count_tokens reply for a prompt token count. */
export function countTokensResponse(promptTokens: number): AnthropicCountTokensResponse {
  return { input_tokens: promptTokens };
}
