// Turns one full chat.completion into the chat.completion.chunk sequence an SSE upstream would have
// sent, for adapters whose upstream cannot stream (streamMode 'emulate'). Pure; the pipeline frames
// the chunks as SSE and appends [DONE].
//
// Per choice, in order: a role chunk ({role:'assistant', content:''}), reasoning (with signed
// thinking_blocks: per block its text as reasoning_content pieces, then its signature delta, or the redacted
// block's delta, as an upstream streams them (thinking.ts); else reasoning_content pieces), content
// pieces, per tool call one header chunk (index, id, type, name, arguments '') followed by argument
// pieces, then a chunk with an empty delta and the finish_reason. Signed thinking placed among the text
// and tool calls (interleaved thinking, walkTurn in thinking.ts) streams at its place, as the upstream would. When the response has usage, one last
// chunk with `choices: []` and the usage follows (OpenAI's include_usage shape; the pipeline drops it
// when the client did not ask). Pieces split on code points, never inside a surrogate pair.

import { type ChatChunk, type ChatResponse, type ChunkDelta, type FinishReason, type ToolCall, canonicalText } from './canonical.ts';
import { type ThinkingBlock, walkTurn } from './thinking.ts';

export interface EmulateOptions {
  /** Code points per content / arguments piece (default 16). */
  pieceSize?: number;
  /** Emit the trailing usage chunk when the response has usage (default true). */
  includeUsage?: boolean;
}

/**
 * Most pieces one text becomes. A long answer to a stream request (5 MB of content from an upstream that cannot
 * stream) goes out in at most this many chunks instead of hundreds of thousands built at once, and is cut by
 * UTF-16 index (never inside a surrogate pair) without an array of its code points.
 */
export const MAX_PIECES = 1024;

export function splitPieces(text: string, size: number): string[] {
  if (text.length > size * MAX_PIECES) return splitLong(text, Math.ceil(text.length / MAX_PIECES));
  const points = Array.from(text);
  const out: string[] = [];
  for (let i = 0; i < points.length; i += size) out.push(points.slice(i, i + size).join(''));
  return out;
}

function splitLong(text: string, step: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < text.length;) {
    let end = Math.min(text.length, i + step);
    const last = text.charCodeAt(end - 1);
    if (end < text.length && last >= 0xd800 && last <= 0xdbff) end++; // keep the pair whole
    out.push(text.slice(i, end));
    i = end;
  }
  return out;
}

type Add = (delta: ChunkDelta) => void;

function textPieces(add: Add, text: string, size: number): void {
  for (const piece of splitPieces(text, size)) add({ content: piece });
}

/** Tool calls `from` to `to`: per call a header chunk, then its argument pieces. */
function toolPieces(add: Add, calls: readonly ToolCall[], from: number, to: number, size: number): void {
  for (let i = from; i < to; i++) {
    const call = calls[i];
    const head: NonNullable<ChunkDelta['tool_calls']>[number] = { index: i, id: call.id, type: 'function', function: { name: call.function.name, arguments: '' } };
    if (call.extra_content) head.extra_content = call.extra_content;
    add({ tool_calls: [head] });
    for (const piece of splitPieces(call.function.arguments ?? '', size)) add({ tool_calls: [{ index: i, function: { arguments: piece } }] });
  }
}

/** A signed block as an upstream streams it: its text as reasoning_content, then its signature (or the redacted block). */
function thinkingPieces(add: Add, block: ThinkingBlock, size: number): void {
  if (block.type === 'thinking') {
    for (const piece of splitPieces(block.thinking, size)) add({ reasoning_content: piece });
    add({ thinking_blocks: [{ type: 'thinking', thinking: '', signature: block.signature }] });
  } else add({ thinking_blocks: [{ type: 'redacted_thinking', data: block.data }] });
}

export function chunksFromChatResponse(res: ChatResponse, opts: EmulateOptions = {}): ChatChunk[] {
  const size = Math.max(1, Math.floor(opts.pieceSize ?? 16));
  const chunks: ChatChunk[] = [];
  const chunk = (index: number, delta: ChunkDelta, finish: FinishReason = null): ChatChunk => {
    const c: ChatChunk = { id: res.id, object: 'chat.completion.chunk', created: res.created, model: res.model, choices: [{ index, delta, finish_reason: finish }] };
    if (res.system_fingerprint !== undefined) c.system_fingerprint = res.system_fingerprint;
    return c;
  };

  for (const choice of res.choices) {
    const { index, message } = choice;
    chunks.push(chunk(index, { role: 'assistant', content: '' }));
    const text = canonicalText(message.content);
    const calls = message.tool_calls ?? [];
    const add = (delta: ChunkDelta) => { chunks.push(chunk(index, delta)); };
    if (message.thinking_blocks) {
      walkTurn(message.thinking_blocks, text.length, calls.length, {
        text: (from, to) => textPieces(add, text.slice(from, to), size),
        tools: (from, to) => toolPieces(add, calls, from, to, size),
        thinking: (block) => thinkingPieces(add, block, size),
      });
    } else {
      if (typeof message.reasoning_content === 'string') {
        for (const piece of splitPieces(message.reasoning_content, size)) add({ reasoning_content: piece });
      }
      textPieces(add, text, size);
      toolPieces(add, calls, 0, calls.length, size);
    }
    chunks.push(chunk(index, {}, choice.finish_reason ?? 'stop'));
  }

  if (res.usage && opts.includeUsage !== false) {
    const last: ChatChunk = { id: res.id, object: 'chat.completion.chunk', created: res.created, model: res.model, choices: [], usage: res.usage };
    if (res.system_fingerprint !== undefined) last.system_fingerprint = res.system_fingerprint;
    chunks.push(last);
  }
  return chunks;
}
