// streamGenerateContent?alt=sse decoder: every SSE `data:` is a whole GenerateContentResponse.
// Each event becomes at most one content chunk (role 'assistant' on the first chunk only; text,
// thought text as reasoning_content, and function calls as complete tool_call deltas whose
// `index` counts tool calls only) plus a separate finish chunk once a finishReason arrives.
// Usage is the last usageMetadata seen (cumulative upstream, so last wins, never summed) and is
// reported in StreamStep.usage only, never as a chunk: like the openai adapter, the gateway builds
// the usage chunk for clients that asked for one. Gemini sends no [DONE]: end() reports done only
// if a finishReason (or a prompt block) was seen.

import {
  encodeToolCallId, errors, isGatewayError,
  type AdapterRequest, type ChatChunk, type ChunkDelta, type FinishReason, type ProviderView,
  type StreamDecoder, type StreamStep, type Usage,
} from '../../src/contracts/index.ts';
import { decodeParts, mapFinishReason, parseGeminiBody, toolCallPrefix, usageFromGemini } from './response.ts';

class GeminiStreamDecoder implements StreamDecoder {
  private id: string | undefined;
  private model: string;
  private readonly created = Math.floor(Date.now() / 1000);
  private roleSent = false;
  private toolIndex = 0;
  private idPrefix: string | undefined;
  private finished = false;
  private usage: Usage | undefined;

  constructor(request: AdapterRequest, private readonly provider: ProviderView) {
    this.model = request.upstreamModel;
  }

  private chunk(delta: ChunkDelta, finish: FinishReason): ChatChunk {
    if (!this.roleSent) {
      delta = { role: 'assistant', ...delta };
      this.roleSent = true;
    }
    return {
      id: this.id ?? 'chatcmpl-gemini',
      object: 'chat.completion.chunk',
      created: this.created,
      model: this.model,
      choices: [{ index: 0, delta, finish_reason: finish }],
    };
  }

  private step(chunks: ChatChunk[]): StreamStep {
    return this.usage ? { chunks, usage: this.usage } : { chunks };
  }

  push(event: { event?: string; data: string }): StreamStep {
    const data = event.data.trim();
    if (data === '' || data === '[DONE]') return this.step([]);
    let wire;
    try {
      wire = parseGeminiBody(data, 200, this.provider);
    } catch (error) {
      return { ...this.step([]), error: isGatewayError(error) ? error : errors.upstreamInvalid(this.provider.name, 'unreadable stream event') };
    }
    if (!this.id) this.id = `chatcmpl-${wire.responseId || crypto.randomUUID().replace(/-/g, '')}`;
    if (wire.modelVersion) this.model = wire.modelVersion;
    const usage = usageFromGemini(wire.usageMetadata);
    if (usage) this.usage = usage;

    const chunks: ChatChunk[] = [];
    const candidate = wire.candidates?.[0];
    if (!candidate) {
      if (wire.promptFeedback?.blockReason && !this.finished) {
        this.finished = true;
        chunks.push(this.chunk({ content: '' }, 'content_filter'));
      }
      return this.step(chunks);
    }

    // Ids are assigned below from the stream-wide tool index, not per event.
    const parts = decodeParts(candidate.content?.parts, () => '');
    const delta: ChunkDelta = {};
    if (parts.reasoning) delta.reasoning_content = parts.reasoning;
    if (parts.text) delta.content = parts.text;
    if (parts.toolCalls.length > 0) {
      delta.tool_calls = parts.toolCalls.map((call) => {
        const index = this.toolIndex++;
        const out: NonNullable<ChunkDelta['tool_calls']>[number] = {
          index,
          id: encodeToolCallId(`${(this.idPrefix ??= toolCallPrefix(wire.responseId))}${index}`, call.extra_content),
          type: 'function',
          function: { name: call.function.name, arguments: call.function.arguments },
        };
        if (call.extra_content) out.extra_content = call.extra_content;
        return out;
      });
    }
    if (Object.keys(delta).length > 0) chunks.push(this.chunk(delta, null));

    const reason = mapFinishReason(candidate.finishReason, this.toolIndex > 0);
    if (reason && !this.finished) {
      this.finished = true;
      chunks.push(this.chunk({}, reason));
    }
    return this.step(chunks);
  }

  end(): StreamStep {
    return this.finished ? { ...this.step([]), done: true } : this.step([]);
  }
}

/** Adapter.createStreamDecoder for the chat operation. */
export function createGeminiStreamDecoder(request: AdapterRequest, provider: ProviderView): StreamDecoder {
  return new GeminiStreamDecoder(request, provider);
}
