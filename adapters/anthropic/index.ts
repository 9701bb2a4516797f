// Native Anthropic Messages API adapter (id 'anthropic'): OpenAI chat completions in, POST /v1/messages
// out, and Anthropic messages / SSE events back to OpenAI shapes. Chat only; pure translation.

import { defineAdapter } from '../../src/contracts/index.ts';
import { decodeError } from './errors.ts';
import { buildRequest } from './request.ts';
import { decodeResponse } from './response.ts';
import { createStreamDecoder } from './stream.ts';

export default defineAdapter({
  id: 'anthropic',
  streamMode: 'sse',
  supports: (operation) => operation === 'chat',
  buildRequest,
  decodeResponse,
  decodeError,
  createStreamDecoder,
});
