// OpenAI embeddings ↔ Ollama POST /api/embed: `input` (a string or strings) is sent as is with
// `dimensions`; embeddings[i] become data[i] (base64 little-endian float32 when the client asked for
// encoding_format "base64", as the openai SDKs do by default). prompt_eval_count is the prompt usage.

import {
  errors, float32Base64, usageToWire,
  type AdapterRequest, type DecodedResponse, type JsonValue, type ProviderView, type UpstreamReply, type UpstreamRequest,
} from '../../src/contracts/index.ts';
import { apiUrl, keepAlive, ollamaHeaders } from './endpoint.ts';
import { errorFromText } from './errors.ts';
import type { OllamaEmbedRequest, OllamaEmbedResponse } from './wire-types.ts';

export function buildEmbedRequest(request: AdapterRequest, provider: ProviderView): UpstreamRequest {
  const input = request.body.input;
  const texts = typeof input === 'string' ? input : Array.isArray(input) && input.length > 0 && input.every((t) => typeof t === 'string') ? (input as string[]) : undefined;
  if (texts === undefined) throw errors.invalidValue('input', 'Ollama embedding models take text: send input as a string or a non-empty array of strings.');
  const body: OllamaEmbedRequest = { model: request.upstreamModel, input: texts };
  if (typeof request.body.dimensions === 'number') body.dimensions = request.body.dimensions;
  const alive = keepAlive(provider);
  if (alive !== undefined) body.keep_alive = alive;
  return { url: apiUrl(provider, 'embed'), method: 'POST', headers: ollamaHeaders(provider), body: JSON.stringify(body) };
}

export function decodeEmbedResponse(reply: UpstreamReply, request: AdapterRequest, provider: ProviderView): DecodedResponse {
  let wire: OllamaEmbedResponse;
  try {
    wire = JSON.parse(reply.text) as OllamaEmbedResponse;
  } catch {
    throw errors.upstreamInvalid(provider.name, 'the embeddings body is not JSON');
  }
  if (typeof wire?.error === 'string') throw errorFromText(provider, 500, wire.error);
  if (!Array.isArray(wire?.embeddings)) throw errors.upstreamInvalid(provider.name, 'the embeddings body has no embeddings list');
  const base64 = request.body.encoding_format === 'base64';
  const data = wire.embeddings.map((values, index) => ({ object: 'embedding', index, embedding: base64 ? float32Base64(values) : values }));
  const prompt = typeof wire.prompt_eval_count === 'number' ? wire.prompt_eval_count : 0;
  const usage = { prompt_tokens: prompt, completion_tokens: 0, total_tokens: prompt };
  const wireUsage = usageToWire(usage);
  return {
    body: { object: 'list', data, model: wire.model || request.upstreamModel, usage: { prompt_tokens: wireUsage.prompt_tokens, total_tokens: wireUsage.total_tokens } } as unknown as JsonValue,
    usage,
  };
}
