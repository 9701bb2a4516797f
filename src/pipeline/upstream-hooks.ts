// onUpstreamRequest hooks never see the provider's credentials: they get the request the adapter built
// minus its credential headers (authorization, x-api-key, api-key, x-goog-api-key, ... and any header
// carrying a configured secret), minus credential query parameters (key=, secret=, ... or any carrying
// a secret), with secrets inside a text body replaced by a placeholder. The credentials are put back
// after the last hook, over whatever the hooks set under those names. A hook may change the path,
// query, headers and body, but not the scheme, host or port: the credentials would follow the request.

import type { AdapterRequest, UpstreamRequest } from '../contracts/adapter.ts';
import { CREDENTIAL_HEADERS } from '../compile/credentials.ts';
import type { CompiledProvider } from '../compile/types.ts';
import { invalidReturn, pluginFailure } from './plugin-failure.ts';
import { type HookScope, guard, pluginContext } from './plugin-runner.ts';

const CREDENTIAL_PARAMS = new Set(['key', 'api_key', 'apikey', 'api-key', 'secret', 'access_token', 'token']);
const PLACEHOLDER = (i: number) => `[switchyard:credential:${i}]`;

interface Stripped {
  view: UpstreamRequest;
  headers: Array<[string, string]>;
  params: Array<[string, string]>;
}

const carries = (value: string, secrets: readonly string[]) => secrets.some((s) => value.includes(s));

function strip(built: UpstreamRequest, secrets: readonly string[]): Stripped {
  const headers: Array<[string, string]> = [];
  const viewHeaders: Record<string, string> = {};
  for (const [name, value] of Object.entries(built.headers)) {
    if (CREDENTIAL_HEADERS.has(name.toLowerCase()) || carries(value, secrets)) headers.push([name, value]);
    else viewHeaders[name] = value;
  }
  const params: Array<[string, string]> = [];
  const url = built.url.includes('?') ? new URL(built.url) : undefined; // most upstream URLs have no query
  for (const [name, value] of url ? [...url.searchParams] : []) {
    if (CREDENTIAL_PARAMS.has(name.toLowerCase()) || carries(value, secrets)) params.push([name, value]);
  }
  for (const [name] of params) url!.searchParams.delete(name);
  let body = built.body;
  if (typeof body === 'string') secrets.forEach((s, i) => { if (body && (body as string).includes(s)) body = (body as string).split(s).join(PLACEHOLDER(i)); });
  return { view: { ...built, url: params.length ? url!.toString() : built.url, headers: viewHeaders, body }, headers, params };
}

function restore(out: UpstreamRequest, built: UpstreamRequest, stripped: Stripped, secrets: readonly string[]): UpstreamRequest {
  const headers: Record<string, string> = {};
  const credentialNames = new Set(stripped.headers.map(([n]) => n.toLowerCase()));
  for (const [name, value] of Object.entries(out.headers)) if (!credentialNames.has(name.toLowerCase())) headers[name] = value;
  for (const [name, value] of stripped.headers) headers[name] = value;
  let url = out.url;
  if (url === stripped.view.url) url = built.url;
  else if (stripped.params.length) {
    const u = new URL(url);
    for (const [name] of stripped.params) u.searchParams.delete(name);
    for (const [name, value] of stripped.params) u.searchParams.append(name, value);
    url = u.toString();
  }
  let body = out.body;
  if (typeof body === 'string' && body.includes('[switchyard:credential:')) secrets.forEach((s, i) => { body = (body as string).split(PLACEHOLDER(i)).join(s); });
  return { ...out, url, headers, body };
}

function origin(url: string): string | undefined {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}`;
  } catch {
    return undefined;
  }
}

/** Runs the provider's onUpstreamRequest hooks on a credential-free view, then puts the credentials back. */
export async function runUpstreamRequestHooks(provider: CompiledProvider, built: UpstreamRequest, areq: AdapterRequest, scope: HookScope): Promise<UpstreamRequest> {
  if (!provider.plugins.some((lp) => typeof lp.plugin.onUpstreamRequest === 'function')) return built;
  const secrets = provider.credentials;
  const stripped = strip(built, secrets);
  const where = origin(built.url);
  let current = stripped.view;
  let touched = false;
  for (const lp of provider.plugins) {
    const fn = lp.plugin.onUpstreamRequest;
    if (typeof fn !== 'function') continue;
    // Each hook gets its own copy: one that edits in place and returns nothing still takes effect.
    const input: UpstreamRequest = { ...current, headers: { ...current.headers } };
    const out = (await guard(lp, 'onUpstreamRequest', scope, () => fn.call(lp.plugin, input, { ...pluginContext(lp, scope), adapterRequest: areq }))) ?? input;
    const invalid = invalidReturn('onUpstreamRequest', out);
    const moved = !invalid && out.url !== input.url && !out.url.startsWith(`${where}/`) && origin(out.url) !== where;
    if (invalid || moved) {
      const failure = pluginFailure(lp, 'onUpstreamRequest', scope, invalid ? { invalid } : { refused: 'changed the upstream scheme, host or port (plugins may change the path, query, headers and body only)' });
      if (lp.failOpen) continue;
      throw failure;
    }
    current = out;
    touched = true;
  }
  return touched ? restore(current, built, stripped, secrets) : built;
}
