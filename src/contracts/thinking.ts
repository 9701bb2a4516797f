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
// - Block order (interleaved thinking, e.g. [thinking, tool_use, thinking, tool_use] or [thinking, text,
//   thinking, text]): each entry also says where it sat among the turn's other blocks, as
//   `text_offset` (UTF-16 code units of the turn's text, i.e. `content` or its text parts joined, before it)
//   and `tool_offset` (how many of the turn's `tool_calls` came before it); an absent field is 0, so a turn
//   whose thinking all comes first carries neither and looks exactly as before. walkTurn() rebuilds the
//   order from them: between two thinking blocks, the text in that span is one text block, then that span's
//   tool calls (the canonical turn has one text and a list of calls; a turn without thinking is ordered the
//   same way). Anthropic requires the assistant message back exactly as it was issued (a rebuilt or
//   reordered one is a 400, and on newer models a changed prefix invalidates every later thinking block), so
//   the Anthropic surface's answers and the anthropic adapter's history follow walkTurn(). The positions live
//   on the entries rather than in a new message field: adapters that strip `thinking_blocks` for other
//   upstreams strip them too, and an OpenAI-shaped client that sends `thinking_blocks` back keeps the order.
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

/** Where a thinking block sat in its assistant turn (see the header); absent fields are 0. */
export interface BlockPosition {
  text_offset?: number;
  tool_offset?: number;
}
export interface SignedThinkingBlock extends BlockPosition { type: 'thinking'; thinking: string; signature: string }
export interface RedactedThinkingBlock extends BlockPosition { type: 'redacted_thinking'; data: string }
/** One signed reasoning block, exactly as the upstream issued it, with its place in the turn. */
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

const isOffset = (v: unknown): boolean => v === undefined || (typeof v === 'number' && Number.isInteger(v) && v >= 0);

/** Is `value` a well-formed thinking block (signed thinking with a non-empty signature, or redacted; offsets, when
 *  present, non-negative integers)? */
export function isThinkingBlock(value: unknown): value is ThinkingBlock {
  if (typeof value !== 'object' || value === null) return false;
  const b = value as { type?: unknown; thinking?: unknown; signature?: unknown; data?: unknown; text_offset?: unknown; tool_offset?: unknown };
  if (!isOffset(b.text_offset) || !isOffset(b.tool_offset)) return false;
  if (b.type === 'thinking') return typeof b.thinking === 'string' && typeof b.signature === 'string' && b.signature !== '';
  return b.type === 'redacted_thinking' && typeof b.data === 'string';
}

/** Records where `block` sits: after `textOffset` code units of the turn's text and `toolOffset` tool calls. */
export function placeBlock<T extends ThinkingBlock>(block: T, textOffset: number, toolOffset: number): T {
  if (textOffset > 0) block.text_offset = textOffset;
  if (toolOffset > 0) block.tool_offset = toolOffset;
  return block;
}

/** What walkTurn() reports, in the turn's original order. */
export interface TurnVisitor {
  /** The turn's text from `from` to `to` (code units; never empty). */
  text(from: number, to: number): void;
  /** The turn's tool calls `from` to `to` (exclusive; never empty). */
  tools(from: number, to: number): void;
  thinking(block: ThinkingBlock): void;
}

const offsetOf = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? Math.floor(v) : 0);

/** Walks an assistant turn (its text length, tool-call count and thinking blocks) in its original block order.
 *  Offsets beyond the turn or going backwards (a client changed the turn) are clamped, so nothing is lost. */
export function walkTurn(blocks: readonly ThinkingBlock[], textLength: number, toolCount: number, visit: TurnVisitor): void {
  let text = 0;
  let tools = 0;
  for (const block of blocks) {
    // Offsets from an upstream or a client may be anything: a non-number counts as 0 (never NaN, which
    // would drop every block after it).
    const t = Math.min(textLength, Math.max(text, offsetOf(block.text_offset)));
    const c = Math.min(toolCount, Math.max(tools, offsetOf(block.tool_offset)));
    if (t > text) visit.text(text, t);
    if (c > tools) visit.tools(tools, c);
    text = t;
    tools = c;
    visit.thinking(block);
  }
  if (textLength > text) visit.text(text, textLength);
  if (toolCount > tools) visit.tools(tools, toolCount);
}
