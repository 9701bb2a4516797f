// Extended thinking on the way in (Anthropic surface → canonical): the request's `thinking` object and
// the thinking / redacted_thinking blocks of assistant turns in the history. See src/contracts/thinking.ts
// for the canonical fields.
//
// - `thinking` is checked for shape only (an object with a string `type`; `budget_tokens` an integer when
//   present) and kept as the very object the client sent, so an Anthropic upstream gets it unchanged and
//   decides on the rest (the budget's minimum, which types a model takes); newer types pass as they are.
// - A thinking block with a signature and every redacted_thinking block become `thinking_blocks`, in order,
//   each with its place among the turn's text and tool_use blocks (text_offset / tool_offset), so
//   interleaved thinking goes back upstream where it was. A thinking block with an empty or no signature
//   (the gateway answered it from a non-Anthropic upstream) is not signed: only its text is kept, in
//   `reasoning_content`, as before.

import { placeBlock } from '../../contracts/index.ts';
import type { AnthropicThinkingConfig, ThinkingBlock } from '../../contracts/index.ts';
import { type Obj, bad } from './input-checks.ts';

/** The request's `thinking`, validated and returned as sent (undefined for null / absent). */
export function thinkingConfig(raw: unknown): AnthropicThinkingConfig | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (typeof raw !== 'object' || Array.isArray(raw) || typeof (raw as Obj).type !== 'string') {
    bad('thinking', '`thinking` must be an object like {"type":"enabled","budget_tokens":2048}, {"type":"adaptive"} or {"type":"disabled"}');
  }
  const budget = (raw as Obj).budget_tokens;
  if (budget !== undefined && (typeof budget !== 'number' || !Number.isInteger(budget) || budget < 1)) {
    bad('thinking.budget_tokens', '`thinking.budget_tokens` must be a positive integer');
  }
  if ((raw as Obj).type === 'enabled' && budget === undefined) bad('thinking.budget_tokens', '`thinking.budget_tokens` is required when `thinking.type` is "enabled"');
  return raw as AnthropicThinkingConfig;
}

/** Collects an assistant turn's thinking: signed blocks in order (each placed after `textLength` code units of
 *  the turn's text and `toolCount` tool calls, as seen so far), and the thinking text. */
export class AssistantThinking {
  readonly blocks: ThinkingBlock[] = [];
  readonly texts: string[] = [];

  thinking(b: Obj, p: string, textLength: number, toolCount: number): void {
    if (typeof b.thinking !== 'string') bad(`${p}.thinking`, `\`${p}.thinking\` must be a string`);
    const signature = b.signature;
    if (signature !== undefined && signature !== null && typeof signature !== 'string') bad(`${p}.signature`, `\`${p}.signature\` must be a string`);
    this.texts.push(b.thinking);
    if (typeof signature === 'string' && signature !== '') this.blocks.push(placeBlock({ type: 'thinking', thinking: b.thinking, signature }, textLength, toolCount));
  }

  redacted(b: Obj, p: string, textLength: number, toolCount: number): void {
    if (typeof b.data !== 'string') bad(`${p}.data`, `\`${p}.data\` must be a string`);
    this.blocks.push(placeBlock({ type: 'redacted_thinking', data: b.data }, textLength, toolCount));
  }
}
