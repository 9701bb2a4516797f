// Anthropic error bodies ({type:'error', error:{type, message}}) → GatewayError, for HTTP replies and
// for `error` events inside a stream. Every message is scrubbed of the provider key before it leaves.

import {
  GatewayError,
  errorFromUpstreamStatus,
  errors,
  parseRetryAfter,
  upstreamMessage,
  type ProviderView,
  type UpstreamReply,
} from '../../src/contracts/index.ts';

/** HTTP status Anthropic documents for each error type (used for in-stream errors, which have none). */
const STATUS_BY_TYPE: Readonly<Record<string, number>> = {
  invalid_request_error: 400,
  authentication_error: 401,
  billing_error: 402,
  permission_error: 403,
  not_found_error: 404,
  conflict_error: 409,
  request_too_large: 413,
  rate_limit_error: 429,
  api_error: 500,
  timeout_error: 504,
  overloaded_error: 529,
};

const KEY_PATTERN = /sk-ant-[A-Za-z0-9_-]{6,}/g;

/** Removes the provider's API key (and anything shaped like an Anthropic key) from upstream text. */
export function scrub(text: string, provider: ProviderView): string {
  let out = text;
  const key = provider.apiKey;
  if (key && key.length >= 4) out = out.split(key).join('[redacted]');
  return out.replace(KEY_PATTERN, 'sk-ant-[redacted]');
}

interface ParsedError {
  type?: string;
  message: string;
}

function parseErrorText(text: string): ParsedError {
  try {
    const body = JSON.parse(text) as { error?: { type?: unknown; message?: unknown } };
    const err = body?.error;
    if (err && typeof err === 'object' && typeof err.type === 'string') {
      return { type: err.type, message: typeof err.message === 'string' ? err.message : err.type };
    }
  } catch {
    // not JSON: fall back to the shared extractor below
  }
  return { message: upstreamMessage(text) || 'no error message' };
}

/** Builds the GatewayError for an Anthropic error of `type` (if known) seen with HTTP `status`. */
export function anthropicError(
  provider: ProviderView,
  status: number,
  type: string | undefined,
  rawMessage: string,
  retryAfterMs?: number,
): GatewayError {
  const detail = scrub(type ? `${rawMessage} (${type})` : rawMessage, provider);
  if (type === 'overloaded_error' || status === 529) {
    return errors.upstreamOverloaded(`Provider "${provider.name}" is overloaded: ${detail}`, retryAfterMs);
  }
  if (type === 'billing_error' || status === 402) {
    // The gateway's provider account has a billing problem: the client's request is fine, another
    // provider may serve it.
    return errors.upstreamError(`Provider "${provider.name}" refused the gateway's account (billing): ${detail}`, 402, true, retryAfterMs);
  }
  return errorFromUpstreamStatus(provider.name, status, detail, retryAfterMs);
}

/** A non-2xx HTTP reply → GatewayError. */
export function decodeError(reply: UpstreamReply, provider: ProviderView): GatewayError {
  const parsed = parseErrorText(reply.text);
  const retryAfterMs = parseRetryAfter(reply.headers.get('retry-after'));
  return anthropicError(provider, reply.status, parsed.type, parsed.message, retryAfterMs);
}

/** An error body seen where a success was expected (2xx body or stream `error` event). */
export function errorFromBody(body: { error?: { type?: unknown; message?: unknown } }, provider: ProviderView): GatewayError {
  const type = typeof body.error?.type === 'string' ? body.error.type : 'api_error';
  const message = typeof body.error?.message === 'string' ? body.error.message : type;
  const status = STATUS_BY_TYPE[type] ?? 500;
  return anthropicError(provider, status, type, message);
}
