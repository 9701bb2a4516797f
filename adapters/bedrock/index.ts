// Amazon Bedrock adapter (id 'bedrock'): OpenAI chat completions → the Converse API (POST
// /model/<id>/converse) and ConverseStream (binary AWS event-stream, framed by the gateway), for every
// Converse model: Anthropic Claude, Meta Llama, Mistral, Amazon Nova, ... Tool use and usage included.
// Requests are signed with SigV4 by the gateway (the adapter only describes the credentials), or carry
// a Bedrock API key as a Bearer token. Pure translation only.

import { defineAdapter, errors } from '../../src/contracts/index.ts';
import { envDefaults, providerOptionsSchema, upstreamAuth } from './endpoint.ts';
import { decodeError } from './errors.ts';
import { buildChatRequest } from './request.ts';
import { decodeChatResponse } from './response.ts';
import { createStreamDecoder } from './stream.ts';

export default defineAdapter({
  id: 'bedrock',
  streamMode: 'sse',
  streamFraming: 'aws-eventstream',
  providerOptionsSchema,
  envDefaults,
  upstreamAuth,
  supports: (operation) => operation === 'chat',
  buildRequest(request, provider) {
    if (request.operation !== 'chat') throw errors.invalidValue('model', `Provider "${provider.name}" (bedrock) only serves chat completions, not ${request.operation}.`);
    return buildChatRequest(request, provider);
  },
  decodeResponse: decodeChatResponse,
  decodeError,
  createStreamDecoder,
});
