// Cohere v2 chat stream → chat.completion.chunk. Events (each `data:` carries its `type`):
//   message-start                 the id; nothing sent
//   content-delta                 text → content, thinking → reasoning_content
//   tool-plan-delta               the plan written before tool calls → reasoning_content
//   tool-call-start / -delta      a tool call's id + name, then argument pieces (Cohere's `index` is the
//                                 tool call's index, which OpenAI's tool_calls[].index also is)
//   message-end                   finish_reason and usage (billed_units); the stream's proper end
//   content-start/-end, tool-call-end, citation-*   nothing to send
// Usage is reported in StreamStep.usage only; the gateway builds the usage chunk for clients that ask.

import {
  type AdapterRequest, type ChatChunk, type ChunkDelta, type FinishReason, type ProviderView, type StreamDecoder,
  type StreamStep, type Usage, errors,
} from '../../src/contracts/index.ts';
import { finishReason, usageFromCohere } from './response.ts';
import type { CohereStreamEvent } from './wire-types.ts';

class CohereStreamDecoder implements StreamDecoder {
  private id = 'chatcmpl-cohere';
  private readonly created = Math.floor(Date.now() / 1000);
  private roleSent = false;
  private sawTools = false;
  private finished = false;
  private usage: Usage | undefined;

  constructor(private readonly request: AdapterRequest, private readonly provider: ProviderView) {}

  private chunk(delta: ChunkDelta, finish: FinishReason = null): ChatChunk {
    if (!this.roleSent) {
      delta = { role: 'assistant', ...delta };
      this.roleSent = true;
    }
    return { id: this.id, object: 'chat.completion.chunk', created: this.created, model: this.request.upstreamModel, choices: [{ index: 0, delta, finish_reason: finish }] };
  }

  private step(chunks: ChatChunk[], extra: Partial<StreamStep> = {}): StreamStep {
    return this.usage ? { chunks, usage: this.usage, ...extra } : { chunks, ...extra };
  }

  push(event: { event?: string; data: string }): StreamStep {
    const data = event.data.trim();
    if (!data || data === '[DONE]') return this.step([]);
    let e: CohereStreamEvent;
    try {
      e = JSON.parse(data) as CohereStreamEvent;
    } catch {
      return this.step([], { error: errors.upstreamInvalid(this.provider.name, 'a stream event is not JSON') });
    }
    const message = e.delta?.message;
    switch (e.type ?? event.event) {
      case 'message-start':
        if (e.id && !this.roleSent) this.id = `chatcmpl-${e.id}`;
        return this.step([]);
      case 'content-delta': {
        const delta: ChunkDelta = {};
        if (message?.content?.thinking) delta.reasoning_content = message.content.thinking;
        if (message?.content?.text) delta.content = message.content.text;
        return this.step(Object.keys(delta).length ? [this.chunk(delta)] : []);
      }
      case 'tool-plan-delta':
        return this.step(message?.tool_plan ? [this.chunk({ reasoning_content: message.tool_plan })] : []);
      case 'tool-call-start': {
        const call = message?.tool_calls;
        if (!call) return this.step([]);
        this.sawTools = true;
        return this.step([this.chunk({ tool_calls: [{ index: e.index ?? 0, id: call.id, type: 'function', function: { name: call.function?.name ?? '', arguments: call.function?.arguments ?? '' } }] })]);
      }
      case 'tool-call-delta': {
        const args = message?.tool_calls?.function?.arguments;
        return this.step(args ? [this.chunk({ tool_calls: [{ index: e.index ?? 0, function: { arguments: args } }] })] : []);
      }
      case 'message-end': {
        this.usage = usageFromCohere(e.delta?.usage) ?? this.usage;
        const reason = e.delta?.finish_reason;
        if (reason === 'ERROR' || reason === 'TIMEOUT') {
          return this.step([], { error: errors.upstreamError(`Provider "${this.provider.name}" ended the generation with ${reason}${e.delta?.error ? `: ${e.delta.error}` : ''}.`, undefined, true) });
        }
        if (this.finished) return this.step([], { done: true });
        this.finished = true;
        return this.step([this.chunk({}, finishReason(reason, this.sawTools))], { done: true });
      }
      default:
        return this.step([]);
    }
  }

  end(): StreamStep {
    return this.step([], this.finished ? { done: true } : {});
  }
}

export function createCohereStreamDecoder(request: AdapterRequest, provider: ProviderView): StreamDecoder {
  return new CohereStreamDecoder(request, provider);
}
