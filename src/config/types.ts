// TypeScript shape of gateway.yaml after interpolation and schema validation.
// schema/gateway.schema.json is the authority (and the user docs); keep the two in step.

import type { JsonValue } from '../contracts/canonical.ts';

export interface LimitSpec {
  /** Requests per minute. */
  rpm?: number;
  /** Tokens per minute (prompt estimate + max output, corrected with actual usage). */
  tpm?: number;
  /** Requests in flight at once. */
  concurrency?: number;
}

export interface ServerConfig {
  host?: string;
  port?: number;
  admin_token?: string;
  trust_proxy?: boolean | string[];
  client_ip_header?: string;
  /** GET /metrics (Prometheus): on by default, behind `token` or else the admin token. */
  metrics?: { enabled?: boolean; token?: string; max_key_labels?: number };
  /** One log line per finished request (default true). */
  request_log?: boolean;
  /** Largest accepted request body in bytes (default 20 MiB). */
  max_body_bytes?: number;
  /** How long a client may take to send its request body, in ms (default 60000). */
  body_timeout_ms?: number;
  /** How long SIGTERM waits for in-flight requests, in ms (default 30000). */
  drain_timeout_ms?: number;
  /** How long the event loop may be stuck before `switchyard start` kills the process, in ms (default 30000; 0 off). */
  stall_exit_ms?: number;
  /** Worker processes sharing the port under one supervisor (default 1; >1 needs storage.redis). */
  workers?: number;
  /** The URL clients reach the gateway at, named in base_url hints (absent: `<gateway address>`). */
  public_url?: string;
  /** Show provider names and upstream error text to clients (default true). */
  expose_upstream?: boolean;
  /** CORS for browser clients on the API surfaces (absent: no CORS headers). */
  cors?: CorsConfig;
}

/** `server.cors`: which page origins may call the API surfaces from a browser. */
export interface CorsConfig {
  /** Origins like `https://chat.example.com`, or `["*"]` for any. */
  allow_origins: string[];
  /** How long a browser may cache a preflight answer, in seconds (default 600). */
  max_age_s?: number;
}

export interface StorageConfig {
  url?: string;
  auth_token?: string;
  /** Ledger flush interval in ms (default 200). */
  flush_ms?: number;
  /** Ledger rows held while the database is unreachable; at the bound new requests get 503 (default 100000). */
  buffer_rows?: number;
  /** PostgreSQL: most pooled connections per process (default 10). */
  pool_size?: number;
  /** Shared live state for several gateway processes or replicas. */
  redis?: RedisConfig;
}

export interface RedisConfig {
  url: string;
  prefix?: string;
  on_unavailable?: 'reject' | 'allow';
  timeout_ms?: number;
  lease_ttl_ms?: number;
}

export interface ProviderConfig {
  adapter: string;
  base_url?: string;
  api_key?: string;
  headers?: Record<string, string>;
  models?: string[] | Record<string, string>;
  weight?: number;
  priority?: number;
  timeout_ms?: number;
  /** Upstream requests in flight at once (default routing.max_connections, 1024). */
  max_connections?: number;
  /** Largest non-stream answer in bytes (default routing.max_response_bytes). */
  max_response_bytes?: number;
  /** Largest stream event or line in bytes (default routing.max_event_bytes). */
  max_event_bytes?: number;
  plugins?: string[];
  /** Passthrough prefixes (below /v1) this provider serves, e.g. ["/files", "/batches"]. */
  passthrough?: string[];
  /** Periodic upstream account balance check (`true` = the adapter's default kind, every 10 minutes). */
  balance?: boolean | BalanceConfig;
  /** Adapter-specific fields (api_version, key, secret, mock behaviour, ...). */
  [adapterField: string]: JsonValue | undefined;
}

/** providers.<name>.balance as an object (see src/ops/balance-kinds.ts for the kinds). */
export type BalanceConfig = {
  /** Which vendor API to read; default from the adapter (openai: openai_billing; presets: presets.json). */
  kind?: 'openai_billing' | 'deepseek' | 'moonshot' | 'siliconflow' | 'openrouter_key' | 'openrouter_credits';
  /** How often to check, in ms (default 600000, at least 60000). */
  every_ms?: number;
  /** One warning log line when the balance drops below this amount (in the reported currency). */
  warn_below?: number;
  /** Currency code to report (kinds whose answer names none) or to pick (deepseek's list). */
  currency?: string;
  /** Another key for the balance call only (e.g. an OpenRouter management key); default api_key. */
  api_key?: string;
};

export interface PriceConfig {
  input?: number;
  output?: number;
  cached_input?: number;
  cache_write?: number;
  per_request?: number;
  /** USD per 1M characters, for per-character APIs (DeepL). */
  per_million_characters?: number;
}

export interface TargetConfig {
  provider: string;
  model?: string;
  weight?: number;
  priority?: number;
}

export interface ModelConfig {
  targets?: TargetConfig[];
  price?: PriceConfig;
  fallbacks?: string[];
  /** Default max output tokens used for budget reservation when a request sets none. */
  max_output_tokens?: number;
  /** Response cache opt-in (true) / opt-out (false) for this model. */
  cache?: boolean;
}

export interface GroupConfig {
  multiplier?: number;
  /** Providers this group's keys may reach (One API's channel groups); absent = all. */
  providers?: string[];
  limits?: LimitSpec;
  /** USD shared by every key of the group (One API's user quota), on top of each key's own budget; absent = none. */
  budget?: number;
}

export interface KeyConfig {
  name: string;
  key?: string;
  key_sha256?: string;
  group?: string;
  budget?: number;
  expires_at?: string;
  models?: string[];
  allow_ips?: string[];
  limits?: LimitSpec;
  /** Response cache opt-in (true) / opt-out (false) for this key. */
  cache?: boolean;
  /** May pin a request to one provider with the x-switchyard-provider header or a `<key>-<provider>` suffix. */
  can_pin?: boolean;
}

export interface LimitsConfig {
  global?: LimitSpec;
  models?: Record<string, LimitSpec>;
}

export interface RoutingConfig {
  timeout_ms?: number;
  max_connections?: number;
  max_response_bytes?: number;
  max_event_bytes?: number;
  retry?: { attempts?: number; on?: Array<number | 'timeout' | 'network'>; backoff_ms?: number; max_wait_ms?: number };
  circuit_breaker?: { failures?: number; cooldown_ms?: number };
  /** Active health checks (src/ops/health-checks.ts). */
  health_check?: { interval_ms: number; model?: string };
}

export interface PluginConfig {
  module: string;
  options?: Record<string, JsonValue>;
  /** When true, a failing hook is logged and skipped instead of failing the request. */
  fail_open?: boolean;
  timeout_ms?: number;
}

export interface RouteConfig {
  path: string;
  /** Inbound protocol (a surface under src/protocols/; 'openai' is the default). */
  protocol?: 'openai' | 'anthropic' | 'responses' | 'gemini';
  plugins?: string[];
  /** Response cache opt-in (true) / opt-out (false) for this route. */
  cache?: boolean;
}

/** Top-level `cache:` (response cache); see schema/gateway.schema.json. */
export interface CacheConfig {
  /** Master switch (default true). */
  enabled?: boolean;
  /** Cache every eligible call unless a more specific setting says no (default false). */
  enabled_by_default?: boolean;
  /** Default 300000. */
  ttl_ms?: number;
  /** Default 50 MiB. */
  max_bytes?: number;
  /** Share entries across keys (default false: scoped per key name). */
  shared?: boolean;
}

export interface ObservabilityConfig {
  /** OpenTelemetry trace export over OTLP/HTTP JSON: one span per finished request (off when absent). */
  otlp?: {
    endpoint: string;
    headers?: Record<string, string>;
    service_name?: string;
    flush_ms?: number;
    max_queue?: number;
    max_batch?: number;
    timeout_ms?: number;
  };
}

export interface GatewayConfig {
  version: 1;
  server?: ServerConfig;
  storage?: StorageConfig;
  providers: Record<string, ProviderConfig>;
  models?: Record<string, ModelConfig>;
  groups?: Record<string, GroupConfig>;
  keys?: KeyConfig[];
  limits?: LimitsConfig;
  routing?: RoutingConfig;
  plugins?: Record<string, PluginConfig>;
  /** Plugin names applied to every route (before route plugins). */
  global_plugins?: string[];
  routes?: RouteConfig[];
  cache?: CacheConfig;
  observability?: ObservabilityConfig;
}
