// Canonical ChatChunk stream → Anthropic Messages SSE events. One encoder per response; it keeps the
// block bookkeeping so the client always sees a well-formed lifecycle:
//
//   message_start → (content_block_start → content_block_delta* → content_block_stop)* → message_delta → message_stop
//
// - message_start is emitted lazily on the first push (or by finish() if no chunk ever arrived), with
//   usage.input_tokens from the upstream's count when one arrived before (noteUsage(), which the relay calls
//   with each step's usage, or an early usage chunk), else the constructor's estimate (computed only then),
//   else 0.
// - reasoning_content opens a thinking block (thinking_delta), content a text block (text_delta), and each
//   new tool_call index a tool_use block (input {} at start, then input_json_delta with partial_json).
//   Only one block is open at a time: opening a block closes the open one. Block indices are sequential.
// - thinking_blocks (signed reasoning, src/contracts/thinking.ts): a signed thinking entry ends the thinking
//   block its reasoning_content opened (one is opened if none is, e.g. display "omitted") with a
//   signature_delta, then closes it, so the next thinking text starts a new block as upstream did; a
//   redacted entry is a redacted_thinking block of its own (start with its data, then stop).
// - A finish_reason closes the open block and records the stop_reason; message_delta (with the final
//   usage, cumulative) and message_stop are written by finish(), since usage usually arrives after it.
// - Every block started is stopped exactly once: finish() and fail() close whatever is still open.
// - OpenAI-style upstreams never interleave tool-call fragments; if one arrives for a tool block that was
//   already closed, it is still sent on that block's index (the SDK accumulates by index) rather than lost.
// - Only choice 0 is encoded. After finish()/fail() every call returns ''.

import { isGatewayError, usageFromWire } from '../../contracts/index.ts';
import type { ChatChunk, GatewayError, ThinkingBlock, Usage } from '../../contracts/index.ts';
import { anthropicErrorBody, anthropicErrorFromGateway } from './errors.ts';
import { anthropicMessageId, anthropicUsage, stopReasonFromFinish } from './from-canonical.ts';
import { encodeToolUseId } from './tool-ids.ts';
import type { AnthropicBlockDelta, AnthropicContentBlock, AnthropicMessageDeltaUsage, AnthropicStopReason, AnthropicStreamEvent } from './wire-types.ts';

export interface AnthropicStreamEncoderOptions {
  /** The model name the client asked for (echoed in message_start). */
  model: string;
  /** Message id; default derived from the first chunk id (`msg_` prefix) or random. */
  id?: string;
  /** Prompt token estimate for message_start (final usage goes in message_delta); a function is called only when needed. */
  inputTokens?: number | (() => number);
}

/** Any error the encoder can report: a GatewayError, or a bare status/type/message triple. */
export type StreamFailure = GatewayError | { status: number; type?: string; message: string };

type BlockKind = 'text' | 'thinking' | 'redacted_thinking' | 'tool_use';

/** Frames one event as SSE: `event: <type>\ndata: <json>\n\n`. */
export function encodeSseEvent(event: AnthropicStreamEvent): string {
  return `event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`;
}

export class AnthropicStreamEncoder {
  private readonly options: AnthropicStreamEncoderOptions;
  private started = false;
  private closed = false;
  private nextIndex = 0;
  private open: { index: number; kind: BlockKind; toolIndex?: number } | null = null;
  /** Canonical tool_call index → Anthropic block index. */
  private readonly toolBlocks = new Map<number, number>();
  private finishReason: ChatChunk['choices'][number]['finish_reason'] | undefined;
  private usage: Usage | undefined;

  constructor(options: AnthropicStreamEncoderOptions) {
    this.options = options;
  }

  /** Has the stream ended (finish or fail)? */
  get done(): boolean {
    return this.closed;
  }

  /** Feeds one canonical chunk; returns the SSE text to write (possibly ''). */
  push(chunk: ChatChunk): string {
    return this.pushEvents(chunk).map(encodeSseEvent).join('');
  }

  /** The usage the upstream reported so far (the latest wins; message_start shows it if it came first). */
  noteUsage(usage: Usage): void {
    if (!this.closed) this.usage = usage;
  }

  /** Ends the stream: closes open blocks, then message_delta (stop_reason, usage) and message_stop. */
  finish(usage?: Usage): string {
    return this.finishEvents(usage).map(encodeSseEvent).join('');
  }

  /** Ends the stream with an Anthropic `error` event (open blocks are closed first; no message_stop). */
  fail(error: StreamFailure): string {
    return this.failEvents(error).map(encodeSseEvent).join('');
  }

  /** A keep-alive `ping` event (valid at any point after message_start; '' once ended). */
  ping(): string {
    return this.closed ? '' : encodeSseEvent({ type: 'ping' });
  }

  /** Like push(), returning event objects instead of SSE text. */
  pushEvents(chunk: ChatChunk): AnthropicStreamEvent[] {
    if (this.closed) return [];
    const out: AnthropicStreamEvent[] = [];
    const wireUsage = usageFromWire(chunk.usage);
    if (wireUsage) this.usage = wireUsage;
    this.start(out, chunk.id);
    const choice = chunk.choices?.find((c) => c.index === 0) ?? chunk.choices?.[0];
    if (!choice) return out;
    const delta = choice.delta ?? {};
    if (typeof delta.reasoning_content === 'string' && delta.reasoning_content !== '') {
      this.ensureBlock(out, 'thinking');
      this.emitDelta(out, { type: 'thinking_delta', thinking: delta.reasoning_content });
    }
    if (delta.thinking_blocks) this.signedBlocks(out, delta.thinking_blocks);
    if (typeof delta.content === 'string' && delta.content !== '') {
      this.ensureBlock(out, 'text');
      this.emitDelta(out, { type: 'text_delta', text: delta.content });
    }
    for (const call of delta.tool_calls ?? []) {
      const toolIndex = typeof call.index === 'number' ? call.index : this.toolBlocks.size;
      let blockIndex = this.toolBlocks.get(toolIndex);
      if (blockIndex === undefined) {
        this.closeOpen(out);
        blockIndex = this.openBlock(out, 'tool_use', {
          type: 'tool_use',
          id: encodeToolUseId(call.id || `toolu_${crypto.randomUUID().replace(/-/g, '')}`, call.extra_content),
          name: call.function?.name ?? '',
          input: {},
        }, toolIndex);
        this.toolBlocks.set(toolIndex, blockIndex);
      }
      const args = call.function?.arguments;
      if (typeof args === 'string' && args !== '') {
        out.push({ type: 'content_block_delta', index: blockIndex, delta: { type: 'input_json_delta', partial_json: args } });
      }
    }
    if (choice.finish_reason) {
      this.finishReason = choice.finish_reason;
      this.closeOpen(out);
    }
    return out;
  }

  /** Like finish(), returning event objects. */
  finishEvents(usage?: Usage): AnthropicStreamEvent[] {
    if (this.closed) return [];
    const out: AnthropicStreamEvent[] = [];
    if (usage) this.usage = usage;
    this.start(out);
    this.closeOpen(out);
    this.closed = true;
    out.push({
      type: 'message_delta',
      delta: { stop_reason: this.stopReason(), stop_sequence: null },
      usage: this.deltaUsage(),
    });
    out.push({ type: 'message_stop' });
    return out;
  }

  /** Like fail(), returning event objects. */
  failEvents(error: StreamFailure): AnthropicStreamEvent[] {
    if (this.closed) return [];
    const out: AnthropicStreamEvent[] = [];
    this.closeOpen(out);
    this.closed = true;
    const body = isGatewayError(error)
      ? anthropicErrorFromGateway(error)
      : anthropicErrorBody(error.status, error.type, error.message);
    out.push({ type: 'error', error: body.error });
    return out;
  }

  private stopReason(): AnthropicStopReason {
    return stopReasonFromFinish(this.finishReason ?? undefined, this.toolBlocks.size > 0);
  }

  private deltaUsage(): AnthropicMessageDeltaUsage {
    if (!this.usage) return { output_tokens: 0 };
    const u = anthropicUsage(this.usage);
    const out: AnthropicMessageDeltaUsage = { input_tokens: u.input_tokens, output_tokens: u.output_tokens, cache_read_input_tokens: u.cache_read_input_tokens };
    if (u.cache_creation_input_tokens) out.cache_creation_input_tokens = u.cache_creation_input_tokens;
    return out;
  }

  private start(out: AnthropicStreamEvent[], chunkId?: string): void {
    if (this.started) return;
    this.started = true;
    const early = this.usage ? anthropicUsage(this.usage) : undefined;
    const estimate = early?.input_tokens ? 0 : typeof this.options.inputTokens === 'function' ? this.options.inputTokens() : this.options.inputTokens;
    out.push({
      type: 'message_start',
      message: {
        id: this.options.id ?? anthropicMessageId(chunkId),
        type: 'message',
        role: 'assistant',
        model: this.options.model,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        // The upstream's own count when it sent one before the first content (Anthropic's message_start does),
        // else the gateway's estimate: clients that read usage here (not from message_delta) keep real numbers.
        usage: {
          input_tokens: early?.input_tokens || estimate || 0,
          output_tokens: 0,
          cache_read_input_tokens: early?.cache_read_input_tokens ?? 0,
          ...(early?.cache_creation_input_tokens ? { cache_creation_input_tokens: early.cache_creation_input_tokens } : {}),
        },
      },
    });
  }

  /** Signed reasoning: a signature ends its thinking block; a redacted block stands alone (see the header). */
  private signedBlocks(out: AnthropicStreamEvent[], blocks: readonly ThinkingBlock[]): void {
    for (const block of blocks) {
      if (block.type === 'thinking') {
        this.ensureBlock(out, 'thinking');
        if (block.thinking) this.emitDelta(out, { type: 'thinking_delta', thinking: block.thinking });
        this.emitDelta(out, { type: 'signature_delta', signature: block.signature });
      } else if (block.type === 'redacted_thinking') {
        this.closeOpen(out);
        this.openBlock(out, 'redacted_thinking', { type: 'redacted_thinking', data: block.data });
      } else {
        continue;
      }
      this.closeOpen(out);
    }
  }

  /** Makes sure a text/thinking block is the open one (closing any other kind first). */
  private ensureBlock(out: AnthropicStreamEvent[], kind: 'text' | 'thinking'): void {
    if (this.open?.kind === kind) return;
    this.closeOpen(out);
    const block: AnthropicContentBlock = kind === 'text' ? { type: 'text', text: '' } : { type: 'thinking', thinking: '', signature: '' };
    this.openBlock(out, kind, block);
  }

  private openBlock(out: AnthropicStreamEvent[], kind: BlockKind, block: AnthropicContentBlock, toolIndex?: number): number {
    const index = this.nextIndex++;
    this.open = { index, kind, toolIndex };
    out.push({ type: 'content_block_start', index, content_block: block });
    return index;
  }

  private emitDelta(out: AnthropicStreamEvent[], delta: AnthropicBlockDelta): void {
    if (this.open) out.push({ type: 'content_block_delta', index: this.open.index, delta });
  }

  private closeOpen(out: AnthropicStreamEvent[]): void {
    if (!this.open) return;
    out.push({ type: 'content_block_stop', index: this.open.index });
    this.open = null;
  }
}
