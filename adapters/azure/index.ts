// Azure OpenAI adapter (id 'azure'): OpenAI-format bodies sent to a deployment URL with an
// api-version (or to Azure's OpenAI-compatible v1 API when base_url ends in /openai/v1), keyed by
// the `api-key` header. See request.ts for the URL rules and response.ts for the decoder; the Responses
// API goes upstream natively on the v1 form (../openai/responses.ts decodes it).

import { defineAdapter, type Operation, type ProviderView } from '../../src/contracts/index.ts';
import { createResponsesStreamDecoder, decodeResponsesReply, servesResponses, RESPONSES_API_OPTION } from '../openai/responses.ts';
import { buildAzureRequest, isV1Base } from './request.ts';
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
      responses_api: RESPONSES_API_OPTION,
      api_version: {
        description: 'The Azure OpenAI `api-version` query parameter, e.g. "2024-10-21" (the default). Quote it so YAML keeps it a string. Not used with a base_url ending in /openai/v1.',
        type: 'string',
        minLength: 1,
      },
    },
  },
  streamMode: 'sse',
  // The Responses API natively on the v1 API (base_url …/openai/v1) unless `responses_api: false`.
  supports: (operation: Operation, provider?: ProviderView) => SUPPORTED.has(operation) || (operation === 'responses' && provider !== undefined && isV1Base(provider.baseUrl) && servesResponses(provider, true)),
  buildRequest: buildAzureRequest,
  decodeResponse: (reply, request, provider) =>
    request.operation === 'responses' ? decodeResponsesReply(reply, provider, (r) => decodeAzureError(r, provider)) : decodeAzureResponse(reply, request, provider),
  decodeError: decodeAzureError,
  createStreamDecoder: (request, provider) => (request.operation === 'responses' ? createResponsesStreamDecoder(provider) : createAzureStreamDecoder(provider)),
});
