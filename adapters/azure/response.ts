// Azure OpenAI replies are OpenAI-format; this is a small OpenAI-format decoder (to be deduplicated
// with adapters/openai later). Azure specifics handled here:
//  - error bodies {error:{code,message,innererror}}; a prompt rejected by Azure's content filter
//    (HTTP 400, code content_filter) keeps the code `content_filter` so clients can tell it apart;
//    429s carry `retry-after-ms` as well as `retry-after`;
//  - streams open with an annotation-only frame (`choices: []`, prompt_filter_results) and may send
//    more such frames: they carry nothing a chat client can use and are dropped, as are usage-only
//    chunks (the usage goes to StreamStep.usage, last wins); a choice without `delta` gets `{}`;
//  - a filtered completion ends with finish_reason `content_filter`, which passes through as is.

import {
  GatewayError, chunkShapeProblem, errorFromUpstreamStatus, errors, parseRetryAfter, upstreamMessage, usageFromWire,
  type AdapterRequest, type ChatChunk, type DecodedResponse, type JsonObject, type JsonValue, type OpenAIUsageWire,
  type ProviderView, type StreamDecoder, type StreamStep, type UpstreamReply, type Usage,
} from '../../src/contracts/index.ts';

function scrub(text: string, provider: ProviderView): string {
  return provider.apiKey ? text.split(provider.apiKey).join('[redacted]') : text;
}

function errorCode(text: string): string | undefined {
  try {
    const code = (JSON.parse(text) as { error?: { code?: unknown } }).error?.code;
    return typeof code === 'string' ? code : undefined;
  } catch {
    return undefined;
  }
}

function retryAfterMs(headers: Headers): number | undefined {
  const ms = Number(headers.get('retry-after-ms'));
  if (headers.get('retry-after-ms') !== null && Number.isFinite(ms)) return Math.max(0, Math.round(ms));
  return parseRetryAfter(headers.get('retry-after'));
}

/** Adapter.decodeError. */
export function decodeAzureError(reply: UpstreamReply, provider: ProviderView): GatewayError {
  const message = scrub(upstreamMessage(reply.text) || `HTTP ${reply.status}`, provider);
  if (reply.status === 400 && errorCode(reply.text) === 'content_filter') {
    return new GatewayError({
      status: 400, type: 'invalid_request_error', code: 'content_filter', retryable: false, cause: 400,
      message: `Provider "${provider.name}" content filter rejected the request: ${message}`,
    });
  }
  return errorFromUpstreamStatus(provider.name, reply.status, message, retryAfterMs(reply.headers));
}

/** Adapter.decodeResponse: JSON bodies pass through; usage comes from `usage`. */
export function decodeAzureResponse(reply: UpstreamReply, request: AdapterRequest, provider: ProviderView): DecodedResponse {
  let body: JsonValue;
  try {
    body = JSON.parse(reply.text) as JsonValue;
  } catch {
    // Transcriptions with response_format text/srt/vtt answer in plain text.
    if (request.operation === 'audio.transcriptions' || request.operation === 'audio.translations') return { body: reply.text };
    throw errors.upstreamInvalid(provider.name, 'the body is not JSON');
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return { body };
  if (body.error && typeof body.error === 'object' && !('choices' in body) && !('data' in body)) {
    throw decodeAzureError({ ...reply, status: reply.status >= 400 ? reply.status : 502 }, provider);
  }
  const usage = usageFromWire(body.usage as unknown as OpenAIUsageWire | undefined);
  return usage ? { body, usage } : { body };
}

type WireChunk = ChatChunk & { error?: JsonValue };

/** Adapter.createStreamDecoder: OpenAI `data:` events, `[DONE]` ends the stream. */
export function createAzureStreamDecoder(provider: ProviderView): StreamDecoder {
  let finished = false;
  let usage: Usage | undefined;
  const step = (chunks: ChatChunk[]): StreamStep => (usage ? { chunks, usage } : { chunks });
  return {
    push(event): StreamStep {
      const data = event.data.trim();
      if (data === '[DONE]') return { ...step([]), done: true };
      if (data === '') return step([]);
      let chunk: WireChunk;
      try {
        chunk = JSON.parse(data) as WireChunk;
      } catch {
        return { ...step([]), error: errors.upstreamInvalid(provider.name, 'a stream event is not JSON') };
      }
      // As the OpenAI decoder: a JSON value that is no object carries nothing; a chunk of the wrong shape is unreadable.
      if (typeof chunk !== 'object' || chunk === null || Array.isArray(chunk)) return step([]);
      if (chunk.error) {
        return { ...step([]), error: errorFromUpstreamStatus(provider.name, 502, scrub(upstreamMessage(data), provider)) };
      }
      if (chunk.usage) usage = usageFromWire(chunk.usage) ?? usage;
      const problem = chunkShapeProblem(chunk as unknown as Record<string, unknown>);
      if (problem) return { ...step([]), error: errors.upstreamInvalid(provider.name, `a stream chunk's ${problem}`) };
      const choices = Array.isArray(chunk.choices) ? chunk.choices : [];
      if (choices.length === 0) return step([]);
      const out: ChatChunk = { ...chunk, choices: choices.map((c) => (c.delta ? c : { ...c, delta: {} })) };
      delete out.usage;
      delete (out as JsonObject & { error?: JsonValue }).error;
      if (choices.some((c) => c.finish_reason)) finished = true;
      return step([out]);
    },
    end(): StreamStep {
      return finished ? { ...step([]), done: true } : step([]);
    },
  };
}
