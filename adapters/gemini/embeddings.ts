// OpenAI embeddings ↔ Gemini models.batchEmbedContents. `input` (a string or an array of strings)
// becomes one EmbedContentRequest per text, in order; `dimensions` → outputDimensionality.
// The reply's embeddings[i].values become data[i].embedding; with encoding_format "base64" the
// vector is sent as base64 little-endian float32, as OpenAI does (the openai SDKs ask for base64 by
// default and decode it). Gemini does not report token usage for embeddings, so the body carries
// zeros and no Usage is returned: the pipeline estimates the tokens itself.

import {
  errors, float32Base64,
  type AdapterRequest, type DecodedResponse, type JsonObject, type JsonValue, type ProviderView, type UpstreamReply,
  type UpstreamRequest,
} from '../../src/contracts/index.ts';
import { bareModel, geminiHeaders, modelUrl } from './endpoint.ts';
import type { GeminiBatchEmbedContentsRequest, GeminiBatchEmbedContentsResponse } from './wire-types.ts';

function inputs(input: JsonValue | undefined): string[] {
  if (typeof input === 'string') return [input];
  if (Array.isArray(input) && input.length > 0 && input.every((item) => typeof item === 'string')) return input as string[];
  if (Array.isArray(input) && input.length > 0) {
    throw errors.invalidValue('input', 'Gemini embedding models take text: send input as a string or an array of strings (token arrays are not supported).');
  }
  throw errors.invalidValue('input', 'input must be a string or a non-empty array of strings.');
}

/** Adapter.buildRequest for the embeddings operation. */
export function buildEmbeddingsRequest(request: AdapterRequest, provider: ProviderView): UpstreamRequest {
  const texts = inputs(request.body.input);
  const model = `models/${bareModel(request.upstreamModel)}`;
  const dimensions = request.body.dimensions;
  const body: GeminiBatchEmbedContentsRequest = {
    requests: texts.map((text) => ({
      model,
      content: { parts: [{ text }] },
      ...(typeof dimensions === 'number' ? { outputDimensionality: dimensions } : {}),
    })),
  };
  return {
    url: modelUrl(provider, request.upstreamModel, 'batchEmbedContents'),
    method: 'POST',
    headers: geminiHeaders(provider),
    body: JSON.stringify(body),
  };
}


/** Adapter.decodeResponse for the embeddings operation. */
export function decodeEmbeddingsResponse(reply: UpstreamReply, request: AdapterRequest, provider: ProviderView): DecodedResponse {
  let wire: GeminiBatchEmbedContentsResponse;
  try {
    wire = JSON.parse(reply.text) as GeminiBatchEmbedContentsResponse;
  } catch {
    throw errors.upstreamInvalid(provider.name, 'the embeddings body is not JSON');
  }
  if (!wire || !Array.isArray(wire.embeddings)) throw errors.upstreamInvalid(provider.name, 'the embeddings body has no embeddings list');
  const base64 = request.body.encoding_format === 'base64';
  const data: JsonObject[] = wire.embeddings.map((embedding, index) => {
    const values = Array.isArray(embedding?.values) ? embedding.values : [];
    return { object: 'embedding', index, embedding: base64 ? float32Base64(values) : values };
  });
  return {
    body: {
      object: 'list',
      data,
      model: request.upstreamModel,
      usage: { prompt_tokens: 0, total_tokens: 0 },
    },
  };
}
