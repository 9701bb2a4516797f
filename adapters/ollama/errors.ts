// Ollama error bodies ({"error": "..."}) → GatewayError through the shared status mapping. A 401 or
// 403 (an ollama.com API key refused) is the gateway's key failing, never the client's. Messages are
// scrubbed of the provider key.

import {
  errorFromUpstreamStatus, parseRetryAfter, upstreamMessage,
  type GatewayError, type ProviderView, type UpstreamReply,
} from '../../src/contracts/index.ts';

function scrub(text: string, provider: ProviderView): string {
  const key = provider.apiKey;
  return key && key.length >= 4 ? text.split(key).join('[redacted]') : text;
}

export function errorFromText(provider: ProviderView, status: number, message: string, retryAfterMs?: number): GatewayError {
  return errorFromUpstreamStatus(provider.name, status, scrub(message || `HTTP ${status}`, provider), retryAfterMs);
}

export function decodeError(reply: UpstreamReply, provider: ProviderView): GatewayError {
  return errorFromText(provider, reply.status, upstreamMessage(reply.text), parseRetryAfter(reply.headers.get('retry-after')));
}
