// Coze adapter (id 'coze'): a Coze bot published to the API channel, served as a chat model whose
// upstream name is the bot ID (`models: { my-bot: "7351..." }`), keyed by a Personal Access Token in
// api_key. v3 chat API: streamed as SSE events; non-stream by create + poll + list messages
// (Adapter.followUp). base_url defaults to https://api.coze.com; use https://api.coze.cn for coze.cn.

import { defineAdapter } from '../../src/contracts/index.ts';
import { decodeCozeError } from './errors.ts';
import { cozeFollowUp, decodeCozeResponse } from './exchange.ts';
import { buildCozeChat } from './request.ts';
import { createCozeStreamDecoder } from './stream.ts';

export default defineAdapter({
  id: 'coze',
  streamMode: 'sse',
  providerOptionsSchema: {
    type: 'object',
    properties: {
      user_id: { type: 'string', minLength: 1, description: '`coze` adapter: the Coze user_id sent when the client sets no `user` (default "switchyard"). Coze keeps memory per user_id.' },
      poll_interval_ms: { type: 'integer', minimum: 0, description: '`coze` adapter: how often a non-stream chat\'s status is polled, in ms (default 1000, as Coze recommends).' },
      custom_variables: { type: 'object', additionalProperties: { type: 'string' }, description: '`coze` adapter: values for {{variables}} in the bot\'s prompt, sent with every chat.' },
    },
  },
  supports: (operation) => operation === 'chat',
  buildRequest: buildCozeChat,
  followUp: cozeFollowUp,
  decodeResponse: decodeCozeResponse,
  decodeError: decodeCozeError,
  createStreamDecoder: createCozeStreamDecoder,
});
