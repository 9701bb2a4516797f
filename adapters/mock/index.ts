// The `mock` adapter: an offline, deterministic provider for trying the gateway, demos and tests.
// It speaks the OpenAI wire format through an in-process upstream, so it exercises the real pipeline.

import { defineAdapter } from '../../src/contracts/index.ts';
import { buildOpenAIRequest } from '../openai/request.ts';
import { createOpenAIStreamDecoder, decodeOpenAIError, decodeOpenAIResponse } from '../openai/response.ts';
import { type MockBehaviour, serveMock } from './server.ts';

export default defineAdapter({
  id: 'mock',
  providerOptionsSchema: {
    type: 'object',
    properties: {
      mock: {
        description: 'Simulated behaviour for tests and demos. Without it the mock answers every request at once, deterministically (chat echoes the last user message).',
        type: 'object',
        additionalProperties: false,
        properties: {
          fail_status: { description: 'HTTP status the mock answers with when it fails a request, e.g. 429 or 503. Without fail_times every request fails with it.', type: 'integer', minimum: 400, maximum: 599 },
          fail_times: { description: 'Fail only the first N requests this provider receives (counted per process), then succeed.', type: 'integer', minimum: 0 },
          delay_ms: { description: 'Delay in milliseconds before the response (or the first stream chunk). Default 0.', type: 'integer', minimum: 0 },
          chunk_delay_ms: { description: 'Delay in milliseconds between stream chunks. Default 0.', type: 'integer', minimum: 0 },
          embedding_dims: { description: 'Length of the deterministic embedding vectors. Default 8; at most 16384.', type: 'integer', minimum: 1, maximum: 16384 },
        },
      },
    },
  },
  supports: (operation) => operation !== 'responses', // the Responses surface reaches it through chat
  buildRequest: (request, provider) => ({
    ...buildOpenAIRequest(request, provider, 'http://mock.invalid/v1'),
    headers: { 'x-mock-provider': provider.name, ...(provider.options.mock ? { 'x-mock-behaviour': JSON.stringify(provider.options.mock) } : {}) },
  }),
  decodeResponse: decodeOpenAIResponse,
  decodeError: decodeOpenAIError,
  createStreamDecoder: (_request, provider) => createOpenAIStreamDecoder(provider),
  serveLocally: (request, signal) =>
    serveMock(request.headers['x-mock-provider'] ?? 'mock', JSON.parse(request.headers['x-mock-behaviour'] ?? '{}') as MockBehaviour, request, signal),
});
