// ConverseStream decoder: one event per AWS event-stream message, named by its :event-type.
// messageStart → role chunk; contentBlockStart with toolUse → a tool_call start (id, name, arguments
// ''), numbered among tool blocks only; contentBlockDelta text → content, toolUse.input → arguments,
// reasoningContent.text → reasoning_content; messageStop → the finish chunk; metadata → usage (the
// stream's last message, so it also marks the proper end). Exception messages → a stream error.

import {
  errors,
  type AdapterRequest, type ChatChunk, type ChunkDelta, type FinishReason, type ProviderView,
  type StreamDecoder, type StreamStep, type Usage,
} from '../../src/contracts/index.ts';
import { STREAM_EXCEPTION_STATUS, streamException } from './errors.ts';
import { chatId, finishReason, usageFromBedrock } from './response.ts';
import type { ContentBlockDeltaEvent, ContentBlockStartEvent, MessageStopEvent, MetadataEvent } from './wire-types.ts';

class ConverseStreamDecoder implements StreamDecoder {
  private readonly id = chatId();
  private readonly created = Math.floor(Date.now() / 1000);
  private readonly model: string;
  private roleSent = false;
  private finished = false;
  private sawMetadata = false;
  private usage?: Usage;
  private nextTool = 0;
  private readonly tools = new Map<number, number>();

  constructor(request: AdapterRequest, private readonly provider: ProviderView) {
    this.model = request.upstreamModel;
  }

  push(event: { event?: string; data: string }): StreamStep {
    const type = event.event ?? '';
    if (type in STREAM_EXCEPTION_STATUS || /Exception$/.test(type)) return { ...this.step([]), error: streamException(this.provider, type, event.data) };
    let data: Record<string, unknown>;
    try {
      data = JSON.parse(event.data || '{}') as Record<string, unknown>;
    } catch {
      return { ...this.step([]), error: errors.upstreamInvalid(this.provider.name, `a ${type || 'stream'} event is not JSON`) };
    }
    switch (type) {
      case 'messageStart':
        return this.step(this.roleSent ? [] : [this.chunk({ content: '' }, null)]);
      case 'contentBlockStart': {
        const start = data as unknown as ContentBlockStartEvent;
        const tool = start.start?.toolUse;
        if (!tool) return this.step([]);
        const index = this.nextTool++;
        this.tools.set(start.contentBlockIndex, index);
        return this.step([this.chunk({ tool_calls: [{ index, id: tool.toolUseId, type: 'function', function: { name: tool.name, arguments: '' } }] }, null)]);
      }
      case 'contentBlockDelta':
        return this.step(this.onDelta(data as unknown as ContentBlockDeltaEvent));
      case 'messageStop': {
        if (this.finished) return this.step([]);
        this.finished = true;
        return this.step([this.chunk({}, finishReason((data as MessageStopEvent).stopReason))]);
      }
      case 'metadata':
        this.usage = usageFromBedrock((data as MetadataEvent).usage) ?? this.usage;
        this.sawMetadata = true;
        return { ...this.step([]), done: this.finished };
      default:
        return this.step([]); // contentBlockStop and event types added later
    }
  }

  end(): StreamStep {
    return { ...this.step([]), done: this.finished && this.sawMetadata };
  }

  private onDelta(event: ContentBlockDeltaEvent): ChatChunk[] {
    const delta = event.delta ?? {};
    if (typeof delta.text === 'string' && delta.text) return [this.chunk({ content: delta.text }, null)];
    if (typeof delta.reasoningContent?.text === 'string' && delta.reasoningContent.text) return [this.chunk({ reasoning_content: delta.reasoningContent.text }, null)];
    if (typeof delta.toolUse?.input === 'string' && delta.toolUse.input) {
      const index = this.tools.get(event.contentBlockIndex);
      if (index === undefined) return [];
      return [this.chunk({ tool_calls: [{ index, function: { arguments: delta.toolUse.input } }] }, null)];
    }
    return [];
  }

  private step(chunks: ChatChunk[]): StreamStep {
    return this.usage ? { chunks, usage: this.usage } : { chunks };
  }

  private chunk(delta: ChunkDelta, finish: FinishReason): ChatChunk {
    const d = this.roleSent ? delta : { role: 'assistant' as const, ...delta };
    this.roleSent = true;
    return { id: this.id, object: 'chat.completion.chunk', created: this.created, model: this.model, choices: [{ index: 0, delta: d, finish_reason: finish }] };
  }
}

export function createStreamDecoder(request: AdapterRequest, provider: ProviderView): StreamDecoder {
  return new ConverseStreamDecoder(request, provider);
}
