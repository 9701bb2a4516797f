// OpenAI chat messages → Anthropic `system` + `messages`. System/developer messages are lifted to the
// top-level system prompt; tool results become user-role tool_result blocks; consecutive same-role
// turns are merged (Anthropic wants alternating user/assistant turns).
//
// Decisions:
// - Several system/developer messages (wherever they appear) are joined with a blank line.
// - Tool-call arguments that are empty, not JSON, or not a JSON object become `{}`: rejecting the whole
//   conversation would break the client's tool loop, and the tool result that follows carries the outcome.
// - Empty text parts are dropped (Anthropic rejects empty text blocks); a turn left with no blocks is dropped.
// - In a merged user turn, tool_result blocks are moved before other blocks (Anthropic requires it).
// - Tool-call ids outside Anthropic's id pattern have their other characters replaced by `_`.
// - A turn whose only block is text is sent as a plain string.
// - Assistant `thinking_blocks` (signed thinking and redacted_thinking, src/contracts/thinking.ts) are sent
//   back unchanged, in their order, each at its place among the turn's text and tool_use blocks
//   (turn-order.ts): first when they came first, between them with interleaved thinking. Anthropic wants
//   the message back as it issued it and requires the last assistant turn's signed thinking in a tool loop
//   with thinking on. A malformed entry is a 400 naming it. Bare `reasoning_content` is not sent back: it
//   has no signature.
// - A tool message with `is_error: true` → tool_result `is_error: true`, its text without the canonical
//   `Error: ` prefix (the prefix is for upstreams without the flag).
// - cache_control breakpoints on canonical parts and tool results are kept on their blocks (a turn with
//   one is never collapsed to a string); system prompts with one are sent as text blocks.
// - A tool message's `anthropic_tool_result` (content and cache_control as the Anthropic client sent them:
//   documents, search results, images in place) replaces its canonical content; a user message's
//   `anthropic_content` replaces its canonical parts (src/contracts/anthropic-blocks.ts). Both are sent as
//   they are; a value of the wrong shape is a 400 naming it.

import { canonicalText, errors, isThinkingBlock, toolErrorOriginal, type ChatMessage, type ContentPart, type JsonObject, type ThinkingBlock, type ToolCall } from '../../src/contracts/index.ts';
import { orderedTurn } from './turn-order.ts';
import type {
  AnthropicCacheControl,
  AnthropicClientBlock,
  AnthropicContentBlockParam,
  AnthropicImageBlock,
  AnthropicMessageParam,
  AnthropicTextBlock,
  AnthropicToolResultBlockParam,
} from './wire-types.ts';

export interface ConvertedMessages {
  system?: string | AnthropicTextBlock[];
  messages: AnthropicMessageParam[];
}

const DATA_URL = /^data:([^;,]+)((?:;[^;,]*)*?);base64,(.*)$/s;

function imageBlock(url: string, param: string): AnthropicImageBlock {
  if (url.startsWith('data:')) {
    const match = DATA_URL.exec(url);
    if (!match) throw errors.invalidValue(param, `${param} is a data: URL that is not base64 encoded. Send data:<media type>;base64,<data> or an http(s) URL.`);
    return { type: 'image', source: { type: 'base64', media_type: match[1], data: match[3] } };
  }
  if (/^https?:\/\//i.test(url)) return { type: 'image', source: { type: 'url', url } };
  throw errors.invalidValue(param, `${param} must be a data: URL or an http(s) URL.`);
}

function textOf(content: ChatMessage['content'], param: string): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .map((part, i) => {
      if (part.type !== 'text' || typeof part.text !== 'string') {
        throw errors.invalidValue(`${param}[${i}]`, `Only text parts are allowed in ${param}.`);
      }
      return part.text;
    })
    .join('\n');
}

/** The part's cache breakpoint, copied onto the block built from it. */
function withCache<T extends AnthropicTextBlock | AnthropicImageBlock>(block: T, part: ContentPart): T {
  const cc = (part as { cache_control?: unknown }).cache_control;
  if (cc && typeof cc === 'object' && !Array.isArray(cc) && typeof (cc as AnthropicCacheControl).type === 'string') block.cache_control = cc as AnthropicCacheControl;
  return block;
}

function partBlocks(content: ChatMessage['content'], param: string): Array<AnthropicTextBlock | AnthropicImageBlock> {
  if (content == null) return [];
  if (typeof content === 'string') return content ? [{ type: 'text', text: content }] : [];
  if (!Array.isArray(content)) throw errors.invalidValue(param, `${param} must be a string or an array of content parts.`);
  const blocks: Array<AnthropicTextBlock | AnthropicImageBlock> = [];
  content.forEach((part: ContentPart, i) => {
    const where = `${param}[${i}]`;
    if (part.type === 'text' && typeof part.text === 'string') {
      if (part.text) blocks.push(withCache({ type: 'text', text: part.text }, part));
    } else if (part.type === 'image_url') {
      const image = part.image_url as { url?: unknown } | undefined;
      if (typeof image?.url !== 'string') throw errors.invalidValue(`${where}.image_url.url`, `${where}.image_url.url must be a string.`);
      blocks.push(withCache(imageBlock(image.url, `${where}.image_url.url`), part));
    } else {
      throw errors.invalidValue(`${where}.type`, `Content part type "${String(part.type)}" cannot be sent to an Anthropic model; use text or image_url parts.`);
    }
  });
  return blocks;
}

/** Anthropic ids must match ^[a-zA-Z0-9_-]+$; other vendors' ids (Kimi's `functions.get_weather:0`) are
 *  mapped character by character, the same way for tool_use and tool_result so the pair still matches. */
export function toolId(id: string): string {
  return id.replace(/[^a-zA-Z0-9_-]/g, '_');
}

/** Tool-call arguments → tool_use input; see the header for the `{}` fallback. */
export function parseToolInput(args: unknown): JsonObject {
  if (typeof args !== 'string' || !args.trim()) return {};
  try {
    const value: unknown = JSON.parse(args);
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as JsonObject) : {};
  } catch {
    return {};
  }
}

/** The turn's signed reasoning blocks, checked (turn-order.ts copies them field by field: nothing else a
 *  client put on them goes upstream). */
function thinkingBlocks(list: unknown, param: string): ThinkingBlock[] {
  if (!Array.isArray(list)) throw errors.invalidValue(`${param}.thinking_blocks`, `${param}.thinking_blocks must be an array of thinking blocks.`);
  list.forEach((b: unknown, i) => {
    if (!isThinkingBlock(b)) {
      throw errors.invalidValue(`${param}.thinking_blocks[${i}]`, `${param}.thinking_blocks[${i}] must be {"type":"thinking","thinking":...,"signature":...} with a non-empty signature, or {"type":"redacted_thinking","data":...}, as the model sent it (text_offset and tool_offset, when present, non-negative integers).`);
    }
  });
  return list as ThinkingBlock[];
}

function assistantBlocks(message: ChatMessage, param: string): AnthropicContentBlockParam[] {
  const parts = partBlocks(message.content, `${param}.content`);
  const thinking = message.thinking_blocks === undefined ? undefined : thinkingBlocks(message.thinking_blocks, param);
  // Without thinking, tool_use blocks follow the text parts in the same array; with it, turn-order.ts places them.
  const blocks: AnthropicContentBlockParam[] = thinking === undefined ? parts : [];
  const calls: ToolCall[] = Array.isArray(message.tool_calls) ? message.tool_calls : [];
  calls.forEach((call, i) => {
    const name = call?.function?.name;
    if (typeof call?.id !== 'string' || typeof name !== 'string') {
      throw errors.invalidValue(`${param}.tool_calls[${i}]`, `${param}.tool_calls[${i}] needs an id and a function.name.`);
    }
    blocks.push({ type: 'tool_use', id: toolId(call.id), name, input: parseToolInput(call.function.arguments) });
  });
  return thinking === undefined ? blocks : orderedTurn(thinking, parts, blocks);
}

function toolResultBlock(message: ChatMessage, param: string): AnthropicToolResultBlockParam {
  if (typeof message.tool_call_id !== 'string' || !message.tool_call_id) {
    throw errors.invalidValue(`${param}.tool_call_id`, `${param} has role "tool" but no tool_call_id.`);
  }
  const block: AnthropicToolResultBlockParam = { type: 'tool_result', tool_use_id: toolId(message.tool_call_id) };
  const failed = message.is_error === true;
  // The client's own blocks, unless a plugin has rewritten the message's text since (then the canonical text goes).
  const original = message.anthropic_tool_result;
  if (original !== undefined && (!isObject(original) || typeof original.text !== 'string' || original.text === canonicalText(message.content))) {
    return originalToolResult(block, original, failed, param);
  }
  if (typeof message.content === 'string') {
    const text = failed ? toolErrorOriginal(message.content) : message.content;
    if (text) block.content = text;
  } else {
    const parts = partBlocks(message.content, `${param}.content`);
    const first = parts[0];
    if (failed && first?.type === 'text') {
      first.text = toolErrorOriginal(first.text);
      if (!first.text) {
        parts.shift(); // Anthropic refuses empty text blocks; a breakpoint on it moves to the result
        if (first.cache_control) block.cache_control = first.cache_control;
      }
    }
    if (parts.length) block.content = parts;
  }
  if (failed) block.is_error = true;
  return block;
}

const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Blocks the client sent, passed on as they are (each an object with a string type). */
function clientBlocks(list: unknown, param: string): AnthropicContentBlockParam[] {
  if (!Array.isArray(list) || !list.every((b) => isObject(b) && typeof b.type === 'string')) {
    throw errors.invalidValue(param, `${param} must be an array of Anthropic content blocks.`);
  }
  return list as AnthropicClientBlock[];
}

/** The tool_result with the content and breakpoint its client sent (see the header). */
function originalToolResult(block: AnthropicToolResultBlockParam, original: unknown, failed: boolean, param: string): AnthropicToolResultBlockParam {
  const where = `${param}.anthropic_tool_result`;
  if (!isObject(original)) throw errors.invalidValue(where, `${where} must be an object.`);
  const { content, cache_control: cc } = original;
  if (typeof content === 'string') block.content = content;
  else if (content !== undefined) block.content = clientBlocks(content, `${where}.content`) as AnthropicClientBlock[];
  if (failed) block.is_error = true;
  if (cc !== undefined) {
    if (!isObject(cc) || typeof cc.type !== 'string') throw errors.invalidValue(`${where}.cache_control`, `${where}.cache_control must be an object with a string type.`);
    block.cache_control = cc as unknown as AnthropicCacheControl;
  }
  return block;
}

function blocksFor(message: ChatMessage, param: string): { role: 'user' | 'assistant'; blocks: AnthropicContentBlockParam[] } {
  switch (message.role) {
    case 'user':
      return {
        role: 'user',
        blocks: message.anthropic_content !== undefined
          ? clientBlocks(message.anthropic_content, `${param}.anthropic_content`)
          : partBlocks(message.content, `${param}.content`),
      };
    case 'assistant':
      return { role: 'assistant', blocks: assistantBlocks(message, param) };
    case 'tool':
      return { role: 'user', blocks: [toolResultBlock(message, param)] };
    default:
      throw errors.invalidValue(`${param}.role`, `Message role "${String(message.role)}" cannot be sent to an Anthropic model; use system, developer, user, assistant or tool.`);
  }
}

function finish(role: 'user' | 'assistant', blocks: AnthropicContentBlockParam[]): AnthropicMessageParam {
  const ordered = role === 'user'
    ? [...blocks.filter((b) => b.type === 'tool_result'), ...blocks.filter((b) => b.type !== 'tool_result')]
    : blocks;
  const only = ordered[0];
  if (ordered.length === 1 && only.type === 'text' && !only.cache_control) return { role, content: only.text };
  return { role, content: ordered };
}

export function convertMessages(input: unknown): ConvertedMessages {
  if (!Array.isArray(input) || input.length === 0) {
    throw errors.invalidValue('messages', 'messages must be a non-empty array of chat messages.');
  }
  const system: string[] = [];
  const systemBlocks: AnthropicTextBlock[] = [];
  const turns: Array<{ role: 'user' | 'assistant'; blocks: AnthropicContentBlockParam[] }> = [];
  (input as ChatMessage[]).forEach((message, i) => {
    const param = `messages[${i}]`;
    if (!message || typeof message !== 'object') throw errors.invalidValue(param, `${param} must be an object.`);
    if (message.role === 'system' || message.role === 'developer') {
      const text = textOf(message.content, `${param}.content`);
      if (text) system.push(text);
      if (Array.isArray(message.content)) systemBlocks.push(...partBlocks(message.content, `${param}.content`) as AnthropicTextBlock[]);
      else if (text) systemBlocks.push({ type: 'text', text });
      return;
    }
    const { role, blocks } = blocksFor(message, param);
    if (blocks.length === 0) return;
    const last = turns[turns.length - 1];
    if (last && last.role === role) last.blocks.push(...blocks);
    else turns.push({ role, blocks });
  });
  if (turns.length === 0) {
    throw errors.invalidValue('messages', 'messages needs at least one non-empty user, assistant or tool message besides system prompts.');
  }
  const out: ConvertedMessages = { messages: turns.map((t) => finish(t.role, t.blocks)) };
  if (systemBlocks.some((b) => b.cache_control)) out.system = systemBlocks;
  else if (system.length) out.system = system.join('\n\n');
  return out;
}
