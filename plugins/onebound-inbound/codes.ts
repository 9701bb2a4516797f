// onebound error codes (seed 001, 错误码解释) and the mapping from Switchyard's errors to them, for the
// onebound-inbound plugin (clients written for onebound's URL pointing at Switchyard unchanged).

import { ONEBOUND_STATUS_TEXT, type OneboundCode } from '../../adapters/onebound/wire-types.ts';

export { ONEBOUND_STATUS_TEXT, type OneboundCode };

/** A request the onebound surface cannot accept; `code` goes into the envelope's error_code. */
export class OneboundError extends Error {
  readonly code: OneboundCode;
  constructor(code: OneboundCode, message: string) {
    super(message);
    this.name = 'OneboundError';
    this.code = code;
  }
}

export function isOneboundError(value: unknown): value is OneboundError {
  return value instanceof OneboundError || (typeof value === 'object' && value !== null && (value as { name?: unknown }).name === 'OneboundError');
}

/**
 * Switchyard error (HTTP status + GatewayError code) → onebound error_code. First match wins:
 *   upstream_timeout (or 504)                       → 4017
 *   upstream_error, upstream_* (incl. upstream_auth_failed: the client's key is fine) → 4002
 *   rate_limit_exceeded                             → 4008
 *   insufficient_quota                              → 4016
 *   missing_api_key / invalid_api_key / expired_api_key, any 401 → 4005
 *   model_not_allowed / ip_not_allowed, any 403     → 4005 (授权失败 = authorisation failed; 4006/4007
 *                                                     would wrongly say the API or account is stopped)
 *   unknown_route, unknown_method                   → 4010
 *   missing_* / *_required (a parameter is absent)  → 4014
 *   invalid_value, invalid_json, model_not_found and any other 400/404/413/415/422 → 4003
 *   any other 429 → 4008; 502/503 → 4002; everything else → 4000
 */
export function gatewayErrorToOnebound(status: number, code: string): OneboundCode {
  if (code === 'upstream_timeout' || status === 504) return '4017';
  if (code === 'upstream_error' || code.startsWith('upstream_')) return '4002';
  if (code === 'rate_limit_exceeded') return '4008';
  if (code === 'insufficient_quota') return '4016';
  if (status === 401 || status === 403 || /^(missing|invalid|expired)_api_key$/.test(code)) return '4005';
  if (code === 'unknown_route' || code === 'unknown_method') return '4010';
  if (/^missing_|_required$/.test(code)) return '4014';
  if (code === 'invalid_value' || code === 'invalid_json' || [400, 404, 413, 415, 422].includes(status)) return '4003';
  if (status === 429) return '4008';
  if (status === 502 || status === 503) return '4002';
  return '4000';
}
