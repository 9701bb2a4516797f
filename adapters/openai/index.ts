// The `openai` adapter: OpenAI itself and every OpenAI-compatible vendor or aggregator.

import { defineAdapter } from '../../src/contracts/index.ts';
import { buildOpenAIRequest } from './request.ts';
import { createOpenAIStreamDecoder, decodeOpenAIError, decodeOpenAIResponse } from './response.ts';

export default defineAdapter({
  id: 'openai',
  providerOptionsSchema: {
    type: 'object',
    properties: {
      forward_extra_content: {
        description: 'Forward chat message fields OpenAI does not define (for OpenAI-compatible vendors that read them). Default false: such fields are dropped before the request leaves.',
        type: 'boolean',
      },
    },
  },
  supports: () => true,
  buildRequest: (request, provider) => buildOpenAIRequest(request, provider),
  decodeResponse: decodeOpenAIResponse,
  decodeError: decodeOpenAIError,
  createStreamDecoder: (_request, provider) => createOpenAIStreamDecoder(provider),
});
