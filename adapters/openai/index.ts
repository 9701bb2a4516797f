// The `openai` adapter: OpenAI itself and every OpenAI-compatible vendor or aggregator. The Responses
// API (`responses` operation) is spoken natively only where the provider serves it: OpenAI's own host,
// or any base_url with `responses_api: true` (see responses.ts).

import { type Operation, type ProviderView, defineAdapter } from '../../src/contracts/index.ts';
import { buildOpenAIRequest } from './request.ts';
import { createOpenAIStreamDecoder, decodeOpenAIError, decodeOpenAIResponse } from './response.ts';
import { createResponsesStreamDecoder, decodeResponsesReply, isOpenAIHost, servesResponses } from './responses.ts';

export default defineAdapter({
  id: 'openai',
  supports: (operation: Operation, provider?: ProviderView) => operation !== 'responses' || (provider !== undefined && servesResponses(provider, isOpenAIHost(provider.baseUrl))),
  buildRequest: (request, provider) => buildOpenAIRequest(request, provider),
  decodeResponse: (reply, request, provider) =>
    request.operation === 'responses' ? decodeResponsesReply(reply, provider, (r) => decodeOpenAIError(r, provider)) : decodeOpenAIResponse(reply, request, provider),
  decodeError: decodeOpenAIError,
  createStreamDecoder: (request, provider) => (request.operation === 'responses' ? createResponsesStreamDecoder(provider) : createOpenAIStreamDecoder(provider)),
});
