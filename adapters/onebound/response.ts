// onebound envelope → canonical body + usage, and envelope error_code → GatewayError (DESIGN §5).
//
// error_code mapping (seed 001 table):
//   0000                  success: body = response
//   4004 4005 4006 4007   502 upstream_auth_failed (our key/secret or account is unusable; fail over)
//   4008 4013             502 upstream_error, rate limited, retryable, cause 429
//   4016                  502 upstream_error, out of balance, retryable (fail over)
//   4017                  504 upstream_timeout, retryable
//   4003 4014             400 invalid_request_error upstream_rejected_request, not retryable
//   4000 4001 4002 4009 5000, and every unknown code: 502 upstream_error, retryable
//   2000 (no result; carries an OpenAI error in `response`): 502 with that error's message, cause 429
//        when it is a rate limit; retryable either way (another target may answer)
// Messages never contain key, secret or api_key, nor any URL (the upstream's, or OpenAI's pages).

import {
  GatewayError,
  errorFromUpstreamStatus,
  errors,
  parseRetryAfter,
  upstreamMessage,
  usageFromWire,
  type AdapterRequest,
  type DecodedResponse,
  type JsonObject,
  type JsonValue,
  type OpenAIUsageWire,
  type ProviderView,
  type UpstreamReply,
} from '../../src/contracts/index.ts';
import { ONEBOUND_STATUS_TEXT, type OneboundEnvelope } from './wire-types.ts';

const MAX_MESSAGE = 300;

function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Removes the provider's key/secret/api_key (raw and URL-encoded) and every URL from upstream text. */
export function scrub(text: string, provider: ProviderView): string {
  const secrets = [provider.options.key, provider.options.secret, provider.apiKey]
    .filter((s): s is string => typeof s === 'string' && s.length > 0)
    .flatMap((s) => [s, encodeURIComponent(s)])
    .sort((a, b) => b.length - a.length);
  let out = text;
  for (const s of secrets) out = out.split(s).join('***');
  out = out.replace(/\bhttps?:\/\/[^\s"'<>]*/gi, '[link removed]');
  const host = provider.baseUrl.replace(/^[a-z]+:\/\//i, '').split(/[/?#]/)[0];
  if (host) out = out.split(host).join('[upstream]');
  out = out.trim();
  return out.length > MAX_MESSAGE ? `${out.slice(0, MAX_MESSAGE)}…` : out;
}

/** '0000' for 0 / '0' / '0000'; other values as trimmed strings, numbers padded to 4 digits. */
export function normaliseCode(code: unknown): string {
  if (typeof code === 'number' && Number.isInteger(code)) return String(code).padStart(4, '0');
  if (typeof code === 'string') {
    const t = code.trim();
    return /^\d{1,3}$/.test(t) ? t.padStart(4, '0') : t;
  }
  return '';
}

/** The envelope when `text` is a JSON object carrying `error_code`, else undefined. */
export function parseEnvelope(text: string): OneboundEnvelope | undefined {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isObject(v) || !('error_code' in v)) return undefined;
  return v as OneboundEnvelope;
}

/** `response` may arrive as a JSON string; decode it when it is one. */
function responseBody(env: OneboundEnvelope): JsonValue | undefined {
  const r = env.response;
  if (typeof r === 'string' && /^\s*[[{]/.test(r)) {
    try {
      return JSON.parse(r) as JsonValue;
    } catch {
      return r;
    }
  }
  return r;
}

/** An OpenAI error object nested in `response` ({error: {message, type, code}}), if any. */
function innerError(response: JsonValue | undefined): JsonObject | undefined {
  if (!isObject(response)) return undefined;
  const e = response.error;
  if (isObject(e)) return e;
  if (typeof e === 'string' && e) return { message: e };
  return undefined;
}

function isRateLimit(inner: JsonObject | undefined): boolean {
  if (!inner) return false;
  const fields = [inner.type, inner.code, inner.message].filter((f): f is string => typeof f === 'string');
  return fields.some((f) => /rate[\s_-]*limit|rate_limit_exceeded|too many requests/i.test(f)) || inner.type === 'tokens' || inner.type === 'requests';
}

function detailOf(env: OneboundEnvelope, code: string, inner: JsonObject | undefined): string {
  const parts: string[] = [];
  for (const p of [env.error, env.reason, inner?.message]) {
    if (typeof p === 'string' && p.trim() && !parts.includes(p.trim())) parts.push(p.trim());
  }
  const status = (ONEBOUND_STATUS_TEXT as Readonly<Record<string, string>>)[code] ?? 'unknown error code';
  return `error_code ${code} (${status})${parts.length ? `: ${parts.join('; ')}` : ''}`;
}

/** Maps a non-success envelope to a GatewayError. */
export function errorFromEnvelope(env: OneboundEnvelope, provider: ProviderView, retryAfterMs?: number): GatewayError {
  const code = normaliseCode(env.error_code) || 'missing';
  const inner = innerError(responseBody(env));
  const detail = scrub(detailOf(env, code, inner), provider);
  const who = `Provider "${provider.name}" (onebound)`;
  switch (code) {
    case '4004':
    case '4005':
    case '4006':
    case '4007': {
      const base = errors.upstreamAuth(provider.name);
      return new GatewayError({
        status: base.status, type: base.type, code: base.code, retryable: base.retryable, cause: base.cause,
        message: `${who} rejected the gateway's own credentials (${detail}). Your key is fine; the gateway operator must fix providers.${provider.name}.key / secret in gateway.yaml or the onebound account.`,
      });
    }
    case '4008':
    case '4013':
      return errors.upstreamError(`${who} is rate limiting the gateway: ${detail}`, 429, true, retryAfterMs);
    case '4016':
      return errors.upstreamError(`${who} is out of balance: ${detail}`, undefined, true);
    case '4017':
      return new GatewayError({ status: 504, type: 'upstream_error', code: 'upstream_timeout', retryable: true, cause: 'timeout', message: `${who} timed out: ${detail}` });
    case '4003':
    case '4014':
      return new GatewayError({ status: 400, type: 'invalid_request_error', code: 'upstream_rejected_request', retryable: false, message: `${who} rejected the request: ${detail}` });
    case '2000':
      if (isRateLimit(inner)) return errors.upstreamError(`${who} is rate limiting the gateway: ${detail}`, 429, true, retryAfterMs);
      return errors.upstreamError(`${who} returned no result: ${detail}`, undefined, true);
    default:
      // 4000 4001 4002 4009 5000 and codes outside the table (4010 4012 4015 ...)
      return errors.upstreamError(`${who} failed: ${detail}`, undefined, true);
  }
}

function hasUsage(v: JsonValue | undefined): v is JsonObject {
  return isObject(v) && typeof v.prompt_tokens === 'number';
}

export function decodeOneboundResponse(reply: UpstreamReply, request: AdapterRequest, provider: ProviderView): DecodedResponse {
  const env = parseEnvelope(reply.text);
  if (!env) throw errors.upstreamInvalid(provider.name, 'expected an onebound envelope with error_code');
  const retryAfterMs = parseRetryAfter(reply.headers.get('retry-after'));
  const code = normaliseCode(env.error_code);
  if (code !== '0000') throw errorFromEnvelope(env, provider, retryAfterMs);

  const body = responseBody(env);
  if (!isObject(body) && !Array.isArray(body)) throw errors.upstreamInvalid(provider.name, 'success envelope without a response object');
  // A success code around an OpenAI error body is still an error.
  if (isObject(body) && innerError(body) && !('choices' in body) && !('data' in body)) {
    throw errorFromEnvelope({ ...env, error_code: '2000' }, provider, retryAfterMs);
  }
  if ((request.operation === 'chat' || request.operation === 'completions') && !(isObject(body) && Array.isArray(body.choices))) {
    throw errors.upstreamInvalid(provider.name, `${request.operation} response without choices`);
  }
  const usage = isObject(body) && hasUsage(body.usage) ? usageFromWire(body.usage as unknown as OpenAIUsageWire) : undefined;
  return usage ? { body, usage } : { body };
}

export function decodeOneboundError(reply: UpstreamReply, provider: ProviderView): GatewayError {
  const retryAfterMs = parseRetryAfter(reply.headers.get('retry-after'));
  const env = parseEnvelope(reply.text);
  if (env && normaliseCode(env.error_code) !== '0000') return errorFromEnvelope(env, provider, retryAfterMs);
  return errorFromUpstreamStatus(provider.name, reply.status, scrub(upstreamMessage(reply.text), provider), retryAfterMs);
}
