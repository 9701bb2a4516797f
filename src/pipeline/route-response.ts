// The last step of every non-stream answer: route plugins' onResponse, then the Response.

import type { JsonValue } from '../contracts/canonical.ts';
import type { ResponseView } from '../contracts/plugin.ts';
import { runChain } from './plugin-runner.ts';
import type { Exchange } from './types.ts';

/** A JSON answer built outside serveModelCall (models list, balance), passed through route plugins' onResponse. */
export async function routeJson(ex: Exchange, response: Response): Promise<Response> {
  if (!ex.route.plugins.length) return response;
  return (await routeResponse(ex, response.status, Object.fromEntries(response.headers), (await response.json()) as JsonValue)).response;
}

/** Route plugins' onResponse, then the JSON response (or the plugins' `rawBody`, e.g. XML). */
export async function routeResponse(ex: Exchange, status: number, headers: Record<string, string>, body: JsonValue): Promise<{ response: Response }> {
  let raw: string | undefined;
  if (ex.route.plugins.length) {
    const view = (await runChain(ex.route.plugins, 'onResponse', { status, headers: { ...headers }, body } as ResponseView, ex.scope, (h, v, ctx) => h.onResponse?.(v, ctx))).value;
    body = view.body;
    status = view.status;
    raw = view.rawBody;
    Object.assign(headers, view.headers);
  }
  headers['content-type'] ??= 'application/json';
  return { response: new Response(raw ?? JSON.stringify(body), { status, headers }) };
}
