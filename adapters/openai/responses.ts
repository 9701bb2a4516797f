// The `responses` operation for upstreams that serve the OpenAI Responses API natively (OpenAI itself,
// Azure's v1 API). The body goes upstream as is; replies are decoded here:
// - JSON: the Response object (the inbound surface reshapes it), usage from input/output_tokens;
//   a 2xx body with status "failed" is an upstream error.
// - Stream: every upstream event becomes one canonical chunk that carries the event itself
//   (`response_event`, forwarded by the Responses surface) plus its text, reasoning and tool-call
//   deltas in canonical form (for plugins, token estimates and the first-byte failover rule).
//   response.completed / response.incomplete end the stream with a finish reason and usage;
//   response.failed and error events become a stream error.

import {
  type ChatChunk, type DecodedResponse, type FinishReason, type GatewayError, type JsonObject, type JsonValue, type ProviderView,
  type StreamDecoder, type StreamStep, type UpstreamReply, type Usage, errors, upstreamMessage, usageFromResponsesWire,
} from '../../src/contracts/index.ts';

/** The `responses_api` provider option of the OpenAI and Azure adapters (their providerOptionsSchema). */
export const RESPONSES_API_OPTION = {
  description: 'Does this provider serve the OpenAI Responses API (`/responses`)? true: /v1/responses requests go upstream as Responses (reasoning items and built-in tools survive); false: they are translated to chat completions. Default: true for OpenAI\'s own host (no base_url or api.openai.com) and Azure\'s v1 API (base_url ending in /openai/v1), false otherwise.',
  type: 'boolean',
} as const;

/** Does this provider serve the Responses API? `responses_api` decides; absent = only OpenAI's own host. */
export function servesResponses(provider: ProviderView, defaultOn: boolean): boolean {
  const flag = provider.options.responses_api;
  return typeof flag === 'boolean' ? flag : defaultOn;
}

/** OpenAI's own API (no base_url, or api.openai.com). */
export function isOpenAIHost(baseUrl: string): boolean {
  if (!baseUrl) return true;
  try {
    return new URL(baseUrl).hostname === 'api.openai.com';
  } catch {
    return false;
  }
}

export function decodeResponsesReply(reply: UpstreamReply, provider: ProviderView, onError: (reply: UpstreamReply) => GatewayError): DecodedResponse {
  let body: JsonValue;
  try {
    body = JSON.parse(reply.text) as JsonValue;
  } catch {
    throw errors.upstreamInvalid(provider.name, 'the body is not JSON');
  }
  if (!body || typeof body !== 'object' || Array.isArray(body) || body.object !== 'response') {
    if (body && typeof body === 'object' && !Array.isArray(body) && body.error) throw onError({ ...reply, status: reply.status >= 400 ? reply.status : 502 });
    throw errors.upstreamInvalid(provider.name, 'the body is not a Response object');
  }
  if (body.status === 'failed') {
    const message = (body.error as { message?: string } | null)?.message ?? 'the response failed';
    throw errors.upstreamError(`Provider "${provider.name}" reported: ${message}`, undefined, true);
  }
  return { body, usage: usageFromResponsesWire(body.usage) };
}

export function createResponsesStreamDecoder(provider: ProviderView): StreamDecoder {
  const calls = new Map<string, number>();
  let usage: Usage | undefined;
  let created = Math.floor(Date.now() / 1000);
  const chunk = (event: JsonObject, delta: ChatChunk['choices'][number]['delta'], finish: FinishReason = null): ChatChunk => ({
    id: 'resp', object: 'chat.completion.chunk', created, model: '', choices: [{ index: 0, delta, finish_reason: finish }], response_event: event,
  });
  return {
    push(sse): StreamStep {
      const data = sse.data.trim();
      if (!data || data === '[DONE]') return { chunks: [] };
      let event: JsonObject;
      try {
        event = JSON.parse(data) as JsonObject;
      } catch {
        return { chunks: [], error: errors.upstreamInvalid(provider.name, 'a stream event is not JSON') };
      }
      const type = String(event.type ?? sse.event ?? '');
      const response = (event.response ?? {}) as JsonObject;
      switch (type) {
        case 'error':
        case 'response.failed': {
          const message = type === 'error' ? String(event.message ?? 'error') : String((response.error as { message?: string } | null)?.message ?? 'the response failed');
          return { chunks: [], usage, error: errors.upstreamError(`Provider "${provider.name}" reported an error in the stream: ${upstreamMessage(JSON.stringify({ error: { message } }))}`, undefined, true) };
        }
        case 'response.created':
          if (typeof response.created_at === 'number') created = response.created_at;
          return { chunks: [chunk(event, {})] };
        case 'response.output_text.delta':
          return { chunks: [chunk(event, { content: String(event.delta ?? '') })] };
        case 'response.reasoning_summary_text.delta':
        case 'response.reasoning_text.delta':
          return { chunks: [chunk(event, { reasoning_content: String(event.delta ?? '') })] };
        case 'response.output_item.added': {
          const item = (event.item ?? {}) as JsonObject;
          if (item.type !== 'function_call') return { chunks: [chunk(event, {})] };
          const index = calls.size;
          calls.set(String(item.id ?? index), index);
          return { chunks: [chunk(event, { tool_calls: [{ index, id: String(item.call_id ?? ''), type: 'function', function: { name: String(item.name ?? ''), arguments: '' } }] })] };
        }
        case 'response.function_call_arguments.delta': {
          const index = calls.get(String(event.item_id ?? '')) ?? 0;
          return { chunks: [chunk(event, { tool_calls: [{ index, function: { arguments: String(event.delta ?? '') } }] })] };
        }
        case 'response.completed':
        case 'response.incomplete': {
          usage = usageFromResponsesWire(response.usage) ?? usage;
          const finish: FinishReason = type === 'response.incomplete' ? 'length' : calls.size ? 'tool_calls' : 'stop';
          return { chunks: [chunk(event, {}, finish)], usage, done: true };
        }
        default:
          return { chunks: [chunk(event, {})] };
      }
    },
    end: () => ({ chunks: [], usage }),
  };
}
