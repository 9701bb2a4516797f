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
      forward_anthropic_beta: { type: 'boolean', description: 'Forward the Anthropic client\'s anthropic-beta header to Claude models (merged after the betas in `headers`). Default true.' },
      forward_costly_anthropic_options: { type: 'boolean', description: 'Send a Claude client\'s options that make Anthropic bill more than the model\'s price or act on your account: body fields service_tier, speed, inference_geo, container, mcp_servers and betas context-1m-*, fast-mode-*, mcp-client-*, code-execution-*. Default false: they are dropped (betas you set in `headers` always go). Set true only when your prices account for them.' },
      effort_thinking: {
        description: 'How reasoning_effort becomes Claude thinking: "adaptive" (thinking {type:"adaptive"} + output_config.effort), "budget" (thinking {type:"enabled", budget_tokens}), "auto" (default: adaptive for Claude 4.6 and later), or a map from upstream model to one of those.',
        oneOf: [{ type: 'string', enum: ['auto', 'adaptive', 'budget'] }, { type: 'object', additionalProperties: { type: 'string', enum: ['auto', 'adaptive', 'budget'] } }],
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
