// The `openai` adapter: OpenAI itself and every OpenAI-compatible vendor or aggregator. The Responses
// API (`responses` operation) is spoken natively only where the provider serves it: OpenAI's own host,
// or any base_url with `responses_api: true` (see responses.ts).

import { type Operation, type ProviderView, defineAdapter } from '../../src/contracts/index.ts';
import { REASONING_CONTENT_OPTION } from './reasoning-passback.ts';
import { buildOpenAIRequest } from './request.ts';
import { createOpenAIStreamDecoder, decodeOpenAIError, decodeOpenAIResponse } from './response.ts';
import { createResponsesStreamDecoder, decodeResponsesReply, isOpenAIHost, servesResponses, RESPONSES_API_OPTION } from './responses.ts';

export default defineAdapter({
  id: 'openai',
  providerOptionsSchema: {
    type: 'object',
    properties: {
      responses_api: RESPONSES_API_OPTION,
      forward_extra_content: {
        description: 'Forward chat message fields OpenAI does not define (for OpenAI-compatible vendors that read them). Default false: such fields are dropped before the request leaves.',
        type: 'boolean',
      },
      reasoning_content: REASONING_CONTENT_OPTION,
    },
  },
  supports: (operation: Operation, provider?: ProviderView) => operation !== 'responses' || (provider !== undefined && servesResponses(provider, isOpenAIHost(provider.baseUrl))),
  buildRequest: (request, provider) => buildOpenAIRequest(request, provider),
  decodeResponse: (reply, request, provider) =>
    request.operation === 'responses' ? decodeResponsesReply(reply, provider, (r) => decodeOpenAIError(r, provider)) : decodeOpenAIResponse(reply, request, provider),
  decodeError: decodeOpenAIError,
  createStreamDecoder: (request, provider) => (request.operation === 'responses' ? createResponsesStreamDecoder(provider) : createOpenAIStreamDecoder(provider)),
});
