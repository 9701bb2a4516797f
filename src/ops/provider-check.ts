// Provider checks (One API's "channel test"): a minimal request to each upstream model a provider
// serves, through the same attempt path user requests take (adapter, provider plugins, upstream call,
// decode, secrets scrubbed), reporting status, latency and the first error. Used by
// `switchyard providers:test`, `POST /admin/providers/{name}/test` and the active health checks.

import type { CompiledGateway, CompiledProvider, Target } from '../compile/types.ts';
import { isGatewayError } from '../contracts/errors.ts';
import type { Logger } from '../log.ts';
import { attemptTarget } from '../pipeline/attempt.ts';
import type { Exchange, InboundCall } from '../pipeline/types.ts';

export interface CheckResult {
  provider: string;
  /** Public model names served by this upstream model. */
  models: string[];
  upstream_model: string;
  ok: boolean;
  status: number;
  latency_ms: number;
  /** The first error, scrubbed of secrets and URLs (null when ok). */
  error: string | null;
  code: string | null;
}

/** The distinct targets of one provider, with the public models each serves. */
export function providerTargets(gw: CompiledGateway, provider: CompiledProvider, only?: readonly string[]): Array<{ target: Target; models: string[] }> {
  const byKey = new Map<string, { target: Target; models: string[] }>();
  for (const model of gw.models.values()) {
    for (const t of model.tiers.flat()) {
      if (t.provider !== provider) continue;
      if (only?.length && !only.includes(model.name) && !only.includes(t.upstreamModel)) continue;
      const entry = byKey.get(t.breakerKey) ?? { target: t, models: [] };
      entry.models.push(model.name);
      byKey.set(t.breakerKey, entry);
    }
  }
  return [...byKey.values()];
}

function probeCall(provider: CompiledProvider, model: string): InboundCall {
  const chat = provider.adapter.supports('chat');
  return chat
    ? { operation: 'chat', path: '/chat/completions', search: '', method: 'POST', model, stream: false, includeUsage: false, body: { model, messages: [{ role: 'user', content: 'ping' }], max_tokens: 1 } }
    : { operation: 'embeddings', path: '/embeddings', search: '', method: 'POST', model, stream: false, includeUsage: false, body: { model, input: 'ping' } };
}

/** Checks one target; never throws. */
export async function checkTarget(gw: CompiledGateway, log: Logger, entry: { target: Target; models: string[] }, id: string, timeoutMs = 15_000, cancel?: AbortSignal): Promise<CheckResult> {
  const { target, models } = entry;
  const started = Date.now();
  const signal = cancel ? AbortSignal.any([cancel, AbortSignal.timeout(timeoutMs)]) : AbortSignal.timeout(timeoutMs);
  const ex: Exchange = {
    id, startedAt: started, gw, route: gw.defaultRoute, clientIp: '127.0.0.1', signal, attempts: [], detached: false, leave: () => {},
    scope: { requestId: id, route: '(provider-check)', keyName: '(provider-check)', signal, log, secrets: gw.secrets, states: new Map() },
  };
  const base = { provider: target.provider.name, models, upstream_model: target.upstreamModel };
  try {
    const result = await attemptTarget(ex, probeCall(target.provider, models[0]), target);
    if (result.kind === 'stream') result.source.cancel();
    if (result.kind === 'raw') await result.response.body?.cancel();
    const status = result.kind === 'raw' ? result.response.status : result.kind === 'json' ? result.status : 200;
    return { ...base, ok: true, status, latency_ms: Date.now() - started, error: null, code: null };
  } catch (err) {
    if (cancel?.aborted) return { ...base, ok: false, status: 499, latency_ms: Date.now() - started, error: 'the check was cancelled (gateway stopping)', code: 'check_cancelled' };
    if (signal.aborted) return { ...base, ok: false, status: 504, latency_ms: Date.now() - started, error: `no answer within ${Math.round(timeoutMs / 1000)} s`, code: 'upstream_timeout' };
    const e = isGatewayError(err) ? err : undefined;
    return {
      ...base, ok: false, status: e?.status ?? 500, latency_ms: Date.now() - started,
      error: e ? e.message : 'the adapter could not build or decode the check request', code: e?.code ?? 'adapter_error',
    };
  }
}

/** Checks every target of a provider (sequentially: a check must not look like a burst). */
export async function checkProvider(gw: CompiledGateway, log: Logger, provider: CompiledProvider, idOf: () => string, only?: readonly string[]): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  for (const entry of providerTargets(gw, provider, only)) results.push(await checkTarget(gw, log, entry, idOf()));
  return results;
}
