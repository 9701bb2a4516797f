// An assistant turn that carries signed thinking, rebuilt for Anthropic in its original block order.
//
// Anthropic wants an assistant message sent back exactly as it issued it: with interleaved thinking
// ([thinking, tool_use, thinking, tool_use], [thinking, text, thinking, text]) a turn rebuilt as "all thinking
// first" is a different message, which the API refuses or reads with the wrong prefix. Each canonical
// thinking block says where it sat (text_offset / tool_offset, src/contracts/thinking.ts); walkTurn() gives the
// order, this module cuts the turn's text blocks at those offsets. A text part cut in two keeps its
// cache_control on the piece that ends it; non-text parts ride with the text around them. Blocks are copied
// field by field, so the canonical position fields never reach Anthropic.

import { walkTurn, type ThinkingBlock } from '../../src/contracts/index.ts';
import type { AnthropicContentBlockParam, AnthropicImageBlock, AnthropicTextBlock } from './wire-types.ts';

type Part = AnthropicTextBlock | AnthropicImageBlock;

/** Hands out a turn's parts up to a text offset, cutting a text part where the offset falls inside it. */
class PartCursor {
  private index = 0;
  private within = 0;
  private consumed = 0;

  constructor(private readonly parts: readonly Part[], private readonly out: AnthropicContentBlockParam[]) {}

  /** Emits every part (or piece of one) before text offset `to`. */
  takeTo(to: number): void {
    while (this.index < this.parts.length && this.consumed < to) {
      const part = this.parts[this.index];
      if (part.type !== 'text') {
        this.out.push(part);
        this.index++;
        continue;
      }
      const n = Math.min(part.text.length - this.within, to - this.consumed);
      const end = this.within + n;
      if (this.within === 0 && end === part.text.length) this.out.push(part);
      else {
        const piece: AnthropicTextBlock = { type: 'text', text: part.text.slice(this.within, end) };
        if (end === part.text.length && part.cache_control) piece.cache_control = part.cache_control;
        this.out.push(piece);
      }
      this.consumed += n;
      this.within = end;
      if (end === part.text.length) {
        this.index++;
        this.within = 0;
      }
    }
  }

  /** Emits whatever is left (parts after the last text, e.g. an image at the very end). */
  rest(): void {
    this.takeTo(Infinity);
  }
}

/** The turn's blocks in their original order: its thinking blocks, its text parts and its tool_use blocks. */
export function orderedTurn(thinking: readonly ThinkingBlock[], parts: readonly Part[], toolUses: readonly AnthropicContentBlockParam[]): AnthropicContentBlockParam[] {
  const out: AnthropicContentBlockParam[] = [];
  const cursor = new PartCursor(parts, out);
  let textLength = 0;
  for (const part of parts) if (part.type === 'text') textLength += part.text.length;
  walkTurn(thinking, textLength, toolUses.length, {
    text: (_from, to) => cursor.takeTo(to),
    tools: (from, to) => { for (let i = from; i < to; i++) out.push(toolUses[i]); },
    thinking: (b) => out.push(b.type === 'thinking' ? { type: 'thinking', thinking: b.thinking, signature: b.signature } : { type: 'redacted_thinking', data: b.data }),
  });
  cursor.rest();
  return out;
}
