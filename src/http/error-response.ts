// Builds error responses: OpenAI-shaped body, x-request-id, Retry-After and rate-limit headers,
// then lets route plugins reshape it (onError). Unknown exceptions become a generic 500.

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

/** `shape`: the error body for the protocol surface (OpenAI's by default, Anthropic's on /v1/messages). */
export async function errorResponse(
  err: GatewayError, requestId: string, route?: CompiledRoute, scope?: HookScope, secrets: readonly string[] = [],
  shape: (e: GatewayError) => unknown = (e) => e.toBody(),
): Promise<Response> {
  err = scrubForClient(err, secrets);
  let view: ErrorView = { status: err.status, headers: errorHeaders(err, requestId), body: shape(err) as JsonValue };
  if (route?.plugins.length && scope) {
    try {
      view = (await runChain(route.plugins, 'onError', view, scope, (h, v, ctx) => h.onError?.(v, ctx))).value;
    } catch (pluginErr) {
      const e = isGatewayError(pluginErr) ? pluginErr : err;
      return new Response(JSON.stringify(shape(scrubForClient(e, secrets))), { status: e.status, headers: errorHeaders(e, requestId) });
    }
  }
  return new Response(view.rawBody ?? JSON.stringify(view.body), { status: view.status, headers: view.headers });
}
