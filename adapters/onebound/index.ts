// onebound adapter (seed 001): onebound's one-URL custom OpenAI API as an upstream provider.
// providers.X: { adapter: onebound, base_url: https://api-gw-4.cn/openai/custom, key, secret, cache? }
// onebound cannot stream, so streamMode is 'emulate': the gateway calls it non-stream and replays the
// answer as chunks (see src/contracts/emulate-stream.ts).

import { defineAdapter, type Operation } from '../../src/contracts/index.ts';
import { ONEBOUND_METHODS, buildOneboundRequest } from './request.ts';
import { decodeOneboundError, decodeOneboundResponse } from './response.ts';

export { chunksFromChatResponse } from '../../src/contracts/index.ts';

export default defineAdapter({
  id: 'onebound',
  providerOptionsSchema: {
    type: 'object',
    properties: {
      key: { description: 'The onebound account key (`key` query parameter); usually ${ENV}. api_key is used when absent.', type: 'string' },
      secret: { description: 'The onebound account secret (`secret` query parameter); usually ${ENV}.', type: 'string' },
      cache: { description: 'onebound\'s own answer cache: "no" (default) or "yes".', enum: ['yes', 'no'] },
    },
  },
  streamMode: 'emulate',
  supports(operation: Operation): boolean {
    return ONEBOUND_METHODS[operation] !== undefined;
  },
  buildRequest: buildOneboundRequest,
  decodeResponse: decodeOneboundResponse,
  decodeError: decodeOneboundError,
});
