// Anthropic Messages SSE events → OpenAI chat.completion.chunk objects (one decoder per request).
//
// - message_start: remembers id/model/input usage and emits the role chunk ({role:'assistant', content:''}).
// - Tool calls are numbered among tool_use blocks only (a text block before them does not take an index).
//   The start chunk carries id, type, function.name and arguments ''; input_json_delta adds arguments. A
//   tool block that streamed no arguments gets its start input (normally `{}`) at content_block_stop, so a
//   streamed call always ends with the same JSON a non-stream reply would carry.
// - thinking_delta → delta.reasoning_content. A thinking block's signature (signature_delta, or one on its
//   content_block_start) is sent at its content_block_stop as delta.thinking_blocks
//   [{type:'thinking', thinking:'', signature}]; a redacted_thinking block as [{type:'redacted_thinking', data}]
//   (src/contracts/thinking.ts). Citations and server-tool blocks are dropped.
// - message_delta: emits the finish chunk (once) and updates usage; Anthropic's counts are cumulative, so
//   the last report wins. message_stop ends the stream (done) and emits the finish chunk if none was sent.
// - error events become StreamStep.error. Usage chunks are left to the pipeline.

import {
  errors,
  type AdapterRequest,
  type ChatChunk,
  type ChunkDelta,
  type FinishReason,
  type ProviderView,
  type StreamDecoder,
  type StreamStep,
} from '../../src/contracts/index.ts';
import { errorFromBody } from './errors.ts';
import { finishReason, nowSeconds } from './response.ts';
import { emptyCounters, mergeUsage, toUsage, type UsageCounters } from './usage.ts';
import type {
  AnthropicStopReason,
  AnthropicStreamEvent,
  ContentBlockDeltaEvent,
  ContentBlockStartEvent,
  MessageDeltaEvent,
  MessageStartEvent,
} from './wire-types.ts';

interface ToolBlock {
  toolIndex: number;
  argsSent: boolean;
  startInput: unknown;
}

class AnthropicStreamDecoder implements StreamDecoder {
  private id = '';
  private model: string;
  private readonly created = nowSeconds();
  private counters: UsageCounters = emptyCounters();
  private sawUsage = false;
  private roleSent = false;
  private finishSent = false;
  private stopReason: AnthropicStopReason | null = null;
  private nextToolIndex = 0;
  private readonly tools = new Map<number, ToolBlock>();
  /** Open thinking blocks (by block index) → the signature collected so far; made on the first one. */
  private signatures: Map<number, string> | undefined;

  constructor(request: AdapterRequest, private readonly provider: ProviderView) {
    this.model = request.upstreamModel;
  }

  push(event: { event?: string; data: string }): StreamStep {
    if (!event.data || !event.data.trim()) return this.step([]);
    let data: AnthropicStreamEvent;
    try {
      data = JSON.parse(event.data) as AnthropicStreamEvent;
    } catch {
      return { ...this.step([]), error: errors.upstreamInvalid(this.provider.name, `a stream event is not JSON (${event.event ?? 'unnamed event'})`) };
    }
    const type = (data && typeof data === 'object' && typeof data.type === 'string' ? data.type : event.event) ?? '';
    switch (type) {
      case 'message_start':
        return this.onMessageStart(data as MessageStartEvent);
      case 'content_block_start':
        return this.step(this.onBlockStart(data as ContentBlockStartEvent));
      case 'content_block_delta':
        return this.step(this.onBlockDelta(data as ContentBlockDeltaEvent));
      case 'content_block_stop':
        return this.step(this.onBlockStop((data as { index?: number }).index));
      case 'message_delta':
        return this.onMessageDelta(data as MessageDeltaEvent);
      case 'message_stop':
        return { ...this.step(this.finishChunk()), done: true };
      case 'error':
        return { ...this.step([]), error: errorFromBody(data as { error?: { type?: unknown; message?: unknown } }, this.provider) };
      default:
        // ping and event types added after this adapter was written
        return this.step([]);
    }
  }

  end(): StreamStep {
    return this.step([]);
  }

  private step(chunks: ChatChunk[]): StreamStep {
    return this.sawUsage ? { chunks, usage: toUsage(this.counters) } : { chunks };
  }

  private chunk(delta: ChunkDelta, finish: FinishReason = null): ChatChunk {
    const d: ChunkDelta = this.roleSent ? delta : { role: 'assistant', ...delta };
    this.roleSent = true;
    return {
      id: this.id,
      object: 'chat.completion.chunk',
      created: this.created,
      model: this.model,
      choices: [{ index: 0, delta: d, finish_reason: finish }],
    };
  }

  private onMessageStart(data: MessageStartEvent): StreamStep {
    const message = data.message;
    if (message && typeof message === 'object') {
      if (typeof message.id === 'string') this.id = message.id;
      if (typeof message.model === 'string' && message.model) this.model = message.model;
      if (message.usage) {
        this.counters = mergeUsage(this.counters, message.usage);
        this.sawUsage = true;
      }
    }
    return this.step(this.roleSent ? [] : [this.chunk({ role: 'assistant', content: '' })]);
  }

  private onBlockStart(data: ContentBlockStartEvent): ChatChunk[] {
    const block = data.content_block;
    if (!block || typeof data.index !== 'number') return [];
    if (block.type === 'text' && typeof block.text === 'string' && block.text) return [this.chunk({ content: block.text })];
    if (block.type === 'thinking') {
      const signature = (block as { signature?: unknown }).signature;
      (this.signatures ??= new Map()).set(data.index, typeof signature === 'string' ? signature : '');
      return typeof block.thinking === 'string' && block.thinking ? [this.chunk({ reasoning_content: block.thinking })] : [];
    }
    if (block.type === 'redacted_thinking' && typeof (block as { data?: unknown }).data === 'string') {
      return [this.chunk({ thinking_blocks: [{ type: 'redacted_thinking', data: (block as { data: string }).data }] })];
    }
    if (block.type === 'tool_use' && typeof block.id === 'string' && typeof block.name === 'string') {
      const toolIndex = this.nextToolIndex++;
      this.tools.set(data.index, { toolIndex, argsSent: false, startInput: block.input });
      return [this.chunk({ tool_calls: [{ index: toolIndex, id: block.id, type: 'function', function: { name: block.name, arguments: '' } }] })];
    }
    return [];
  }

  private onBlockDelta(data: ContentBlockDeltaEvent): ChatChunk[] {
    const delta = data.delta;
    if (!delta) return [];
    if (delta.type === 'text_delta' && typeof delta.text === 'string' && delta.text) return [this.chunk({ content: delta.text })];
    if (delta.type === 'thinking_delta' && typeof delta.thinking === 'string' && delta.thinking) {
      return [this.chunk({ reasoning_content: delta.thinking })];
    }
    if (delta.type === 'signature_delta' && typeof delta.signature === 'string') {
      const sig = this.signatures?.get(data.index);
      if (sig !== undefined) this.signatures!.set(data.index, sig + delta.signature);
      return [];
    }
    if (delta.type === 'input_json_delta' && typeof delta.partial_json === 'string' && delta.partial_json) {
      const tool = this.tools.get(data.index);
      if (!tool) return [];
      tool.argsSent = true;
      return [this.chunk({ tool_calls: [{ index: tool.toolIndex, function: { arguments: delta.partial_json } }] })];
    }
    return [];
  }

  private onBlockStop(index: number | undefined): ChatChunk[] {
    const signature = this.signatures && typeof index === 'number' ? this.signatures.get(index) : undefined;
    if (signature !== undefined) {
      this.signatures!.delete(index!);
      return signature ? [this.chunk({ thinking_blocks: [{ type: 'thinking', thinking: '', signature }] })] : [];
    }
    const tool = typeof index === 'number' ? this.tools.get(index) : undefined;
    if (!tool || tool.argsSent) return [];
    tool.argsSent = true;
    const input = tool.startInput && typeof tool.startInput === 'object' ? tool.startInput : {};
    return [this.chunk({ tool_calls: [{ index: tool.toolIndex, function: { arguments: JSON.stringify(input) } }] })];
  }

  private onMessageDelta(data: MessageDeltaEvent): StreamStep {
    if (data.usage) {
      this.counters = mergeUsage(this.counters, data.usage);
      this.sawUsage = true;
    }
    if (data.delta?.stop_reason) this.stopReason = data.delta.stop_reason;
    return this.step(this.stopReason ? this.finishChunk() : []);
  }

  private finishChunk(): ChatChunk[] {
    if (this.finishSent) return [];
    this.finishSent = true;
    return [this.chunk({}, finishReason(this.stopReason) ?? 'stop')];
  }
}

export function createStreamDecoder(request: AdapterRequest, provider: ProviderView): StreamDecoder {
  return new AnthropicStreamDecoder(request, provider);
}
