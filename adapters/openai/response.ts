// Decodes OpenAI-format replies: JSON bodies with usage, error bodies, and SSE chat/completion chunks.

import {
  type AdapterRequest, type ChatChunk, type DecodedResponse, type GatewayError, type JsonValue, type OpenAIUsageWire,
  type ProviderView, type StreamDecoder, type StreamStep, type UpstreamReply, type Usage,
  WIRE_JSON, chunkShapeProblem, errorFromUpstreamStatus, errors, parseRetryAfter, upstreamMessage, usageFromWire,
} from '../../src/contracts/index.ts';

export function decodeOpenAIResponse(reply: UpstreamReply, _request: AdapterRequest, provider: ProviderView): DecodedResponse {
  let body: JsonValue;
  try {
    body = JSON.parse(reply.text) as JsonValue;
  } catch {
    throw errors.upstreamInvalid(provider.name, 'the body is not JSON');
  }
  if (body && typeof body === 'object' && !Array.isArray(body)) {
    const err = (body as { error?: unknown }).error;
    if (err && typeof err === 'object' && !('choices' in body)) throw decodeOpenAIError({ ...reply, status: reply.status >= 400 ? reply.status : 502 }, provider);
    const usage = usageFromWire((body as { usage?: OpenAIUsageWire }).usage);
    return { body, usage, verbatim: reply.text };
  }
  return { body };
}

export function decodeOpenAIError(reply: UpstreamReply, provider: ProviderView): GatewayError {
  return errorFromUpstreamStatus(provider.name, reply.status, upstreamMessage(reply.text), parseRetryAfter(reply.headers.get('retry-after')));
}

/** How OpenAI ends a stream chunk when include_usage is on and the chunk carries none. */
const USAGE_NULL_TAIL = ',"usage":null}';

/** Decodes `data:` events of an OpenAI stream; usage-only chunks become StreamStep.usage. */
export function createOpenAIStreamDecoder(provider: ProviderView): StreamDecoder {
  let finished = false;
  let usage: Usage | undefined;
  return {
    push(event): StreamStep {
      const data = event.data.trim();
      if (data === '[DONE]') return { chunks: [], done: true, usage };
      if (!data) return { chunks: [] };
      let chunk: ChatChunk & { error?: JsonValue };
      try {
        chunk = JSON.parse(data) as ChatChunk & { error?: JsonValue };
      } catch {
        return { chunks: [], error: errors.upstreamInvalid(provider.name, 'a stream event is not JSON') };
      }
      // A JSON value that is no object (null, a number, a string) carries nothing: skipped, as a comment is.
      if (typeof chunk !== 'object' || chunk === null || Array.isArray(chunk)) return { chunks: [], usage };
      if (chunk.error) return { chunks: [], error: errors.upstreamError(`Provider "${provider.name}" reported an error in the stream: ${upstreamMessage(data)}`, undefined, true) };
      if (chunk.usage) usage = usageFromWire(chunk.usage) ?? usage;
      const choices = Array.isArray(chunk.choices) ? chunk.choices : [];
      const problem = chunkShapeProblem(chunk as unknown as Record<string, unknown>);
      if (problem) return { chunks: [], usage, error: errors.upstreamInvalid(provider.name, `a stream chunk's ${problem}`) };
      for (const choice of choices) if (choice.finish_reason) finished = true;
      if (choices.length === 0) return { chunks: [], usage };
      // Unchanged and on one line, the encoder sends the upstream's own text (an SSE data line holds no newline).
      let wire: string | undefined = data.indexOf('\n') < 0 && data.indexOf('\r') < 0 ? data : undefined;
      // `usage: null` on every chunk is an artefact of the include_usage the gateway always adds: strip it too.
      // OpenAI writes it as the chunk's last member: then it is cut from the text as well (the only "usage" in it,
      // so the text says what the parsed chunk says); anywhere else the chunk is serialised again.
      if (chunk.usage !== undefined) {
        wire = chunk.usage === null && wire?.endsWith(USAGE_NULL_TAIL) && wire.indexOf('"usage"') === wire.length - USAGE_NULL_TAIL.length + 1
          ? `${wire.slice(0, -USAGE_NULL_TAIL.length)}}`
          : undefined;
        chunk = { ...chunk, usage: undefined };
      }
      if (wire !== undefined) chunk[WIRE_JSON] = wire;
      return { chunks: [chunk], usage };
    },
    end(): StreamStep {
      return { chunks: [], usage, done: finished };
    },
  };
}
