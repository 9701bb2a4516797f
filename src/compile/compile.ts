// Compiles a validated config into an immutable CompiledGateway: adapters and plugins loaded,
// model targets resolved into priority tiers, prices and multipliers precomputed, keys digested.

import type { Adapter, ProviderView } from '../contracts/adapter.ts';
import type { JsonValue } from '../contracts/canonical.ts';
import type { GatewayConfig, ProviderConfig } from '../config/types.ts';
import { BUILTIN_ADAPTERS, loadAdapter } from './adapter-registry.ts';
import { providerFieldsOf } from '../config/provider-fields.ts';
import { type CodeLoad, beginLoad, staticLoad } from './fresh-import.ts';
import { compileKeys } from './keys.ts';
import { compileModels } from './models.ts';
import { CompileError, loadPlugins } from './plugin-loader.ts';
import { providerCredentials } from './credentials.ts';
import { createAuthorizer } from '../upstream/auth/authorizer.ts';
import type { CompiledGateway, CompiledGroup, CompiledProvider, CompiledRoute, LoadedPlugin, RoutingPolicy } from './types.ts';
import { compileCors } from './cors.ts';
import { groupAccount } from '../store/spend-accounts.ts';
import { compileClientAddress } from '../http/client-address.ts';

// Default retry set: 402 (no credit on that provider), 408, 409, 429, every 5xx, timeouts and network faults.
const DEFAULT_RETRY_ON: Array<number | 'timeout' | 'network'> = [402, 408, 409, 429, ...Array.from({ length: 100 }, (_, i) => 500 + i), 'timeout', 'network'];

export interface CompileInput {
  config: GatewayConfig;
  hash: string;
  file: string;
  baseDir: string;
  /** Told which user code files this compile loaded, also when it fails (so the watcher can watch them). */
  onCodeFiles?: (files: string[]) => void;
  /** `validate`: check user plugins and adapters statically, run none of their code (default false). */
  staticCode?: boolean;
  /** Environment for adapters' `envDefaults` (default: process.env). */
  env?: Record<string, string | undefined>;
}

export interface CompileOutput {
  gateway: CompiledGateway;
  /** User code files (plugins, custom adapters) the watcher must also watch. */
  codeFiles: string[];
}

export async function compileGateway(input: CompileInput): Promise<CompileOutput> {
  const code = input.staticCode ? staticLoad() : beginLoad();
  try {
    return await compileWith(input, code);
  } finally {
    code.done();
    input.onCodeFiles?.([...code.files]);
  }
}

async function compileWith({ config, hash, file, baseDir, env = process.env }: CompileInput, code: CodeLoad): Promise<CompileOutput> {
  const routing = compileRouting(config);
  const { plugins } = await loadPlugins(config, baseDir, code);
  const pick = (names: readonly string[] | undefined): LoadedPlugin[] => (names ?? []).map((n) => plugins.get(n)!).filter(Boolean);

  const providers = new Map<string, CompiledProvider>();
  const views: ProviderView[] = [];
  for (const [name, pc] of Object.entries(config.providers)) {
    const { adapter } = await loadAdapter(pc.adapter, baseDir, code).catch((err: unknown) => {
      throw new CompileError(`provider ${name}: ${(err as Error).message}`, ['providers', name, 'adapter']);
    });
    // Built-in adapters' fields were checked with the rest of the file; a user adapter's only now that it ran.
    if (code.runs && !BUILTIN_ADAPTERS.includes(pc.adapter)) {
      const [problem] = providerFieldsOf(name, pc, adapter);
      if (problem) throw new CompileError(problem.message, problem.keyOf ? [...problem.path, problem.keyOf] : problem.path);
    }
    const view = providerView(name, pc, adapter, env);
    const timeoutMs = pc.timeout_ms ?? routing.timeoutMs;
    let auth;
    try {
      const spec = adapter.upstreamAuth?.(view);
      auth = spec ? createAuthorizer(spec, name, timeoutMs) : undefined;
    } catch (err) {
      throw new CompileError(`provider ${name}: ${(err as Error).message}`, ['providers', name]);
    }
    views.push(view);
    providers.set(name, Object.freeze({
      name,
      adapter,
      view,
      credentials: providerCredentials(view),
      auth,
      timeoutMs,
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
  for (const [name, g] of Object.entries(config.groups ?? {})) {
    (g.providers ?? []).forEach((p, i) => {
      if (!providers.has(p)) throw new CompileError(`group ${name} lists unknown provider "${p}"; declared providers: ${[...providers.keys()].join(', ')}`, ['groups', name, 'providers', i]);
    });
    const budget = g.budget === undefined ? undefined : { name: groupAccount(name), budgetMicros: Math.round(g.budget * 1e6) };
    groups.set(name, { name, multiplier: g.multiplier ?? 1, limits: g.limits, providers: g.providers ? new Set(g.providers) : undefined, budget });
  }

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
    confirmedKeys: new Map(),
    groups,
    routes,
    defaultRoute: { path: '', protocol: 'openai', plugins: globalPlugins },
    routing,
    globalLimits: config.limits?.global,
    maxBodyBytes: config.server?.max_body_bytes ?? 20 * 1024 * 1024,
    bodyTimeoutMs: config.server?.body_timeout_ms ?? 60_000,
    adminToken: config.server?.admin_token || undefined,
    metrics: {
      enabled: config.server?.metrics?.enabled ?? true,
      token: config.server?.metrics?.token || config.server?.admin_token || undefined,
    },
    clientAddress: compileClientAddress(config.server?.trust_proxy, config.server?.client_ip_header),
    exposeUpstream: config.server?.expose_upstream ?? true,
    publicUrl: config.server?.public_url?.replace(/\/+$/, '') || undefined,
    cors: compileCors(config.server?.cors),
    passthrough,
    secrets: collectSecrets(config, views),
  };
  // Plugins, adapters and every user file they import (helpers too): the watcher reloads on any of them.
  return { gateway: Object.freeze(gateway), codeFiles: [...code.files] };
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

/** The adapter's view of its provider block; options it left out are filled from `envDefaults`. */
function providerView(name: string, pc: ProviderConfig, adapter: Adapter, env: Record<string, string | undefined>): ProviderView {
  const options = structuredClone(pc) as Record<string, JsonValue>;
  for (const [option, variable] of Object.entries(adapter.envDefaults ?? {})) {
    const value = env[variable];
    if (options[option] === undefined && value) options[option] = value;
  }
  return Object.freeze({
    name,
    baseUrl: (pc.base_url ?? '').replace(/\/+$/, ''),
    apiKey: pc.api_key,
    headers: Object.freeze({ ...(pc.headers ?? {}) }),
    options: deepFreeze(options),
  });
}

/** Secret-looking provider options at any depth (keys, tokens, private keys; not their URLs or ids). */
const SECRET_OPTION = /key|secret|token|password|credential|service_account/i;
const NOT_SECRET_OPTION = /(_uri|_url|_id)$/i;

function addSecretOptions(value: JsonValue, add: (v: unknown) => void, secretKey = false): void {
  if (typeof value === 'string') {
    if (!secretKey) return;
    add(value);
    if (value.trimStart().startsWith('{')) {
      try {
        addSecretOptions(JSON.parse(value) as JsonValue, add); // a JSON credential given as a string
      } catch {
        // not JSON
      }
    }
  } else if (Array.isArray(value)) {
    for (const item of value) addSecretOptions(item, add, secretKey);
  } else if (value && typeof value === 'object') {
    for (const [key, inner] of Object.entries(value)) {
      addSecretOptions(inner, add, key !== 'key_id' && SECRET_OPTION.test(key) && !NOT_SECRET_OPTION.test(key));
    }
  }
}

function modelMapOf(pc: ProviderConfig): Map<string, string> {
  const models = pc.models ?? [];
  return new Map(Array.isArray(models) ? models.map((m) => [m, m]) : Object.entries(models));
}

function collectSecrets(config: GatewayConfig, views: readonly ProviderView[]): string[] {
  const secrets = new Set<string>();
  const add = (v: unknown) => { if (typeof v === 'string' && v.length >= 6) secrets.add(v); };
  for (const view of views) addSecretOptions(view.options as JsonValue, add);
  for (const p of Object.values(config.providers)) {
    add(p.api_key); add(p.key); add(p.secret);
    for (const [name, value] of Object.entries(p.headers ?? {})) if (/auth|key|token|secret|cookie/i.test(name)) add(value);
  }
  for (const k of config.keys ?? []) add(k.key);
  add(config.server?.admin_token);
  add(config.storage?.auth_token);
  // OTLP collector headers are credentials (an API key, a basic-auth pair): every value is a secret.
  // An `<scheme> <credential>` value (Bearer, Basic, Api-Key) also masks the credential on its own.
  for (const value of Object.values(config.observability?.otlp?.headers ?? {})) {
    add(value);
    add(/^\S+\s+(\S+)$/.exec(value)?.[1]);
  }
  return [...secrets].sort((a, b) => b.length - a.length);
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}
