// The admin API (off unless server.admin_token is set; constant-time token compare).

import { GatewayError } from '../contracts/errors.ts';
import type { Runtime } from '../runtime/runtime.ts';
import { errorResponse, toGatewayError } from './error-response.ts';
import { checkBearer } from './bearer-token.ts';
import { newRequestId } from './handle-request.ts';
import { invalidHost, requestUrl } from './request-url.ts';
import { type TokenGuard, lockedOut, noteTokenFailure } from './token-guard.ts';

export type AdminHandler = (rt: Runtime, request: Request, url: URL) => Promise<Response | undefined>;

/** Extra admin routes registered by other modules (keys, usage, providers). */
export const adminExtensions: AdminHandler[] = [];

export function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body, null, 2), { status, headers: { 'content-type': 'application/json' } });
}

/** `guard` (the HTTP edge's): wrong tokens count per address, and an address over the limit gets 429. */
export async function handleAdmin(rt: Runtime, request: Request, guard?: TokenGuard): Promise<Response> {
  const id = newRequestId();
  const response = await adminResponse(rt, request, id, guard);
  response.headers.set('x-request-id', id);
  return response;
}

async function adminResponse(rt: Runtime, request: Request, id: string, guard?: TokenGuard): Promise<Response> {
  try {
    const badHost = invalidHost(request);
    if (badHost) throw badHost;
    const token = rt.current().adminToken;
    if (!token) throw new GatewayError({ status: 404, type: 'invalid_request_error', code: 'admin_disabled', message: 'The admin API is off. Set server.admin_token in gateway.yaml (the bundled file reads it from SWITCHYARD_ADMIN_TOKEN) and restart or save the file.' });
    const locked = lockedOut(guard);
    if (locked) throw tooManyWrongTokens(locked.retryAfterS);
    const check = checkBearer(request.headers, token, guard);
    if (check !== 'ok') {
      noteTokenFailure(rt, guard, 'invalid_admin_token', 'admin', check === 'wrong');
      const what = check === 'missing' ? 'The admin API needs' : 'Wrong admin token: the admin API needs';
      throw new GatewayError({ status: 401, type: 'authentication_error', code: 'invalid_admin_token', message: `${what} "Authorization: Bearer <server.admin_token>".` });
    }
    const url = requestUrl(request);
    if (url.pathname === '/admin/config' && request.method === 'GET') {
      const s = rt.status;
      return json(200, { hash: s.hash, file: s.file, loaded_at: new Date(s.loadedAt).toISOString(), reloads: s.reloads, last_error: s.lastError ? { at: new Date(s.lastError.at).toISOString(), problems: s.lastError.problems } : null, in_flight: rt.inFlight });
    }
    if (url.pathname === '/admin/cluster' && request.method === 'GET') {
      if (!rt.cluster) throw new GatewayError({ status: 404, type: 'invalid_request_error', code: 'cluster_disabled', message: 'The cluster view needs shared state: set storage.redis in gateway.yaml.' });
      return json(200, await rt.cluster.view());
    }
    for (const handler of adminExtensions) {
      const res = await handler(rt, request, url);
      if (res) return res;
    }
    throw new GatewayError({ status: 404, type: 'invalid_request_error', code: 'unknown_route', message: `Unknown admin path ${request.method} ${url.pathname}. See README "Admin API".` });
  } catch (err) {
    const e = toGatewayError(err, rt.log, id);
    return errorResponse(e, id);
  }
}

/** 429 for an address that sent too many wrong admin or metrics tokens (shared with the dashboard login). */
export function tooManyWrongTokens(retryAfterS: number): GatewayError {
  return new GatewayError({
    status: 429, type: 'rate_limit_error', code: 'too_many_wrong_tokens', headers: { 'retry-after': String(retryAfterS) },
    message: `Too many wrong tokens from this address; try again in ${retryAfterS} s.`,
  });
}
