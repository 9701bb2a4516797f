// Admin API for operators (and the dashboard), registered through admin-api.ts after the token check:
//   GET  /admin/timeseries?window=1h|24h|7d   time-bucketed requests, errors, tokens, spend (and per key)
//   GET  /admin/providers                      per target: breaker state, recent error rate, latency, last error;
//                                              per provider: the upstream account balance (providers.X.balance)
//   POST /admin/providers/{name}/test          one minimal request per upstream model (?model= to narrow)
//   POST /admin/providers/{name}/balance       reads the provider's account balance now (providers.X.balance)
//   GET  /admin/config/compiled                the compiled view (models → targets, prices, limits), masked

import { GatewayError } from '../contracts/errors.ts';
import type { LedgerServices } from '../runtime/ledger-services.ts';
import type { Runtime } from '../runtime/runtime.ts';
import { applyCheck, checkId } from '../ops/check-outcome.ts';
import { configView } from '../ops/config-view.ts';
import { checkTarget, providerTargets } from '../ops/provider-check.ts';
import { targetStats } from '../store/attempt-stats.ts';
import { ledgerTimeSeries, WINDOWS, type SeriesWindow } from '../store/timeseries.ts';
import { json } from './admin.ts';
import { badRequest } from './admin-input.ts';
import { safeDecode } from './openai-paths.ts';

/** Window of the "recent" provider stats. */
export const RECENT_MS = 15 * 60_000;

export async function handleOps(rt: Runtime, s: LedgerServices, request: Request, url: URL, path: string): Promise<Response | undefined> {
  const method = request.method;
  if (path === '/admin/timeseries' && method === 'GET') {
    const window = url.searchParams.get('window') ?? '24h';
    if (!Object.hasOwn(WINDOWS, window)) throw badRequest('window', `Unknown window "${window}"; use ${Object.keys(WINDOWS).join(', ')}.`);
    await s.writer.flush().catch(() => {});
    const series = await ledgerTimeSeries(s.store, window as SeriesWindow);
    return json(200, { object: 'timeseries', ...series, in_flight: rt.inFlight });
  }
  if (path === '/admin/providers' && method === 'GET') return json(200, { object: 'list', data: await providers(rt, s) });
  if (path === '/admin/config/compiled' && method === 'GET') return json(200, { object: 'config', ...configView(rt.current()) });
  const balance = /^\/admin\/providers\/([^/]+)\/balance$/.exec(path);
  if (balance) {
    if (method !== 'POST') throw new GatewayError({ status: 405, type: 'invalid_request_error', code: 'method_not_allowed', message: `${method} is not supported on ${path}; use POST.` });
    return checkBalance(rt, safeDecode(balance[1]));
  }
  const test = /^\/admin\/providers\/([^/]+)\/test$/.exec(path);
  if (test) {
    if (method !== 'POST') throw new GatewayError({ status: 405, type: 'invalid_request_error', code: 'method_not_allowed', message: `${method} is not supported on ${path}; use POST.` });
    return testProvider(rt, safeDecode(test[1]), url.searchParams.get('model'));
  }
  return undefined;
}

async function checkBalance(rt: Runtime, name: string): Promise<Response> {
  if (!rt.current().providers.has(name)) {
    throw new GatewayError({ status: 404, type: 'invalid_request_error', code: 'provider_not_found', message: `There is no provider named "${name}". GET /admin/providers lists them.` });
  }
  const view = await rt.balances?.checkNow(name);
  if (!view) throw badRequest('provider', `Provider "${name}" has no balance check; set providers.${name}.balance in gateway.yaml.`);
  return json(200, { object: 'provider_balance', provider: name, balance: view });
}

async function testProvider(rt: Runtime, name: string, model: string | null): Promise<Response> {
  const gw = rt.current();
  const provider = gw.providers.get(name);
  if (!provider) {
    throw new GatewayError({ status: 404, type: 'invalid_request_error', code: 'provider_not_found', message: `There is no provider named "${name}". GET /admin/providers lists them.` });
  }
  const entries = providerTargets(gw, provider, model ? [model] : undefined);
  if (!entries.length) throw badRequest('model', model ? `Provider "${name}" serves no model "${model}".` : `Provider "${name}" serves no model, so there is nothing to test.`);
  const results = [];
  for (const entry of entries) {
    const id = checkId();
    const result = await checkTarget(gw, rt.log, entry, id);
    applyCheck(rt, gw, { ...result, id }, '(provider-test)', entry.target.breakerKey);
    results.push({ id, ...result });
  }
  return json(200, { object: 'provider_test', provider: name, ok: results.every((r) => r.ok), results });
}

async function providers(rt: Runtime, s: LedgerServices) {
  const gw = rt.current();
  await s.writer.flush().catch(() => {});
  const stats = await targetStats(s.store, Date.now() - RECENT_MS);
  const breakers = new Map(rt.breakers.snapshot().map((b) => [b.key, b]));
  const targets = new Map<string, { provider: string; upstream_model: string; models: Set<string> }>();
  for (const model of gw.models.values()) {
    for (const t of model.tiers.flat()) {
      const entry = targets.get(t.breakerKey) ?? { provider: t.provider.name, upstream_model: t.upstreamModel, models: new Set<string>() };
      entry.models.add(model.name);
      targets.set(t.breakerKey, entry);
    }
  }
  for (const key of breakers.keys()) {
    if (!targets.has(key)) targets.set(key, { provider: key.split('/')[0], upstream_model: key.slice(key.indexOf('/') + 1), models: new Set() });
  }
  const iso = (ms: number) => new Date(ms).toISOString();
  return [...gw.providers.values()].map((p) => ({
    provider: p.name,
    adapter: p.adapter.id,
    balance: rt.balances?.view(p.name) ?? null,
    targets: [...targets.entries()].filter(([, t]) => t.provider === p.name).map(([key, t]) => {
      const b = breakers.get(key);
      const st = stats.get(key);
      return {
        upstream_model: t.upstream_model, models: [...t.models].sort(), state: b?.state ?? 'closed',
        consecutive_failures: b?.consecutiveFailures ?? 0, open_for_ms: b?.openForMs ?? 0, recent_error_rate: b?.recentErrorRate ?? 0,
        recent: {
          window_ms: RECENT_MS, attempts: st?.attempts ?? 0, errors: st?.errors ?? 0, error_rate: st?.error_rate ?? 0,
          avg_latency_ms: st?.avg_latency_ms ?? null, max_latency_ms: st?.max_latency_ms ?? null,
        },
        last_error: st?.last_error ? { at: iso(st.last_error.at), status: st.last_error.status, code: st.last_error.code } : null,
      };
    }),
  }));
}
