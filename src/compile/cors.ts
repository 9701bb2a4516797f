// server.cors compiled once per config: the allowed origins as a set (or "any") and every header value
// already joined, so a request pays one Origin lookup when CORS is on and nothing when it is off.
// The gateway never sends Access-Control-Allow-Credentials: API clients authenticate with a key in a
// header (which a browser sends on a credential-less request), never with cookies, so "*" stays safe.

import type { CorsConfig } from '../config/types.ts';

export interface CorsPolicy {
  /** `allow_origins: ["*"]`: every origin, answered with `Access-Control-Allow-Origin: *`. */
  readonly anyOrigin: boolean;
  /** Allowed origins, normalized as browsers send them (lower-case scheme and host, no trailing slash). */
  readonly origins: ReadonlySet<string>;
  /** Access-Control-Allow-Methods of a preflight answer. */
  readonly allowMethods: string;
  /** Access-Control-Allow-Headers when the preflight names none to mirror. */
  readonly allowHeaders: string;
  /** Access-Control-Max-Age (seconds) of a preflight answer. */
  readonly maxAge: string;
  /** Access-Control-Expose-Headers of actual answers. */
  readonly exposeHeaders: string;
}

/** Every method an API surface answers (passthrough paths forward any of them). */
export const CORS_METHODS = 'GET, POST, PUT, PATCH, DELETE';

/** The request headers the surfaces and their SDKs use (the openai SDK also sends x-stainless-*, mirrored). */
export const CORS_REQUEST_HEADERS = [
  'authorization', 'content-type', 'x-api-key', 'api-key', 'anthropic-version', 'anthropic-beta',
  'anthropic-dangerous-direct-browser-access', 'x-goog-api-key', 'x-goog-api-client', 'openai-beta',
  'openai-organization', 'openai-project', 'x-switchyard-cache', 'x-switchyard-provider', 'traceparent',
].join(', ');

/** Response headers a page's script may read: the request id, rate limits, the gateway's own and Retry-After. */
export const CORS_EXPOSED_HEADERS = [
  'x-request-id', 'retry-after',
  'x-ratelimit-limit-requests', 'x-ratelimit-remaining-requests', 'x-ratelimit-reset-requests',
  'x-ratelimit-limit-tokens', 'x-ratelimit-remaining-tokens', 'x-ratelimit-reset-tokens',
  'x-switchyard-provider', 'x-switchyard-upstream-model', 'x-switchyard-attempts', 'x-switchyard-cache',
  'x-switchyard-cost-usd', 'x-switchyard-prompt-tokens', 'x-switchyard-completion-tokens', 'x-switchyard-cached-tokens',
].join(', ');

export const DEFAULT_CORS_MAX_AGE_S = 600;

/** An origin as a browser's Origin header spells it: lower-case, no trailing slash. */
export function normalizeOrigin(origin: string): string {
  return origin.trim().replace(/\/+$/, '').toLowerCase();
}

/** Undefined when server.cors is absent: no CORS headers at all, and no per-request work. */
export function compileCors(cors: CorsConfig | undefined): CorsPolicy | undefined {
  if (!cors) return undefined;
  const origins = cors.allow_origins.map(normalizeOrigin);
  return Object.freeze({
    anyOrigin: origins.includes('*'),
    origins: new Set(origins.filter((o) => o !== '*')),
    allowMethods: CORS_METHODS,
    allowHeaders: CORS_REQUEST_HEADERS,
    maxAge: String(cors.max_age_s ?? DEFAULT_CORS_MAX_AGE_S),
    exposeHeaders: CORS_EXPOSED_HEADERS,
  });
}
