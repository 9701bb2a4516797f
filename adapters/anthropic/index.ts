// Native Anthropic Messages API adapter (id 'anthropic'): OpenAI chat completions in, POST /v1/messages
// out, and Anthropic messages / SSE events back to OpenAI shapes. Chat only; pure translation.

import { defineAdapter } from '../../src/contracts/index.ts';
import { decodeError } from './errors.ts';
import { buildRequest } from './request.ts';
import { decodeResponse } from './response.ts';
import { createStreamDecoder } from './stream.ts';

export default defineAdapter({
  id: 'anthropic',
  providerOptionsSchema: {
    type: 'object',
    properties: {
      anthropic_version: {
        description: 'The `anthropic-version` header sent upstream. Default "2023-06-01".',
        type: 'string',
        minLength: 1,
      },
      default_max_tokens: {
        description: 'max_tokens sent when the client sets neither max_tokens nor max_completion_tokens (Anthropic requires one). Default 4096.',
        type: 'integer',
        minimum: 1,
      },
    },
  },
  streamMode: 'sse',
  supports: (operation) => operation === 'chat',
  buildRequest,
  decodeResponse,
  decodeError,
  createStreamDecoder,
});
