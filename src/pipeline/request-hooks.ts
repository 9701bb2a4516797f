// Route onRequest hooks never see the client's credentials: they get the inbound request without its
// Authorization, x-api-key, api-key and x-goog-api-key headers and without ?key= / ?api_key=, and the
// credentials are put back after them (over anything a hook set under those names), so authentication
// still uses what the client sent. A plugin that translates another API's way of sending keys (e.g.
// onebound's ?secret=) declares `readsCredentials: true`: it gets the request as sent, and whatever
// credentials its rewritten request carries are the ones that authenticate.

import type { LoadedPlugin } from '../compile/types.ts';
import { invalidReturn, pluginFailure } from './plugin-failure.ts';
import { type HookScope, guard, pluginContext } from './plugin-runner.ts';

const HEADERS = ['authorization', 'x-api-key', 'api-key', 'x-goog-api-key'];
const PARAMS = ['key', 'api_key'];

interface Credentials {
  headers: Array<[string, string]>;
  params: Array<[string, string]>;
}

function extract(req: Request, url: URL): Credentials {
  const headers: Array<[string, string]> = [];
  for (const name of HEADERS) {
    const v = req.headers.get(name);
    if (v !== null) headers.push([name, v]);
  }
  const params: Array<[string, string]> = [];
  for (const name of PARAMS) for (const v of url.searchParams.getAll(name)) params.push([name, v]);
  return { headers, params };
}

/**
 * A new request with `creds` removed (strip) or set (restore); the body moves to it. Always a new object:
 * a plugin may keep the request it was given (or returned) and read it later, after the credentials are
 * back on the request the gateway serves.
 */
function rebuild(req: Request, creds: Credentials, mode: 'strip' | 'restore'): Request {
  const headers = new Headers(req.headers);
  for (const [name] of creds.headers) headers.delete(name);
  if (mode === 'restore') for (const [name, value] of creds.headers) headers.set(name, value);
  if (!creds.params.length) return new Request(req, { headers });
  const url = new URL(req.url);
  for (const [name] of creds.params) url.searchParams.delete(name);
  if (mode === 'restore') for (const [name, value] of creds.params) url.searchParams.append(name, value);
  const hasBody = req.body !== null && req.method !== 'GET' && req.method !== 'HEAD';
  return new Request(url, { method: req.method, headers, body: hasBody ? req.body : null, signal: req.signal, duplex: 'half' } as RequestInit);
}

/** Runs the route's onRequest hooks; returns the request to serve, or the Response a hook answered with. */
export async function runRequestHooks(plugins: readonly LoadedPlugin[], request: Request, scope: HookScope): Promise<Request | Response> {
  const hooked = plugins.filter((lp) => typeof lp.plugin.onRequest === 'function');
  if (!hooked.length) return request;
  let creds = extract(request, new URL(request.url));
  const hidden = () => creds.headers.length > 0 || creds.params.length > 0;
  let current = hidden() ? rebuild(request, creds, 'strip') : request;
  for (const lp of hooked) {
    const reads = lp.plugin.readsCredentials === true;
    const input = reads && hidden() ? rebuild(current, creds, 'restore') : current;
    const out = await guard(lp, 'onRequest', scope, () => lp.plugin.onRequest!(input, pluginContext(lp, scope)));
    if (out !== undefined && out !== null) {
      const invalid = invalidReturn('onRequest', out);
      if (invalid) {
        const failure = pluginFailure(lp, 'onRequest', scope, { invalid });
        if (!lp.failOpen) throw failure;
      } else if (out instanceof Response) {
        return out;
      }
    }
    const next = out instanceof Request ? out : input;
    if (reads) {
      // What this plugin hands on is the request as the client meant it, credentials included.
      creds = extract(next, new URL(next.url));
      current = hidden() ? rebuild(next, creds, 'strip') : next;
    } else {
      current = next;
    }
  }
  return hidden() ? rebuild(current, creds, 'restore') : current;
}
