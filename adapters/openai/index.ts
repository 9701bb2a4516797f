// The `openai` adapter: OpenAI itself and every OpenAI-compatible vendor or aggregator.

import { defineAdapter } from '../../src/contracts/index.ts';
import { buildOpenAIRequest } from './request.ts';
import { createOpenAIStreamDecoder, decodeOpenAIError, decodeOpenAIResponse } from './response.ts';

export default defineAdapter({
  id: 'openai',
  supports: () => true,
  buildRequest: (request, provider) => buildOpenAIRequest(request, provider),
  decodeResponse: decodeOpenAIResponse,
  decodeError: decodeOpenAIError,
  createStreamDecoder: (_request, provider) => createOpenAIStreamDecoder(provider),
});
