// Ollama /api/chat NDJSON stream decoder: every line is a ChatResponse. message.content → content
// deltas, message.thinking → reasoning_content, message.tool_calls (Ollama sends each call whole) →
// complete tool_call deltas numbered across the stream. The `done:true` line carries done_reason and
// the counts: it yields the finish chunk, the usage and `done`. An `{"error"}` line is a stream error.

import {
  type AdapterRequest, type ChatChunk, type ChunkDelta, type FinishReason, type ProviderView,
  type StreamDecoder, type StreamStep, type Usage, isGatewayError, errors,
} from '../../src/contracts/index.ts';
import { errorFromText } from './errors.ts';
import { createdOf, finishReason, newId, parseLine, toToolCall, usageFromOllama } from './response.ts';

class OllamaStreamDecoder implements StreamDecoder {
  private readonly id = newId();
  private created?: number;
  private model: string;
  private roleSent = false;
  private toolIndex = 0;
  private finished = false;
  private usage?: Usage;

  constructor(request: AdapterRequest, private readonly provider: ProviderView) {
    this.model = request.upstreamModel;
  }

  push(event: { event?: string; data: string }): StreamStep {
    let line;
    try {
      line = parseLine(event.data, this.provider);
    } catch (err) {
      return { chunks: [], error: isGatewayError(err) ? err : errors.upstreamInvalid(this.provider.name, 'unreadable stream line') };
    }
    if (typeof line.error === 'string') return { chunks: [], error: errorFromText(this.provider, 500, line.error) };
    this.created ??= createdOf(line.created_at);
    if (typeof line.model === 'string' && line.model) this.model = line.model;
    const chunks: ChatChunk[] = [];
    const delta: ChunkDelta = {};
    const message = line.message ?? {};
    if (typeof message.thinking === 'string' && message.thinking) delta.reasoning_content = message.thinking;
    if (typeof message.content === 'string' && message.content) delta.content = message.content;
    if (Array.isArray(message.tool_calls) && message.tool_calls.length) {
      delta.tool_calls = message.tool_calls.map((call) => {
        const index = this.toolIndex++;
        const full = toToolCall(call, `call_${this.id}_${index}`);
        return { index, id: full.id, type: 'function', function: full.function };
      });
    }
    if (Object.keys(delta).length) chunks.push(this.chunk(delta, null));
    if (line.done === true) {
      this.usage = usageFromOllama(line);
      if (!this.finished) {
        this.finished = true;
        chunks.push(this.chunk({}, finishReason(line.done_reason, this.toolIndex > 0)));
      }
      return { chunks, usage: this.usage, done: true };
    }
    return { chunks };
  }

  end(): StreamStep {
    return this.usage ? { chunks: [], usage: this.usage, done: this.finished } : { chunks: [] };
  }

  private chunk(delta: ChunkDelta, finish: FinishReason): ChatChunk {
    const d = this.roleSent ? delta : { role: 'assistant' as const, ...delta };
    this.roleSent = true;
    return {
      id: `chatcmpl-${this.id}`,
      object: 'chat.completion.chunk',
      created: this.created ?? Math.floor(Date.now() / 1000),
      model: this.model,
      choices: [{ index: 0, delta: d, finish_reason: finish }],
    };
  }
}

export function createStreamDecoder(request: AdapterRequest, provider: ProviderView): StreamDecoder {
  return new OllamaStreamDecoder(request, provider);
}
