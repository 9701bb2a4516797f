// GET /metrics: the Prometheus text exposition, behind server.metrics.token (or the admin token).
// Off (404) when server.metrics.enabled is false or no token is configured: metrics name keys,
// models and spend, which are not for anonymous eyes.

import { GatewayError } from '../contracts/errors.ts';
import { checkBearer } from './bearer-token.ts';
import type { Runtime } from '../runtime/runtime.ts';
import { errorResponse } from './error-response.ts';
import { newRequestId } from './handle-request.ts';
import { invalidHost } from './request-url.ts';
import { tooManyWrongTokens } from './admin.ts';
import { type TokenGuard, lockedOut, noteTokenFailure } from './token-guard.ts';

export async function handleMetrics(rt: Runtime, request: Request, guard?: TokenGuard): Promise<Response> {
  const id = newRequestId();
  const badHost = invalidHost(request);
  if (badHost) return errorResponse(badHost, id);
  const { enabled, token } = rt.current().metrics;
  if (!enabled || !token || !rt.metrics) {
    return errorResponse(new GatewayError({ status: 404, type: 'invalid_request_error', code: 'metrics_disabled', message: 'Metrics are off. Set server.metrics.token (or server.admin_token) in gateway.yaml and scrape /metrics with "Authorization: Bearer <token>".' }), id);
  }
  const locked = lockedOut(guard);
  if (locked) return errorResponse(tooManyWrongTokens(locked.retryAfterS), id);
  const check = checkBearer(request.headers, token, guard);
  if (check !== 'ok') {
    noteTokenFailure(rt, guard, 'invalid_metrics_token', 'metrics', check === 'wrong');
    const what = check === 'missing' ? '/metrics needs' : 'Wrong metrics token: /metrics needs';
    return errorResponse(new GatewayError({ status: 401, type: 'authentication_error', code: 'invalid_metrics_token', message: `${what} "Authorization: Bearer <server.metrics.token>" (or the admin token when no metrics token is set).` }), id);
  }
  return new Response(await rt.metrics.text(), { headers: { 'content-type': rt.metrics.contentType, 'x-request-id': id } });
}
