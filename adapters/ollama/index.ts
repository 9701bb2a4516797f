// Ollama native adapter (id 'ollama'): OpenAI chat completions → POST /api/chat (NDJSON streaming,
// tools, usage from prompt_eval_count / eval_count), embeddings → POST /api/embed, and the server's
// model list from GET /api/tags (`switchyard models <provider>`). Pure translation only.

import { defineAdapter, errors, type Operation } from '../../src/contracts/index.ts';
import { apiUrl, ollamaHeaders, providerOptionsSchema } from './endpoint.ts';
import { buildEmbedRequest, decodeEmbedResponse } from './embeddings.ts';
import { decodeError } from './errors.ts';
import { buildChatRequest } from './request.ts';
import { decodeChatResponse } from './response.ts';
import { createStreamDecoder } from './stream.ts';
import type { OllamaTagsResponse } from './wire-types.ts';

const SUPPORTED = new Set<Operation>(['chat', 'embeddings']);

export default defineAdapter({
  id: 'ollama',
  streamMode: 'sse',
  streamFraming: 'ndjson',
  providerOptionsSchema,
  supports: (operation) => SUPPORTED.has(operation),
  buildRequest(request, provider) {
    if (request.operation === 'chat') return buildChatRequest(request, provider);
    if (request.operation === 'embeddings') return buildEmbedRequest(request, provider);
    throw errors.invalidValue('model', `Provider "${provider.name}" (ollama) cannot serve ${request.operation} requests.`);
  },
  decodeResponse: (reply, request, provider) =>
    request.operation === 'embeddings' ? decodeEmbedResponse(reply, request, provider) : decodeChatResponse(reply, request, provider),
  decodeError,
  createStreamDecoder,
  buildModelListRequest: (provider) => ({ url: apiUrl(provider, 'tags'), method: 'GET', headers: ollamaHeaders(provider, false) }),
  decodeModelList(reply) {
    const wire = JSON.parse(reply.text) as OllamaTagsResponse;
    return (wire.models ?? []).map((m) => m.name ?? m.model ?? '').filter(Boolean);
  },
});
