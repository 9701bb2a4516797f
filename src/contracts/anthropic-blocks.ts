// Anthropic-only content blocks in the canonical form: what a Claude client puts in a `tool_result` (text,
// image, document, search_result) and in a user turn (document, search_result) that the OpenAI shape has
// no place for. The Anthropic surface keeps the client's blocks on the canonical message, beside the
// canonical content every other adapter reads; only adapters that speak Anthropic's Messages format
// (anthropic, vertex for Claude) send them, and every other adapter leaves them out
// (adapters/openai/strip-extras.ts; the others build their bodies field by field).
//
// - Tool message: `anthropic_tool_result` = {content?, cache_control?}, the tool_result's `content` (string or
//   blocks) and its own `cache_control`, exactly as the client sent them. Set only when the result has a block
//   other than plain text or a breakpoint (a text-only result looks exactly as before). The canonical content
//   stays what other upstreams get: the text, documents as a placeholder (documentPlaceholder), search results
//   as text, images moved to the user message after the tool messages.
// - User message: `anthropic_content` = the turn's blocks other than tool_result, exactly as sent. Set only
//   when the turn had a document or search_result block, or a tool_result moved images into it; an Anthropic
//   upstream gets these blocks instead of the canonical parts (so moved images are sent once, in their
//   tool_result, and documents as documents).
// - An OpenAI-surface client cannot set either (src/http/validate-chat.ts drops them).

import type { JsonObject } from './canonical.ts';

/** A tool_result's content and breakpoint as the client sent them (see the header). */
export interface AnthropicToolResult {
  content?: string | JsonObject[];
  cache_control?: JsonObject;
  /**
   * The tool message's canonical text when the surface made it: an adapter sends the original blocks only
   * while the message still says this, so a plugin that rewrote the text (a redaction) is never bypassed.
   */
  text?: string;
}

/** The text other upstreams get for a document they cannot read: says it was left out, and which one. */
export function documentPlaceholder(block: { title?: unknown; source?: unknown }): string {
  const source = block.source as { media_type?: unknown; type?: unknown } | undefined;
  const title = typeof block.title === 'string' && block.title.trim() !== '' ? ` "${block.title.trim().slice(0, 200)}"` : '';
  const kind = typeof source?.media_type === 'string' ? ` (${source.media_type.slice(0, 100)})` : '';
  return `[Document${title}${kind} omitted: this model cannot read documents]`;
}
