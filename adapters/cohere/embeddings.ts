// OpenAI embeddings → Cohere v2 /embed. Cohere needs an input_type for its v3+ embedding models: the
// request's own `input_type` (a Cohere extension field), else providers.X.input_type, else
// search_document. `dimensions` → output_dimension; base64 encoding is done here from the floats.
// Usage: meta.billed_units.input_tokens.

import {
  type AdapterRequest, type DecodedResponse, type JsonValue, type ProviderView, type UpstreamReply, type UpstreamRequest, type Usage,
  errors, float32Base64,
} from '../../src/contracts/index.ts';
import { cohereHeaders, cohereUrl } from './endpoint.ts';
import type { CohereEmbedRequest, CohereEmbedResponse } from './wire-types.ts';

const INPUT_TYPES = ['search_document', 'search_query', 'classification', 'clustering'] as const;
type InputType = CohereEmbedRequest['input_type'];

export function buildCohereEmbed(request: AdapterRequest, provider: ProviderView): UpstreamRequest {
  const input = request.body.input;
  const texts = typeof input === 'string' ? [input] : Array.isArray(input) && input.every((t) => typeof t === 'string') ? (input as string[]) : undefined;
  if (!texts?.length) throw errors.invalidValue('input', 'Cohere embeds text only: send "input" as a string or an array of strings (token arrays are not supported).');
  const asked = request.body.input_type ?? provider.options.input_type ?? 'search_document';
  if (typeof asked !== 'string' || !(INPUT_TYPES as readonly string[]).includes(asked)) {
    throw errors.invalidValue('input_type', `input_type must be one of ${INPUT_TYPES.join(', ')}.`);
  }
  const wire: CohereEmbedRequest = { model: request.upstreamModel, texts, input_type: asked as InputType, embedding_types: ['float'] };
  if (typeof request.body.dimensions === 'number') wire.output_dimension = request.body.dimensions;
  return { url: cohereUrl(provider, '/v2/embed'), method: 'POST', headers: cohereHeaders(provider), body: JSON.stringify(wire) };
}

export function decodeCohereEmbed(reply: UpstreamReply, request: AdapterRequest, provider: ProviderView): DecodedResponse {
  let wire: CohereEmbedResponse;
  try {
    wire = JSON.parse(reply.text) as CohereEmbedResponse;
  } catch {
    throw errors.upstreamInvalid(provider.name, 'the body is not JSON');
  }
  const vectors = wire?.embeddings?.float;
  if (!Array.isArray(vectors)) throw errors.upstreamInvalid(provider.name, 'the reply has no float embeddings');
  const base64 = request.body.encoding_format === 'base64';
  const prompt = wire.meta?.billed_units?.input_tokens;
  const usage: Usage | undefined = typeof prompt === 'number' ? { prompt_tokens: prompt, completion_tokens: 0, total_tokens: prompt } : undefined;
  const body = {
    object: 'list',
    data: vectors.map((v, index) => ({ object: 'embedding', index, embedding: base64 ? float32Base64(v) : v })),
    model: request.upstreamModel,
    usage: { prompt_tokens: prompt ?? 0, total_tokens: prompt ?? 0 },
  };
  return { body: body as unknown as JsonValue, usage };
}
