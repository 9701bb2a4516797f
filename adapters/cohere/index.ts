// Cohere adapter (id 'cohere'): OpenAI chat completions (messages, tools, streaming) and embeddings
// translated to Cohere's API v2 (/v2/chat, /v2/embed) and back; usage from billed_units.

import { defineAdapter, errors } from '../../src/contracts/index.ts';
import { buildCohereEmbed, decodeCohereEmbed } from './embeddings.ts';
import { buildCohereChat } from './request.ts';
import { decodeCohereChat, decodeCohereError } from './response.ts';
import { createCohereStreamDecoder } from './stream.ts';

export default defineAdapter({
  id: 'cohere',
  streamMode: 'sse',
  providerOptionsSchema: {
    type: 'object',
    properties: {
      input_type: { type: 'string', enum: ['search_document', 'search_query', 'classification', 'clustering'], description: '`cohere` adapter: the embeddings input_type when a request sets none (default search_document).' },
    },
  },
  supports: (operation) => operation === 'chat' || operation === 'embeddings',
  buildRequest(request, provider) {
    if (request.operation === 'chat') return buildCohereChat(request, provider);
    if (request.operation === 'embeddings') return buildCohereEmbed(request, provider);
    throw errors.invalidValue('model', `Provider "${provider.name}" (cohere) serves chat completions and embeddings only.`);
  },
  decodeResponse: (reply, request, provider) =>
    request.operation === 'embeddings' ? decodeCohereEmbed(reply, request, provider) : decodeCohereChat(reply, request, provider),
  decodeError: decodeCohereError,
  createStreamDecoder: createCohereStreamDecoder,
});
