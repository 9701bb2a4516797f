// CompiledGateway: the immutable, request-ready form of one config version. Everything a request
// needs is precomputed here (targets, prices in micro-dollars, key digests, plugin chains).

import type { Adapter, ProviderView } from '../contracts/adapter.ts';
import type { JsonObject } from '../contracts/canonical.ts';
import type { Plugin } from '../contracts/plugin.ts';
import type { GatewayConfig, LimitSpec } from '../config/types.ts';
import type { UpstreamAuthorizer } from '../upstream/auth/authorizer.ts';
import type { CorsPolicy } from './cors.ts';
import type { ClientAddressRule } from '../http/client-address.ts';

export interface LoadedPlugin {
  readonly name: string;
  readonly plugin: Plugin<JsonObject>;
  readonly options: JsonObject;
  readonly failOpen: boolean;
  readonly timeoutMs: number;
}

export interface CompiledProvider {
  readonly name: string;
  readonly adapter: Adapter;
  readonly view: ProviderView;
  readonly timeoutMs: number;
  /** Upstream requests in flight at once before new ones overflow (503 upstream_overloaded). */
  readonly maxConnections: number;
  /** Largest buffered (non-stream) answer in bytes. */
  readonly maxResponseBytes: number;
  /** Largest single SSE event (or line) in bytes. */
  readonly maxEventBytes: number;
  readonly plugins: readonly LoadedPlugin[];
  /** Secret values of this provider (keys, secrets, credential headers): hidden from plugin hooks. */
  readonly credentials: readonly string[];
  /** Public model name → upstream model name. */
  readonly modelMap: ReadonlyMap<string, string>;
  /** Passthrough path prefixes below /v1 this provider serves. */
  readonly passthrough: readonly string[];
  /** Credentials applied after provider plugins (SigV4, service-account token), when the adapter has any. */
  readonly auth?: UpstreamAuthorizer;
}

export interface Target {
  readonly provider: CompiledProvider;
  readonly upstreamModel: string;
  readonly weight: number;
  readonly priority: number;
  /** Circuit-breaker key: provider + upstream model. */
  readonly breakerKey: string;
}

/** Prices in micro-dollars per token (= USD per 1M tokens) and per request. */
export interface Price {
  readonly input: number;
  readonly output: number;
  readonly cachedInput: number;
  /** Prompt tokens written to a provider cache (defaults to the input price). */
  readonly cacheWrite: number;
  readonly perRequestMicros: number;
  /** Micro-dollars per character (= USD per 1M characters), for per-character APIs. */
  readonly characters?: number;
}

export interface CompiledModel {
  readonly name: string;
  /** Targets grouped by priority, lowest priority value first. */
  readonly tiers: readonly (readonly Target[])[];
  readonly price: Price;
  /** Where the price came from: 'config' (gateway.yaml), 'catalog:<entry>' (price-catalog.json) or 'none'. */
  readonly priceSource: 'config' | 'none' | `catalog:${string}`;
  readonly fallbacks: readonly string[];
  /** Output tokens reserved per choice when a request sets no cap (max_output_tokens, default 4096). */
  readonly maxOutputTokens: number;
  /**
   * max_output_tokens when set in gateway.yaml: for keys with a budget, the most output a request may ask
   * for; the gateway lowers (or sets) the request's cap to it, so the reservation is a hard bound.
   */
  readonly outputCap?: number;
  readonly limits?: LimitSpec;
}

export interface CompiledKey {
  readonly name: string;
  readonly digest: string;
  readonly group: string;
  readonly budgetMicros?: number;
  readonly expiresAt?: number;
  readonly modelPatterns?: readonly RegExp[];
  readonly allowIps?: readonly string[];
  readonly limits?: LimitSpec;
  /** May pin requests to one provider with the x-switchyard-provider header. */
  readonly canPin?: boolean;
  readonly source: 'config' | 'runtime';
  /** Set on a revoked runtime key: it still resolves, so the caller gets `revoked_api_key`. */
  readonly revokedAt?: number;
}

export interface CompiledGroup {
  readonly name: string;
  readonly multiplier: number;
  /** Providers this group's keys may reach (absent: all). */
  readonly providers?: ReadonlySet<string>;
  readonly limits?: LimitSpec;
  /**
   * The group's shared budget (groups.<name>.budget) as a budget account: its name is the reserved spend
   * account (`@group:<name>`, see store/spend.ts), never a key's name. Absent = the group has no budget.
   */
  readonly budget?: { readonly name: string; readonly budgetMicros: number };
}

export interface CompiledRoute {
  readonly path: string;
  /** The inbound protocol (`routes[].protocol`): 'openai' or a surface registered in src/protocols/index.ts. */
  readonly protocol: string;
  readonly plugins: readonly LoadedPlugin[];
}

export interface RoutingPolicy {
  readonly timeoutMs: number;
  /** Extra attempts after the first one. */
  readonly retries: number;
  readonly retryOn: ReadonlySet<number | 'timeout' | 'network'>;
  readonly breakerFailures: number;
  readonly breakerCooldownMs: number;
  /** Base delay before the same target is retried (doubled per retry, jittered). */
  readonly backoffMs: number;
  /** Longest total wait between attempts of one request (backoff + upstream Retry-After). */
  readonly maxWaitMs: number;
}

export interface CompiledGateway {
  readonly hash: string;
  readonly file: string;
  readonly loadedAt: number;
  readonly config: Readonly<GatewayConfig>;
  readonly providers: ReadonlyMap<string, CompiledProvider>;
  readonly models: ReadonlyMap<string, CompiledModel>;
  /** Sorted public model names (for /v1/models). */
  readonly modelNames: readonly string[];
  readonly keysByDigest: ReadonlyMap<string, CompiledKey>;
  /**
   * Config keys already confirmed on this snapshot, by the string a client sent (filled by authenticate.ts
   * after a digest match, bounded there): a reload compiles a new, empty one.
   */
  readonly confirmedKeys: Map<string, CompiledKey>;
  readonly groups: ReadonlyMap<string, CompiledGroup>;
  readonly routes: readonly CompiledRoute[];
  /** The default OpenAI surface (global plugins only). */
  readonly defaultRoute: CompiledRoute;
  readonly routing: RoutingPolicy;
  readonly globalLimits?: LimitSpec;
  readonly maxBodyBytes: number;
  /** Deadline for reading one request body (server.body_timeout_ms). */
  readonly bodyTimeoutMs: number;
  readonly adminToken?: string;
  /** GET /metrics: off, or the bearer token it needs (server.metrics.token, else the admin token). */
  readonly metrics: { readonly enabled: boolean; readonly token?: string };
  /** server.trust_proxy and server.client_ip_header: where the client's address comes from. */
  readonly clientAddress: ClientAddressRule;
  /** server.expose_upstream: provider names and upstream error text may reach clients. */
  readonly exposeUpstream: boolean;
  /** server.public_url without a trailing slash: how hints name the gateway (undefined: a placeholder). */
  readonly publicUrl?: string;
  /** server.cors compiled (src/compile/cors.ts); undefined = CORS off, no headers added. */
  readonly cors?: CorsPolicy;
  /** Provider names serving passthrough prefixes, longest prefix first. */
  readonly passthrough: ReadonlyArray<{ prefix: string; provider: CompiledProvider }>;
  /** Every secret in this config (provider keys, client keys), for redaction. */
  readonly secrets: readonly string[];
}
