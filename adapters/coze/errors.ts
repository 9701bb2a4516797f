// Coze errors → GatewayError. Coze answers most failures with a `{code, msg}` envelope (often with
// HTTP 200), and a failed chat carries `last_error: {code, msg}`. Codes from the Coze error-code
// reference: 4100/4101 the token is invalid or lacks a permission (the gateway's key: 502
// upstream_auth_failed), 4013/4029 rate limited, 4016 the conversation is busy, 4200 not found (a
// wrong bot ID), other 4xxx a bad request, 5xxx and anything else a retryable upstream failure.

import {
  type GatewayError, type ProviderView, type UpstreamReply, errorFromUpstreamStatus, errors, parseRetryAfter, upstreamMessage,
} from '../../src/contracts/index.ts';

const AUTH = new Set([4100, 4101, 4102]);
const RATE = new Set([4013, 4029]);
const BUSY = new Set([4016]);
const NOT_FOUND = new Set([4200, 4015]);

/** A Coze error code + message → GatewayError (HTTP status used when the code says nothing). */
export function cozeError(provider: ProviderView, code: number | undefined, msg: string, httpStatus = 200, retryAfterMs?: number): GatewayError {
  const message = scrub(msg || `error code ${code ?? httpStatus}`, provider);
  const detail = code !== undefined ? `${message} (Coze code ${code})` : message;
  if (code !== undefined && AUTH.has(code)) return errors.upstreamAuth(provider.name);
  if (code !== undefined && RATE.has(code)) return errorFromUpstreamStatus(provider.name, 429, detail, retryAfterMs);
  if (code !== undefined && BUSY.has(code)) return errorFromUpstreamStatus(provider.name, 409, detail, retryAfterMs);
  if (code !== undefined && NOT_FOUND.has(code)) return errorFromUpstreamStatus(provider.name, 404, `${detail}. Check that the bot ID is right and the bot is published to the API channel`);
  if (code !== undefined && code >= 4000 && code < 5000) return errorFromUpstreamStatus(provider.name, 400, detail);
  const status = httpStatus >= 400 ? httpStatus : 502;
  return errorFromUpstreamStatus(provider.name, status, detail, retryAfterMs);
}

/** Adapter.decodeError: a non-2xx reply, with or without a Coze envelope. */
export function decodeCozeError(reply: UpstreamReply, provider: ProviderView): GatewayError {
  const retryAfter = parseRetryAfter(reply.headers.get('retry-after'));
  const envelope = parseEnvelope(reply.text);
  if (envelope) return cozeError(provider, envelope.code, envelope.msg, reply.status, retryAfter);
  return errorFromUpstreamStatus(provider.name, reply.status, scrub(upstreamMessage(reply.text), provider), retryAfter);
}

export function parseEnvelope(text: string): { code: number; msg: string } | undefined {
  try {
    const body = JSON.parse(text) as { code?: unknown; msg?: unknown };
    if (typeof body.code === 'number') return { code: body.code, msg: typeof body.msg === 'string' ? body.msg : '' };
  } catch {
    // not JSON
  }
  return undefined;
}

function scrub(text: string, provider: ProviderView): string {
  return provider.apiKey ? text.split(provider.apiKey).join('[redacted]') : text;
}
