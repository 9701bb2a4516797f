// Shared mapping from an upstream HTTP failure to a GatewayError (DESIGN §5), for adapters to reuse.

import { GatewayError, errors } from './errors.ts';

/** Parses a Retry-After header (seconds or HTTP date) into milliseconds. */
export function parseRetryAfter(value: string | null | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, Math.round(seconds * 1000));
  const date = Date.parse(value);
  return Number.isFinite(date) ? Math.max(0, date - now) : undefined;
}

/** The most characters of upstream text an error message (and so a log line) quotes. */
export const UPSTREAM_TEXT_MAX = 300;

/** Upstream text cut to UPSTREAM_TEXT_MAX characters (an ellipsis marks the cut). */
export function capUpstreamText(text: string, max = UPSTREAM_TEXT_MAX): string {
  return text.length <= max ? text : `${text.slice(0, max)}…`;
}

/**
 * Pulls a human message out of common upstream error bodies ({error:{message}}, {message}, {msg}), cut to
 * UPSTREAM_TEXT_MAX characters. A body that is not JSON (an HTML error page, a proxy's text, a stack
 * trace) is never quoted: the message only says so.
 */
export function upstreamMessage(text: string): string {
  try {
    const body = JSON.parse(text) as Record<string, unknown>;
    const err = body?.error;
    if (err && typeof err === 'object' && typeof (err as { message?: unknown }).message === 'string') return capUpstreamText((err as { message: string }).message);
    if (typeof err === 'string' && err) return capUpstreamText(err);
    for (const field of ['message', 'msg', 'detail', 'reason']) {
      if (typeof body?.[field] === 'string' && body[field]) return capUpstreamText(body[field] as string);
    }
    return capUpstreamText(text);
  } catch {
    return text.trim() ? NOT_JSON : 'no error message';
  }
}

/** What an error message says in place of a non-JSON upstream error body. */
export const NOT_JSON = 'the error body is not JSON (not shown)';

/**
 * A prompt longer than the model's context window, in the words of OpenAI ("maximum context length", code
 * context_length_exceeded), Anthropic ("prompt is too long"), Gemini ("exceeds the maximum number of tokens"),
 * vLLM, Ollama and most OpenAI-compatible servers. Agents recognise it and compact their history, so it keeps a
 * code of its own (OpenAI's) instead of the generic upstream_rejected_request.
 */
const CONTEXT_OVERFLOW = /context_length_exceeded|maximum context length|context length exceeded|context window|prompt is too long|too many (?:input )?tokens|exceeds the maximum (?:number of )?(?:input )?tokens/i;

/**
 * Maps an upstream status + message to a GatewayError. 401/403 are the gateway's own provider key
 * failing (502 upstream_auth_failed); 400/404/422 are the client's request (passed through as 4xx,
 * not retried); 408/409/429/5xx are retryable upstream errors.
 */
export function errorFromUpstreamStatus(provider: string, status: number, message: string, retryAfterMs?: number): GatewayError {
  if (status === 401 || status === 403) return errors.upstreamAuth(provider);
  if ((status === 400 || status === 413 || status === 422) && CONTEXT_OVERFLOW.test(message)) {
    return new GatewayError({
      status: 400, type: 'invalid_request_error', code: 'context_length_exceeded', param: 'messages',
      message: `${message} (provider "${provider}": the prompt is longer than the model's context window; shorten it or use a model with a larger one)`,
      retryable: false,
      cause: status,
    });
  }
  if (status === 400 || status === 404 || status === 413 || status === 415 || status === 422) {
    return new GatewayError({
      status: status === 404 ? 404 : 400,
      type: 'invalid_request_error',
      code: status === 404 ? 'upstream_not_found' : 'upstream_rejected_request',
      message: `Provider "${provider}" rejected the request: ${message}`,
      retryable: false,
      cause: status,
    });
  }
  // 402: the gateway's account with this provider has no credit; another provider may still answer.
  const retryable = status === 402 || status === 408 || status === 409 || status === 429 || status >= 500;
  const label = status === 429 ? 'is rate limiting the gateway' : `failed with HTTP ${status}`;
  return errors.upstreamError(`Provider "${provider}" ${label}: ${message}`, status, retryable, retryAfterMs);
}
