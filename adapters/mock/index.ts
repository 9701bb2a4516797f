// The `mock` adapter: an offline, deterministic provider for trying the gateway, demos and tests.
// It speaks the OpenAI wire format through an in-process upstream, so it exercises the real pipeline.

import { defineAdapter } from '../../src/contracts/index.ts';
import { buildOpenAIRequest } from '../openai/request.ts';
import { createOpenAIStreamDecoder, decodeOpenAIError, decodeOpenAIResponse } from '../openai/response.ts';
import { type MockBehaviour, serveMock } from './server.ts';

export default defineAdapter({
  id: 'mock',
  supports: () => true,
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
