// Coze streamed chat (POST /v3/chat with stream: true): SSE events named by `event:`.
//   conversation.chat.created / in_progress   the chat's id (used for the chunk id), nothing to send
//   conversation.message.delta                type answer → content (and reasoning_content); other
//                                             types (function_call, tool_response, follow_up,
//                                             verbose) are the bot's workings and are not forwarded
//   conversation.message.completed            the whole message again: forwarded only for an answer
//                                             that never streamed deltas
//   conversation.chat.completed               usage, and the finish chunk
//   conversation.chat.failed / requires_action, error   a stream error
//   done                                      the proper end
// Several answer messages (a workflow with many message nodes) are joined by a blank line, exactly
// as the non-stream reply joins them, so both read the same.

import {
  type AdapterRequest, type ChatChunk, type ChunkDelta, type FinishReason, type ProviderView, type StreamDecoder,
  type StreamStep, type Usage, errors,
} from '../../src/contracts/index.ts';
import { cozeError } from './errors.ts';
import { chatEndError, toUsage, usageFromCoze } from './exchange.ts';
import type { CozeChat, CozeMessage } from './wire-types.ts';

class CozeStreamDecoder implements StreamDecoder {
  private id = `chatcmpl-coze-${crypto.randomUUID().replace(/-/g, '')}`;
  private readonly created = Math.floor(Date.now() / 1000);
  private roleSent = false;
  private finished = false;
  private usage: Usage | undefined;
  /** Answer message ids that streamed deltas (the completed event then repeats them). */
  private readonly streamed = new Set<string>();
  private currentAnswer: string | undefined;
  private answered = false;
  /** A new answer message began after text was sent: its first text gets the blank-line separator. */
  private separate = false;

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

  private answerText(message: CozeMessage, content: string): ChatChunk[] {
    const delta: ChunkDelta = {};
    if (message.id !== this.currentAnswer) {
      this.currentAnswer = message.id;
      this.separate = this.answered;
    }
    if (message.reasoning_content) delta.reasoning_content = message.reasoning_content;
    if (content) {
      delta.content = this.separate ? `\n\n${content}` : content;
      this.separate = false;
      this.answered = true;
    }
    return Object.keys(delta).length ? [this.chunk(delta)] : [];
  }

  push(event: { event?: string; data: string }): StreamStep {
    const name = event.event ?? '';
    if (name === 'done') return this.step([], { done: true });
    let data: unknown;
    try {
      data = JSON.parse(event.data);
    } catch {
      return this.step([], { error: errors.upstreamInvalid(this.provider.name, 'a stream event is not JSON') });
    }
    switch (name) {
      case 'conversation.chat.created':
      case 'conversation.chat.in_progress': {
        const chat = data as CozeChat;
        if (chat.id && !this.roleSent) this.id = `chatcmpl-coze-${chat.id}`;
        return this.step([]);
      }
      case 'conversation.message.delta': {
        const message = data as CozeMessage;
        if (message.role !== 'assistant' || message.type !== 'answer') return this.step([]);
        this.streamed.add(message.id);
        return this.step(this.answerText(message, message.content ?? ''));
      }
      case 'conversation.message.completed': {
        const message = data as CozeMessage;
        if (message.role !== 'assistant' || message.type !== 'answer' || this.streamed.has(message.id)) return this.step([]);
        return this.step(this.answerText(message, message.content ?? ''));
      }
      case 'conversation.chat.completed': {
        this.usage = toUsage(usageFromCoze((data as CozeChat).usage)) ?? this.usage;
        if (this.finished) return this.step([]);
        this.finished = true;
        return this.step([this.chunk({}, 'stop')]);
      }
      case 'conversation.chat.failed':
      case 'conversation.chat.requires_action':
        return this.step([], { error: chatEndError(data as CozeChat, this.provider) });
      case 'error': {
        const e = data as { code?: number; msg?: string };
        return this.step([], { error: cozeError(this.provider, typeof e.code === 'number' ? e.code : undefined, typeof e.msg === 'string' ? e.msg : 'stream error') });
      }
      default:
        return this.step([]); // conversation.audio.delta and future events
    }
  }

  end(): StreamStep {
    return this.step([], this.finished ? { done: true } : {});
  }
}

export function createCozeStreamDecoder(request: AdapterRequest, provider: ProviderView): StreamDecoder {
  return new CozeStreamDecoder(request, provider);
}
