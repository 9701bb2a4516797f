// What a plugin failure looks like: the client gets 500 plugin_error (or plugin_timeout) naming the
// plugin, the hook and the request id, never the exception's text (it can carry paths, SQL or secrets);
// the message and stack go to the log under the same request id. Also checks hook return values, so a
// hook that returns garbage fails as that plugin, not as an anonymous crash further down the pipeline.

import { GatewayError } from '../contracts/errors.ts';
import type { LoadedPlugin } from '../compile/types.ts';
import type { Logger } from '../log.ts';

export interface FailureScope {
  requestId: string;
  log: Logger;
}

type Kind = { threw: unknown } | { timedOutMs: number } | { invalid: string } | { refused: string };

/** Logs the failure with its details and returns the client-safe error (callers throw it unless fail_open). */
export function pluginFailure(lp: LoadedPlugin, hook: string, scope: FailureScope, kind: Kind): GatewayError {
  const fields: Record<string, string | number | boolean | undefined> = { plugin: lp.name, hook, request_id: scope.requestId, fail_open: lp.failOpen };
  let what: string;
  if ('threw' in kind) {
    const err = kind.threw;
    fields.error = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
    fields.stack = err instanceof Error ? err.stack : undefined;
    what = `failed in ${hook}`;
  } else if ('timedOutMs' in kind) {
    what = `did not finish ${hook} within ${kind.timedOutMs} ms`;
  } else if ('invalid' in kind) {
    fields.error = `returned an invalid value: ${kind.invalid}`;
    what = `returned an invalid value from ${hook}`;
  } else {
    fields.error = kind.refused;
    what = `${kind.refused} in ${hook}`;
  }
  scope.log.error('plugin failed', fields);
  const timedOut = 'timedOutMs' in kind;
  return new GatewayError({
    status: 500, // DESIGN §5: a plugin failure is the gateway's fault (500), whether it threw or hung
    type: 'api_error',
    code: timedOut ? 'plugin_timeout' : 'plugin_error',
    message: `Plugin "${lp.name}" ${what} (request ${scope.requestId}). The details are in the gateway log under this request id; the gateway operator should fix the plugin or set plugins.${lp.name}.fail_open.`,
  });
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const stringValues = (v: unknown) => isObject(v) && Object.values(v).every((x) => typeof x === 'string');
const statusOk = (v: unknown) => typeof v === 'number' && Number.isInteger(v) && v >= 100 && v <= 599;

/** Why a hook's (non-null) return value cannot be used, or undefined when it is fine. */
export function invalidReturn(hook: string, value: unknown): string | undefined {
  switch (hook) {
    case 'onRequest':
      return value instanceof Request || value instanceof Response ? undefined : 'expected a Request, a Response or nothing';
    case 'onCanonicalRequest':
      return isObject(value) && isObject(value.body) ? undefined : 'expected { operation, body } with an object body';
    case 'onUpstreamRequest':
      return isObject(value) && typeof value.url === 'string' && typeof value.method === 'string' && stringValues(value.headers)
        ? undefined : 'expected { url, method, headers (string values), body }';
    case 'onUpstreamResponse':
      return isObject(value) && statusOk(value.status) && value.headers instanceof Headers && typeof value.text === 'string'
        ? undefined : 'expected { status, headers (Headers), text }';
    case 'onResponse':
    case 'onError':
      return isObject(value) && statusOk(value.status) && stringValues(value.headers) && (value.rawBody === undefined || typeof value.rawBody === 'string')
        ? undefined : 'expected { status (100-599), headers (string values), body, rawBody? }';
    case 'onStreamEvent':
      return isObject(value) && Array.isArray(value.choices) ? undefined : 'expected a chunk with a choices array, null (drop) or nothing';
    case 'onUpstreamStreamEvent':
      return isObject(value) && typeof value.data === 'string' && (value.event === undefined || typeof value.event === 'string')
        ? undefined : 'expected { data (string), event? (string) }, null (drop) or nothing';
    default:
      return undefined;
  }
}
