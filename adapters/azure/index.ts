// Azure OpenAI adapter (id 'azure'): OpenAI-format bodies sent to a deployment URL with an
// api-version (or to Azure's OpenAI-compatible v1 API when base_url ends in /openai/v1), keyed by
// the `api-key` header. See request.ts for the URL rules and response.ts for the decoder.

import { defineAdapter, type Operation } from '../../src/contracts/index.ts';
import { buildAzureRequest } from './request.ts';
import { createAzureStreamDecoder, decodeAzureError, decodeAzureResponse } from './response.ts';

/** Operations Azure serves under /openai/deployments/{deployment}/... with OpenAI bodies. */
const SUPPORTED = new Set<Operation>([
  'chat', 'completions', 'embeddings', 'images.generations', 'audio.transcriptions', 'audio.translations', 'audio.speech',
]);

export default defineAdapter({
  id: 'azure',
  providerOptionsSchema: {
    type: 'object',
    properties: {
      api_version: {
        description: 'The Azure OpenAI `api-version` query parameter, e.g. "2024-10-21" (the default). Quote it so YAML keeps it a string. Not used with a base_url ending in /openai/v1.',
        type: 'string',
        minLength: 1,
      },
    },
  },
  streamMode: 'sse',
  supports: (operation) => SUPPORTED.has(operation),
  buildRequest: buildAzureRequest,
  decodeResponse: decodeAzureResponse,
  decodeError: decodeAzureError,
  createStreamDecoder: (_request, provider) => createAzureStreamDecoder(provider),
});
