// Google Vertex AI adapter (id 'vertex'): Gemini models (generateContent, streamGenerateContent?alt=sse)
// through the gemini adapter's translation, and Anthropic Claude models on Vertex (rawPredict,
// streamRawPredict) through the anthropic adapter's translation with anthropic_version
// vertex-2023-10-16 and the model in the URL (the client's anthropic-beta header and Anthropic-only
// fields too). Credentials come from a service-account JSON (the gateway
// exchanges a JWT for an access token) or a supplied access_token. Pure translation only.

import {
  defineAdapter, errors,
  type AdapterRequest, type ProviderView, type UpstreamReply, type UpstreamRequest,
} from '../../src/contracts/index.ts';
import { buildBody as anthropicBody, withClientBetas } from '../anthropic/request.ts';
import { decodeResponse as anthropicDecode } from '../anthropic/response.ts';
import { createStreamDecoder as anthropicStream } from '../anthropic/stream.ts';
import { decodeError as anthropicError } from '../anthropic/errors.ts';
import { decodeGeminiError } from '../gemini/errors.ts';
import { toGeminiRequest } from '../gemini/request.ts';
import { decodeChatResponse as geminiDecode } from '../gemini/response.ts';
import { createGeminiStreamDecoder } from '../gemini/stream.ts';
import type { ChatRequest } from '../../src/contracts/index.ts';
import { envDefaults, modelUrl, providerOptionsSchema, publisherOf, upstreamAuth, vertexHeaders } from './endpoint.ts';

export const ANTHROPIC_VERTEX_VERSION = 'vertex-2023-10-16';

function buildChat(request: AdapterRequest, provider: ProviderView): UpstreamRequest {
  const model = request.upstreamModel;
  if (publisherOf(model) === 'anthropic') {
    const { model: _model, ...rest } = anthropicBody(request, provider);
    const version = typeof provider.options.anthropic_version === 'string' && provider.options.anthropic_version ? provider.options.anthropic_version : ANTHROPIC_VERTEX_VERSION;
    const body = { anthropic_version: version, ...rest };
    // The client's anthropic-beta (Claude on Vertex takes the header too), merged with the operator's.
    const headers = withClientBetas(vertexHeaders(provider), provider, request.body.anthropic_beta);
    return { url: modelUrl(provider, model, request.stream ? 'streamRawPredict' : 'rawPredict'), method: 'POST', headers, body: JSON.stringify(body) };
  }
  const body = toGeminiRequest(request.body as unknown as ChatRequest, provider);
  const method = request.stream ? 'streamGenerateContent?alt=sse' : 'generateContent';
  return { url: modelUrl(provider, model, method), method: 'POST', headers: vertexHeaders(provider), body: JSON.stringify(body) };
}

/** Anthropic models answer errors in Anthropic's shape ({type:"error"}); everything else is google.rpc.Status. */
function decodeError(reply: UpstreamReply, provider: ProviderView) {
  return /"type"\s*:\s*"error"/.test(reply.text) ? anthropicError(reply, provider) : decodeGeminiError(reply, provider);
}

export default defineAdapter({
  id: 'vertex',
  streamMode: 'sse',
  streamFraming: 'sse',
  providerOptionsSchema,
  envDefaults,
  upstreamAuth,
  supports: (operation) => operation === 'chat',
  buildRequest(request, provider) {
    if (request.operation !== 'chat') throw errors.invalidValue('model', `Provider "${provider.name}" (vertex) only serves chat completions, not ${request.operation}.`);
    return buildChat(request, provider);
  },
  decodeResponse: (reply, request, provider) =>
    publisherOf(request.upstreamModel) === 'anthropic' ? anthropicDecode(reply, request, provider) : geminiDecode(reply, request, provider),
  decodeError,
  createStreamDecoder: (request, provider) =>
    publisherOf(request.upstreamModel) === 'anthropic' ? anthropicStream(request, provider) : createGeminiStreamDecoder(request, provider),
});
