// CORS on the API surfaces (server.cors, compiled by src/compile/cors.ts). A browser's preflight from an
// allowed origin is answered 204 here, before the pipeline (no key, no ledger row); every other answer to
// an allowed origin gets Access-Control-Allow-Origin and Expose-Headers. A disallowed origin gets no CORS
// header at all, so the browser blocks the page. The caller skips all of this when CORS is off.

import type { CorsPolicy } from '../compile/cors.ts';
import { requestTarget } from './request-url.ts';

/** Paths that are never API surfaces, in any spelling the catch-all may see (`/METRICS`, `/admin/`, `/ready/x`). */
const NOT_API = /^\/(?:health|ready|metrics|admin|dashboard)(?:\/|$)/i;
const notApi = (request: Request): boolean => NOT_API.test(requestTarget(request).pathname);

/** A request-headers list safe to mirror: header-name tokens, commas and spaces, bounded. */
const HEADER_LIST = /^[A-Za-z0-9!#$%&'*+.^_`|~, \t-]{1,2000}$/;

/** The Access-Control-Allow-Origin value for `origin`, or undefined when it is not allowed. */
function allowOrigin(policy: CorsPolicy, origin: string): string | undefined {
  if (policy.anyOrigin) return '*';
  return policy.origins.has(origin) || policy.origins.has(origin.toLowerCase()) ? origin : undefined;
}

/**
 * The 204 answer to a browser preflight from an allowed origin, or undefined (not a preflight, not an API
 * path, or an origin not allowed: the request then goes on and gets the method's usual 405).
 */
export function preflight(policy: CorsPolicy, request: Request): Response | undefined {
  const origin = request.headers.get('origin');
  if (origin === null || !request.headers.has('access-control-request-method')) return undefined;
  const allowed = allowOrigin(policy, origin);
  if (allowed === undefined || notApi(request)) return undefined;
  // Mirroring what the page asked for covers every SDK's own headers (x-stainless-*, ...).
  const asked = request.headers.get('access-control-request-headers');
  const headers = new Headers({
    'access-control-allow-origin': allowed,
    'access-control-allow-methods': policy.allowMethods,
    'access-control-allow-headers': asked !== null && HEADER_LIST.test(asked) ? asked : policy.allowHeaders,
    'access-control-max-age': policy.maxAge,
    vary: allowed === '*' ? 'Access-Control-Request-Headers' : 'Origin, Access-Control-Request-Headers',
  });
  return new Response(null, { status: 204, headers });
}

/** Adds the CORS headers for an allowed origin to an actual answer (errors and streams included). */
export function withCors(policy: CorsPolicy, request: Request, response: Response): Response {
  const origin = request.headers.get('origin');
  if (notApi(request)) return response;
  // Without an Origin the answer still varies by it (a cache must not hand it to a browser's request).
  const allowed = origin === null ? undefined : allowOrigin(policy, origin);
  try {
    apply(response.headers, policy, allowed);
    return response;
  } catch {
    // Immutable headers (a plugin returned a fetch() answer): the same body under a copy of them.
    const copy = new Response(response.body, response);
    apply(copy.headers, policy, allowed);
    return copy;
  }
}

function apply(headers: Headers, policy: CorsPolicy, allowed: string | undefined): void {
  // The answer differs by Origin unless every origin is allowed: caches must keep them apart.
  if (!policy.anyOrigin) headers.append('vary', 'Origin');
  if (allowed === undefined) return;
  headers.set('access-control-allow-origin', allowed);
  headers.set('access-control-expose-headers', policy.exposeHeaders);
}
