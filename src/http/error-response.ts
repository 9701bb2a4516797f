// Builds error responses: OpenAI-shaped body, x-request-id, Retry-After and rate-limit headers,
// then lets route plugins reshape it (onError). Unknown exceptions become a generic 500. On a route
// with a path prefix, the gateway's own hints name that route's paths ("GET /zzz/v1/models"), since
// its clients reach this gateway there.

import type { JsonValue } from '../contracts/canonical.ts';
import { GatewayError, isGatewayError } from '../contracts/errors.ts';
import type { CompiledRoute } from '../compile/types.ts';
import type { ErrorView } from '../contracts/plugin.ts';
import type { Logger } from '../log.ts';
import { sanitize } from '../pipeline/attempt.ts';
import { runChain, type HookScope } from '../pipeline/plugin-runner.ts';

export function toGatewayError(err: unknown, log: Logger, requestId: string): GatewayError {
  if (isGatewayError(err)) return err;
  log.error('unhandled error', { request_id: requestId, error: String((err as Error)?.message ?? err) });
  return new GatewayError({ status: 500, type: 'api_error', code: 'internal_error', message: `The gateway failed to handle this request. Quote request id ${requestId} to the gateway operator.` });
}

/**
 * Every error leaving the gateway is scrubbed of secrets wherever it was raised, and of URLs when its
 * text came from an upstream (the gateway's own messages may name the gateway's URL on purpose).
 */
export function scrubForClient(err: GatewayError, secrets: readonly string[]): GatewayError {
  return sanitize(err, secrets, err.cause !== undefined || err.type === 'upstream_error');
}

export function errorHeaders(err: GatewayError, requestId: string): Record<string, string> {
  const headers: Record<string, string> = { 'content-type': 'application/json', 'x-request-id': requestId, ...err.headers };
  if (err.retryAfterMs !== undefined) headers['retry-after'] = String(Math.max(1, Math.ceil(err.retryAfterMs / 1000)));
  return headers;
}

/** A gateway path in a hint: `/v1/<name>` (or Gemini's `/v1beta/<name>`) at the start, after a space, a quote or a parenthesis. */
const HINT_PATH = /(^|[\s"'(])\/(v1|v1beta)\/(?=[a-z])/g;

/**
 * Points the gateway's own hints ("GET /v1/models lists ...") at the route's prefix. Upstream text is left
 * alone: its paths are the provider's.
 */
export function hintsForRoute(err: GatewayError, routePath: string | undefined): GatewayError {
  if (!routePath || err.cause !== undefined || err.type === 'upstream_error') return err;
  const message = err.message.replace(HINT_PATH, `$1${routePath}/$2/`);
  if (message === err.message) return err;
  return new GatewayError({ status: err.status, type: err.type, code: err.code, message, param: err.param, retryable: err.retryable, cause: err.cause, retryAfterMs: err.retryAfterMs, headers: err.headers });
}

/** `shape`: the error body for the protocol surface (OpenAI's by default, Anthropic's on /v1/messages). */
export async function errorResponse(
  err: GatewayError, requestId: string, route?: CompiledRoute, scope?: HookScope, secrets: readonly string[] = [],
  shape: (e: GatewayError) => unknown = (e) => e.toBody(),
): Promise<Response> {
  err = hintsForRoute(scrubForClient(err, secrets), route?.path);
  let view: ErrorView = { status: err.status, headers: errorHeaders(err, requestId), body: shape(err) as JsonValue };
  if (route?.plugins.length && scope) {
    try {
      view = (await runChain(route.plugins, 'onError', view, scope, (h, v, ctx) => h.onError?.(v, ctx))).value;
    } catch (pluginErr) {
      const e = isGatewayError(pluginErr) ? pluginErr : err;
      return new Response(JSON.stringify(shape(hintsForRoute(scrubForClient(e, secrets), route?.path))), { status: e.status, headers: errorHeaders(e, requestId) });
    }
  }
  return new Response(view.rawBody ?? JSON.stringify(view.body), { status: view.status, headers: view.headers });
}
