// The inbound request's URL. Bun hands a handler a relative url ("/v1/models") when the request has no
// Host header (HTTP/1.0) or one that is not a host[:port], and `new URL(request.url)` would throw. Such a
// request is read by its path, against a placeholder origin that nothing may show a client; a Host that
// is present but invalid is refused (400 invalid_host) by the handlers, before anything else. Hints name
// the gateway by server.public_url or a placeholder, never by the Host header (gatewayAddress).

import { GatewayError } from '../contracts/errors.ts';

/** How a hint names this gateway's base URL: never the client's Host header, which anyone can set. */
export const GATEWAY_ADDRESS = '<gateway address>';

/** The gateway's base URL for hints: the operator's server.public_url, else the GATEWAY_ADDRESS placeholder. */
export function gatewayAddress(gw: { readonly publicUrl?: string }): string {
  return gw.publicUrl ?? GATEWAY_ADDRESS;
}

/** The origin a relative url is resolved against: never shown, never used to reach anything. */
export const NO_ORIGIN = 'http://gateway.invalid';

/** The request's URL; a relative one (no usable Host) is resolved against NO_ORIGIN. */
export function requestUrl(request: Request): URL {
  return new URL(request.url, NO_ORIGIN);
}

/** The parts of a request's URL the pipeline reads. */
export interface RequestTarget {
  readonly pathname: string;
  readonly search: string;
}

/** Path characters that URL parsing leaves exactly as written: no dot segments, escapes or separators to normalise. */
const PLAIN_PATH = /^[A-Za-z0-9/_-]*$/;
/** Query characters URL parsing leaves as written (an empty `?` it drops, so it is not plain). */
const PLAIN_QUERY = /^\?[A-Za-z0-9_.~=&%+,:@/-]+$/;

/**
 * The path and query of the request, read from its absolute URL without a URL parse when the path is plain
 * (letters, digits, '/', '_', '-': nothing a parser would normalise); any other URL goes through `requestUrl`.
 */
export function requestTarget(request: Request): RequestTarget {
  const href = request.url;
  const start = href.indexOf('/', href.indexOf('//') + 2);
  if (href.charCodeAt(0) !== 47 && start > 0) {
    const q = href.indexOf('?', start);
    const pathname = q < 0 ? href.slice(start) : href.slice(start, q);
    const search = q < 0 ? '' : href.slice(q);
    if (PLAIN_PATH.test(pathname) && (search === '' || PLAIN_QUERY.test(search))) return { pathname, search };
  }
  return requestUrl(request);
}

/** 400 invalid_host for a request whose Host header is present but not a host[:port]; else undefined. */
export function invalidHost(request: Request): GatewayError | undefined {
  if (request.url.charCodeAt(0) !== 47 /* '/' */) return undefined; // Bun built an absolute URL: the Host is fine
  if (!request.headers.get('host')) return undefined; // no Host at all (HTTP/1.0): served by the path
  return new GatewayError({
    status: 400, type: 'invalid_request_error', code: 'invalid_host',
    message: 'The Host header is not a valid host name (host or host:port). Send the gateway\'s own address as Host, or no Host header with HTTP/1.0.',
  });
}
