// The compiled config as the dashboard's Config page shows it: models → targets, prices (USD per 1M
// tokens), limits, providers, keys and groups. Built field by field from the compiled gateway, never by
// dumping the config, so secrets cannot leak: provider keys, client keys and header values are masked,
// base URLs lose their query strings. Models without a price are flagged (they bill $0).

import type { CompiledGateway, CompiledModel, CompiledProvider } from '../compile/types.ts';
import { maskSecret, redact } from '../upstream/redact.ts';
import { balanceSettings } from './balance-kinds.ts';

const masked = (v: unknown) => (typeof v === 'string' && v ? maskSecret(v) : null);

/** A provider's balance check as compiled (its own key masked), or null. */
function balanceView(provider: CompiledProvider | undefined) {
  const s = provider && balanceSettings(provider);
  return s ? { kind: s.kind, every_ms: s.everyMs, warn_below: s.warnBelow ?? null, currency: s.currency ?? null, api_key: masked(s.apiKey) } : null;
}

export function isUnpriced(model: CompiledModel): boolean {
  const p = model.price;
  return !(p.input > 0 || p.output > 0 || p.perRequestMicros > 0);
}

export function configView(gw: CompiledGateway) {
  const config = gw.config;
  const models = [...gw.models.values()].map((m) => ({
    name: m.name,
    targets: m.tiers.flat().map((t) => ({ provider: t.provider.name, upstream_model: t.upstreamModel, priority: t.priority, weight: t.weight })),
    price_per_1m_usd: { input: m.price.input, output: m.price.output, cached_input: m.price.cachedInput, cache_write: m.price.cacheWrite },
    per_request_usd: m.price.perRequestMicros / 1e6,
    unpriced: isUnpriced(m),
    fallbacks: m.fallbacks,
    max_output_tokens: m.maxOutputTokens,
    limits: m.limits ?? null,
  })).sort((a, b) => a.name.localeCompare(b.name));
  const providers = Object.entries(config.providers).map(([name, pc]) => ({
    name,
    adapter: pc.adapter,
    base_url: pc.base_url ? redact(pc.base_url.split('?')[0], gw.secrets) : null,
    api_key: masked(pc.api_key),
    headers: Object.keys(pc.headers ?? {}),
    timeout_ms: gw.providers.get(name)?.timeoutMs ?? null,
    plugins: pc.plugins ?? [],
    passthrough: pc.passthrough ?? [],
    balance: balanceView(gw.providers.get(name)),
  }));
  const keys = (config.keys ?? []).map((k) => ({
    name: k.name, group: k.group ?? 'default', key: k.key ? masked(k.key) : k.key_sha256 ? 'sha256:…' : null,
    budget_usd: k.budget ?? null, expires_at: k.expires_at ?? null, models: k.models ?? null, allow_ips: k.allow_ips ?? null, limits: k.limits ?? null,
  }));
  const groups = [...gw.groups.values()].map((g) => ({ name: g.name, multiplier: g.multiplier, limits: g.limits ?? null }));
  const r = gw.routing;
  return {
    hash: gw.hash,
    file: gw.file,
    loaded_at: new Date(gw.loadedAt).toISOString(),
    models,
    unpriced_models: models.filter((m) => m.unpriced).map((m) => m.name),
    providers,
    keys,
    groups,
    limits: { global: gw.globalLimits ?? null, models: config.limits?.models ?? {} },
    routing: {
      timeout_ms: r.timeoutMs, retries: r.retries, retry_on: [...r.retryOn], breaker_failures: r.breakerFailures, breaker_cooldown_ms: r.breakerCooldownMs,
      health_check: config.routing?.health_check ?? null,
    },
    admin_token: masked(gw.adminToken),
    observability: { otlp: otlpView(gw) },
  };
}

/** OTLP export settings: the endpoint without credentials or query, header names only. */
function otlpView(gw: CompiledGateway) {
  const o = gw.config.observability?.otlp;
  if (!o) return null;
  let endpoint = '(invalid URL)';
  try {
    const u = new URL(o.endpoint);
    endpoint = redact(`${u.protocol}//${u.host}${u.pathname}`, gw.secrets);
  } catch {
    // schema-checked; kept defensive
  }
  return { endpoint, headers: Object.keys(o.headers ?? {}), service_name: o.service_name ?? 'switchyard' };
}
