// Asks a provider for its own model list (an adapter's buildModelListRequest, e.g. Ollama's GET
// /api/tags) and compares it with the models gateway.yaml serves from that provider: what
// `switchyard models <provider>` prints, so a user can copy names instead of guessing them.

import type { CompiledProvider } from '../compile/types.ts';
import { errors } from '../contracts/errors.ts';
import { callUpstream } from './call.ts';

export interface ModelListReport {
  /** Model ids the upstream reports, sorted. */
  upstream: string[];
  /** Upstream id → the public names gateway.yaml serves it under. */
  servedAs: Map<string, string[]>;
  /** Public name → upstream id, for configured models the upstream does not have. */
  missing: Array<{ name: string; upstream: string }>;
}

export async function upstreamModelList(provider: CompiledProvider): Promise<ModelListReport> {
  const { adapter } = provider;
  if (!adapter.buildModelListRequest || !adapter.decodeModelList) {
    throw new Error(`provider "${provider.name}" (adapter ${adapter.id}) cannot list its upstream models`);
  }
  let request = adapter.buildModelListRequest(provider.view);
  const signal = new AbortController().signal;
  if (provider.auth) request = await provider.auth.authorize(request, signal);
  const call = await callUpstream(request, { provider: provider.name, timeoutMs: provider.timeoutMs, signal });
  const reply = { status: call.response.status, headers: call.response.headers, text: await call.text() };
  if (reply.status < 200 || reply.status >= 300) throw adapter.decodeError(reply, provider.view);
  let ids: string[];
  try {
    ids = adapter.decodeModelList(reply, provider.view);
  } catch {
    throw errors.upstreamInvalid(provider.name, 'the model list could not be read');
  }
  const upstream = [...new Set(ids)].sort();
  const servedAs = new Map<string, string[]>();
  const missing: ModelListReport['missing'] = [];
  const known = new Set(upstream);
  // Ollama treats "name" and "name:latest" as the same model.
  const has = (id: string) => known.has(id) || known.has(`${id}:latest`);
  for (const [name, id] of provider.modelMap) {
    if (has(id)) {
      const key = known.has(id) ? id : `${id}:latest`;
      servedAs.set(key, [...(servedAs.get(key) ?? []), name]);
    } else missing.push({ name, upstream: id });
  }
  return { upstream, servedAs, missing };
}
