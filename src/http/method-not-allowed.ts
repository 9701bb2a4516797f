// 405 for a path the gateway serves, asked with a method it does not serve there: the `Allow` header
// names the methods (RFC 9110), the body is the surface's error shape with code method_not_allowed, as
// the admin API answers. OPTIONS is answered the same way when server.cors does not take it: a 204
// without CORS headers would read as success in a browser's network panel while the page still fails.

import { GatewayError } from '../contracts/errors.ts';

/** `allow`: the methods served there; HEAD is added wherever GET is (the gateway answers HEAD as a GET without the body). */
export function methodNotAllowed(method: string, path: string, served: readonly string[]): GatewayError {
  const allow = served.includes('GET') && !served.includes('HEAD') ? [...served, 'HEAD'] : served;
  const preflight = method === 'OPTIONS'
    ? ' A browser sends OPTIONS as a CORS preflight: the gateway answers it only for origins listed in server.cors.allow_origins (README "server.cors").'
    : '';
  return new GatewayError({
    status: 405, type: 'invalid_request_error', code: 'method_not_allowed',
    message: `${method} is not supported on ${path}; use ${allow.join(' or ')}.${preflight}`,
    headers: { allow: allow.join(', ') },
  });
}
