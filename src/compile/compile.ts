// Compiles a validated config into an immutable CompiledGateway: adapters and plugins loaded,
// model targets resolved into priority tiers, prices and multipliers precomputed, keys digested.

import type { ProviderView } from '../contracts/adapter.ts';
import type { JsonValue } from '../contracts/canonical.ts';
import type { GatewayConfig, ProviderConfig } from '../config/types.ts';
import { loadAdapter } from './adapter-registry.ts';
import { compileKeys } from './keys.ts';
import { compileModels } from './models.ts';
import { CompileError, loadPlugins } from './plugin-loader.ts';
import type { CompiledGateway, CompiledGroup, CompiledProvider, CompiledRoute, LoadedPlugin, RoutingPolicy } from './types.ts';

// Default retry set: 408, 409, 429, every 5xx, timeouts and network faults.
const DEFAULT_RETRY_ON: Array<number | 'timeout' | 'network'> = [408, 409, 429, ...Array.from({ length: 100 }, (_, i) => 500 + i), 'timeout', 'network'];

export interface CompileInput {
  config: GatewayConfig;
  hash: string;
  file: string;
  baseDir: string;
}

export interface CompileOutput {
  gateway: CompiledGateway;
  /** User code files (plugins, custom adapters) the watcher must also watch. */
  codeFiles: string[];
}

export async function compileGateway({ config, hash, file, baseDir }: CompileInput): Promise<CompileOutput> {
  const routing = compileRouting(config);
  const { plugins, files: pluginFiles } = await loadPlugins(config, baseDir);
  const codeFiles = [...pluginFiles];
  const pick = (names: readonly string[] | undefined): LoadedPlugin[] => (names ?? []).map((n) => plugins.get(n)!).filter(Boolean);

  const providers = new Map<string, CompiledProvider>();
  for (const [name, pc] of Object.entries(config.providers)) {
    const { adapter, file: adapterFile } = await loadAdapter(pc.adapter, baseDir).catch((err: unknown) => {
      throw new CompileError(`provider ${name}: ${(err as Error).message}`, ['providers', name, 'adapter']);
    });
    if (adapterFile) codeFiles.push(adapterFile);
    providers.set(name, Object.freeze({
      name,
      adapter,
      view: providerView(name, pc),
      timeoutMs: pc.timeout_ms ?? routing.timeoutMs,
      maxConnections: pc.max_connections ?? config.routing?.max_connections ?? 1024,
      maxResponseBytes: pc.max_response_bytes ?? config.routing?.max_response_bytes ?? 64 * 1024 * 1024,
      maxEventBytes: pc.max_event_bytes ?? config.routing?.max_event_bytes ?? 8 * 1024 * 1024,
      plugins: pick(pc.plugins),
      modelMap: modelMapOf(pc),
      passthrough: (pc.passthrough ?? []).map((p) => '/' + p.replace(/^\/+|\/+$/g, '').replace(/^v1\//, '')),
    }));
  }

  const models = compileModels(config, providers);
  const groups = new Map<string, CompiledGroup>([['default', { name: 'default', multiplier: 1 }]]);
  for (const [name, g] of Object.entries(config.groups ?? {})) groups.set(name, { name, multiplier: g.multiplier ?? 1, limits: g.limits });

  const globalPlugins = pick(config.global_plugins);
  const routes: CompiledRoute[] = (config.routes ?? [])
    .map((r) => ({ path: r.path.replace(/\/+$/, '') || '/', protocol: r.protocol ?? 'openai', plugins: [...globalPlugins, ...pick(r.plugins)] }))
    .sort((a, b) => b.path.length - a.path.length);

  const passthrough = [...providers.values()]
    .flatMap((provider) => provider.passthrough.map((prefix) => ({ prefix, provider })))
    .sort((a, b) => b.prefix.length - a.prefix.length);

  const gateway: CompiledGateway = {
    hash,
    file,
    loadedAt: Date.now(),
    config: deepFreeze(structuredClone(config)),
    providers,
    models,
    modelNames: [...models.keys()].sort(),
    keysByDigest: compileKeys(config),
    groups,
    routes,
    defaultRoute: { path: '', protocol: 'openai', plugins: globalPlugins },
    routing,
    globalLimits: config.limits?.global,
    maxBodyBytes: config.server?.max_body_bytes ?? 20 * 1024 * 1024,
    adminToken: config.server?.admin_token || undefined,
    metrics: {
      enabled: config.server?.metrics?.enabled ?? true,
      token: config.server?.metrics?.token || config.server?.admin_token || undefined,
    },
    trustProxy: config.server?.trust_proxy ?? false,
    exposeUpstream: config.server?.expose_upstream ?? true,
    passthrough,
    secrets: collectSecrets(config),
  };
  return { gateway: Object.freeze(gateway), codeFiles };
}

function compileRouting(config: GatewayConfig): RoutingPolicy {
  const r = config.routing ?? {};
  return {
    timeoutMs: r.timeout_ms ?? 120_000,
    retries: r.retry?.attempts ?? 2,
    retryOn: new Set(r.retry?.on ?? DEFAULT_RETRY_ON),
    breakerFailures: r.circuit_breaker?.failures ?? 5,
    breakerCooldownMs: r.circuit_breaker?.cooldown_ms ?? 30_000,
    backoffMs: r.retry?.backoff_ms ?? 250,
    maxWaitMs: r.retry?.max_wait_ms ?? 5_000,
  };
}

function providerView(name: string, pc: ProviderConfig): ProviderView {
  return Object.freeze({
    name,
    baseUrl: (pc.base_url ?? '').replace(/\/+$/, ''),
    apiKey: pc.api_key,
    headers: Object.freeze({ ...(pc.headers ?? {}) }),
    options: deepFreeze(structuredClone(pc) as Record<string, JsonValue>),
  });
}

function modelMapOf(pc: ProviderConfig): Map<string, string> {
  const models = pc.models ?? [];
  return new Map(Array.isArray(models) ? models.map((m) => [m, m]) : Object.entries(models));
}

function collectSecrets(config: GatewayConfig): string[] {
  const secrets = new Set<string>();
  const add = (v: unknown) => { if (typeof v === 'string' && v.length >= 6) secrets.add(v); };
  for (const p of Object.values(config.providers)) {
    add(p.api_key); add(p.key); add(p.secret);
    for (const [name, value] of Object.entries(p.headers ?? {})) if (/auth|key|token|secret|cookie/i.test(name)) add(value);
  }
  for (const k of config.keys ?? []) add(k.key);
  add(config.server?.admin_token);
  add(config.storage?.auth_token);
  return [...secrets].sort((a, b) => b.length - a.length);
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}
