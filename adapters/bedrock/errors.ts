// Bedrock errors → GatewayError. HTTP failures carry `{message}` (or `{Message}`) and the exception name
// in the x-amzn-ErrorType header; in a ConverseStream they arrive as exception messages named by their
// :exception-type (the gateway's framer hands them over as the event name). Credential failures
// (UnrecognizedClientException, InvalidSignatureException, ExpiredTokenException, AccessDenied...) are
// the gateway's own keys failing: 502 upstream_auth_failed. Messages are scrubbed of the credentials.

import {
  errorFromUpstreamStatus, errors, parseRetryAfter,
  type GatewayError, type ProviderView, type UpstreamReply,
} from '../../src/contracts/index.ts';

/** HTTP status of each ConverseStream exception (service model). */
export const STREAM_EXCEPTION_STATUS: Readonly<Record<string, number>> = {
  internalServerException: 500,
  modelStreamErrorException: 424,
  validationException: 400,
  throttlingException: 429,
  serviceUnavailableException: 503,
};

const AUTH_FAILURES = /^(UnrecognizedClient|InvalidSignature|SignatureDoesNotMatch|ExpiredToken|IncompleteSignature|MissingAuthenticationToken|AccessDenied|InvalidClientTokenId)/i;

function scrub(text: string, provider: ProviderView): string {
  let out = text;
  for (const name of ['secret_access_key', 'session_token', 'access_key_id', 'env_secret_access_key', 'env_session_token', 'env_access_key_id']) {
    const value = provider.options[name];
    if (typeof value === 'string' && value.length >= 4) out = out.split(value).join('[redacted]');
  }
  if (provider.apiKey) out = out.split(provider.apiKey).join('[redacted]');
  return out;
}

function messageOf(text: string): string {
  try {
    const body = JSON.parse(text) as { message?: unknown; Message?: unknown };
    const message = body.message ?? body.Message;
    if (typeof message === 'string') return message;
  } catch {
    // not JSON
  }
  return text.slice(0, 300);
}

export function bedrockError(provider: ProviderView, status: number, type: string | undefined, rawMessage: string, retryAfterMs?: number): GatewayError {
  if (type && AUTH_FAILURES.test(type)) return errors.upstreamAuth(provider.name);
  const detail = scrub(type ? `${rawMessage || 'no message'} (${type})` : rawMessage || `HTTP ${status}`, provider);
  return errorFromUpstreamStatus(provider.name, status, detail, retryAfterMs);
}

export function decodeError(reply: UpstreamReply, provider: ProviderView): GatewayError {
  const type = reply.headers.get('x-amzn-errortype')?.split(':')[0] || undefined;
  return bedrockError(provider, reply.status, type, messageOf(reply.text), parseRetryAfter(reply.headers.get('retry-after')));
}

/** An exception message inside a ConverseStream. */
export function streamException(provider: ProviderView, type: string, payload: string): GatewayError {
  const name = type.charAt(0).toUpperCase() + type.slice(1);
  return bedrockError(provider, STREAM_EXCEPTION_STATUS[type] ?? 500, name, messageOf(payload));
}
