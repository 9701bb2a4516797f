// Gateway errors rendered in Anthropic's error shape: `{"type":"error","error":{"type","message"}}`
// (plus `request_id` when known), both as an HTTP body and as the stream `error` event.
//
// Mapping (HTTP status first, then our error type/code where Anthropic has a closer type):
//   400, 415, 422, other 4xx      → invalid_request_error
//   401                            → authentication_error
//   402, or type insufficient_quota (our 429 budget exhausted) → billing_error
//   403                            → permission_error
//   404                            → not_found_error
//   413                            → request_too_large
//   429                            → rate_limit_error
//   500, 502, other 5xx            → api_error
//   503, 529                       → overloaded_error
//   504                            → timeout_error (Anthropic's GatewayTimeoutError type)
// A 502 whose upstream cause was 429/503/529 (the provider was saturated) also becomes overloaded_error,
// which Anthropic clients treat as "retry later" exactly like a real 529.
// The HTTP status the gateway answers with is unchanged (only the body wording follows Anthropic), except
// for an upstream's own overload as the final failure (503 upstream_overloaded caused by a 529): answered
// 529 overloaded_error, as Anthropic answers it (its SDKs and Claude Code retry it). The gateway's own
// max_connections overflow stays 503.

import { type GatewayError, isUpstreamOverload } from '../../contracts/index.ts';
import type { AnthropicErrorBody, AnthropicErrorType } from './wire-types.ts';

/** Maps an HTTP status plus our error type (or code) to Anthropic's error type. */
export function anthropicErrorType(status: number, type?: string | null): AnthropicErrorType {
  if (type === 'insufficient_quota' || status === 402) return 'billing_error';
  switch (status) {
    case 401: return 'authentication_error';
    case 403: return 'permission_error';
    case 404: return 'not_found_error';
    case 413: return 'request_too_large';
    case 429: return 'rate_limit_error';
    case 503:
    case 529: return 'overloaded_error';
    case 504: return 'timeout_error';
    default: return status >= 500 ? 'api_error' : 'invalid_request_error';
  }
}

/** The HTTP status for an error on this surface: 529 for an upstream's overload (see the header). */
export function anthropicErrorStatus(error: GatewayError): number {
  return isUpstreamOverload(error) ? 529 : error.status;
}

/** `{type:'error', error:{type, message}}` for a status, our error type/code, and a message. */
export function anthropicErrorBody(status: number, type: string | null | undefined, message: string, requestId?: string): AnthropicErrorBody {
  const body: AnthropicErrorBody = { type: 'error', error: { type: anthropicErrorType(status, type), message } };
  if (requestId !== undefined) body.request_id = requestId;
  return body;
}

/** The Anthropic error body for a GatewayError (uses its upstream cause to spot overload). */
export function anthropicErrorFromGateway(error: GatewayError, requestId?: string): AnthropicErrorBody {
  // Anthropic's words for a prompt over the context window, which Claude Code recognises to compact its history.
  const message = error.code === 'context_length_exceeded' && !error.message.startsWith('prompt is too long') ? `prompt is too long: ${error.message}` : error.message;
  const body = anthropicErrorBody(error.status, error.type, message, requestId);
  if (error.status === 502 && (error.cause === 429 || error.cause === 503 || error.cause === 529)) {
    body.error.type = 'overloaded_error';
  }
  return body;
}
