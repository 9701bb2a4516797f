// Gemini adapter (id 'gemini'): translates OpenAI chat completions and embeddings to Google's
// Gemini API (v1beta generateContent, streamGenerateContent?alt=sse, batchEmbedContents) and back.
// Pure translation only; the provider key goes in the x-goog-api-key header, never in the URL.

import { defineAdapter, errors, type Operation } from '../../src/contracts/index.ts';
import { buildEmbeddingsRequest, decodeEmbeddingsResponse } from './embeddings.ts';
import { decodeGeminiError } from './errors.ts';
import { buildChatRequest } from './request.ts';
import { decodeChatResponse } from './response.ts';
import { createGeminiStreamDecoder } from './stream.ts';

const SUPPORTED = new Set<Operation>(['chat', 'embeddings']);

export default defineAdapter({
  id: 'gemini',
  providerOptionsSchema: {
    type: 'object',
    properties: {
      safety_settings: {
        description: 'Gemini `safetySettings` sent with every chat request, e.g. [{category: HARM_CATEGORY_HARASSMENT, threshold: BLOCK_ONLY_HIGH}].',
        type: 'array',
        items: {
          description: 'One safety setting.',
          type: 'object',
          required: ['category', 'threshold'],
          additionalProperties: false,
          properties: {
            category: { description: 'A Gemini HarmCategory, e.g. HARM_CATEGORY_HATE_SPEECH.', type: 'string' },
            threshold: { description: 'A Gemini HarmBlockThreshold, e.g. BLOCK_MEDIUM_AND_ABOVE.', type: 'string' },
          },
        },
      },
    },
  },
  streamMode: 'sse',
  supports: (operation) => SUPPORTED.has(operation),
  buildRequest(request, provider) {
    if (request.operation === 'chat') return buildChatRequest(request, provider);
    if (request.operation === 'embeddings') return buildEmbeddingsRequest(request, provider);
    throw errors.invalidValue('model', `Provider "${provider.name}" (gemini) cannot serve ${request.operation} requests.`);
  },
  decodeResponse(reply, request, provider) {
    return request.operation === 'embeddings'
      ? decodeEmbeddingsResponse(reply, request, provider)
      : decodeChatResponse(reply, request, provider);
  },
  decodeError: decodeGeminiError,
  createStreamDecoder: createGeminiStreamDecoder,
});
