// Signed reasoning in the canonical form: Anthropic's extended-thinking request config and its signed
// thinking / redacted_thinking blocks, carried beside OpenAI's `reasoning_content` so a Claude client's
// tool loop with thinking survives the canonical round trip. Only adapters that speak Anthropic's
// Messages format (anthropic, vertex for Claude) send these upstream; every other adapter leaves them out.
//
// - Request: `ChatRequest.anthropic_thinking` is the client's `thinking` object exactly as sent on the
//   Anthropic surface ({type:"enabled",budget_tokens}, {type:"disabled"}, {type:"adaptive"}, any newer
//   type). Named apart from `thinking`, which OpenAI-compatible vendors (GLM, DeepSeek) take on their own
//   wire and which OpenAI clients still pass through to them unchanged.
// - Message (answer and history): `thinking_blocks` lists the signed blocks in their original order
//   (LiteLLM's name and shape). `reasoning_content` still holds the joined thinking text for OpenAI-shaped
//   clients. A thinking block without a signature is not signed and never appears here.
// - Stream delta: a thinking block's text streams as `reasoning_content`; when the block ends, one delta
//   carries `thinking_blocks: [{type:"thinking", thinking:"", signature}]` (its text already streamed). A
//   redacted block is one delta `thinking_blocks: [{type:"redacted_thinking", data}]`.
// - Tool errors: a tool message with `is_error: true` failed. Its content starts with TOOL_ERROR_PREFIX
//   (or is `Error` when the tool said nothing), so upstreams without a flag still read it as an error;
//   adapters with a native flag (Anthropic's tool_result.is_error) send the flag and the text without it.

import type { JsonValue } from './canonical.ts';

/** Anthropic's `thinking` request object, as the client sent it (validated: an object with a string type). */
export interface AnthropicThinkingConfig {
  type: string;
  budget_tokens?: number;
  display?: string;
  [extra: string]: JsonValue | undefined;
}

export interface SignedThinkingBlock { type: 'thinking'; thinking: string; signature: string }
export interface RedactedThinkingBlock { type: 'redacted_thinking'; data: string }
/** One signed reasoning block, exactly as the upstream issued it. */
export type ThinkingBlock = SignedThinkingBlock | RedactedThinkingBlock;

/** What a failed tool's text starts with in the canonical form (see the header). */
export const TOOL_ERROR_PREFIX = 'Error: ';

/** A failed tool's text in the canonical form. */
export function toolErrorText(text: string): string {
  return text === '' ? 'Error' : `${TOOL_ERROR_PREFIX}${text}`;
}

/** The tool's own text of a canonical failed-tool text (the inverse of toolErrorText). */
export function toolErrorOriginal(text: string): string {
  if (text === 'Error') return '';
  return text.startsWith(TOOL_ERROR_PREFIX) ? text.slice(TOOL_ERROR_PREFIX.length) : text;
}

/** Is `value` a well-formed thinking block (signed thinking with a non-empty signature, or redacted)? */
export function isThinkingBlock(value: unknown): value is ThinkingBlock {
  if (typeof value !== 'object' || value === null) return false;
  const b = value as { type?: unknown; thinking?: unknown; signature?: unknown; data?: unknown };
  if (b.type === 'thinking') return typeof b.thinking === 'string' && typeof b.signature === 'string' && b.signature !== '';
  return b.type === 'redacted_thinking' && typeof b.data === 'string';
}
