// The response cache (ResponseCache in src/runtime/contracts.ts) over the ledger database.
//
// Key: sha256 of [scope, route, operation, path, canonical body]. The body is canonical JSON (object
// keys sorted at every depth, the public `model` included, `user` removed: it names the end user, not
// the question). scope = the key name, or '*' when `cache.shared: true`; so by default one key never
// receives an answer produced for another. The route is part of the key because protocol surfaces
// shape bodies differently (an Anthropic route stores Messages-shaped answers).
//
// Who opts in (first match wins):
//   1. the request: `x-switchyard-cache: no` always bypasses, `yes` opts in (onebound: cache=yes|no);
//   2. models.<name>.cache, then keys[].cache, then routes[].cache (true or false);
//   3. cache.enabled_by_default (default false).
// `cache.enabled: false` switches the cache off whatever anything asks. Only status 200 is stored (the
// pipeline never offers streams, multipart or passthrough calls). A database failure never fails a
// request: lookup then misses and store is skipped, both logged.

import { createHash } from 'node:crypto';
import type { CompiledGateway } from '../compile/types.ts';
import type { CacheConfig } from '../config/types.ts';
import type { Logger } from '../log.ts';
import type { CacheableCall, ResponseCache } from '../runtime/contracts.ts';
import { getCached, putCached } from '../store/cache-repo.ts';
import type { Store } from '../store/open.ts';

export const CACHE_DEFAULTS = { ttlMs: 300_000, maxBytes: 50 * 1024 * 1024 } as const;

/** Body fields left out of the cache key. */
const IGNORED_FIELDS = new Set(['user']);

/** JSON with object keys sorted at every depth (arrays keep their order). */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

export function cacheKey(call: CacheableCall, shared: boolean): string {
  const body: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(call.body)) if (!IGNORED_FIELDS.has(k)) body[k] = v;
  const material = canonicalJson([shared ? '*' : `key:${call.keyName}`, call.route, call.surface ?? 'openai', call.operation, call.path, body]);
  return createHash('sha256').update(material).digest('hex');
}

/** Does this call use the cache? (Precedence documented at the top of this file.) */
export function cacheApplies(gw: CompiledGateway, call: CacheableCall, cfg: CacheConfig = gw.config.cache ?? {}): boolean {
  if (cfg.enabled === false) return false;
  if (call.requested === 'no') return false;
  if (call.requested === 'yes') return true;
  const model = call.model !== undefined ? gw.config.models?.[call.model]?.cache : undefined;
  if (model !== undefined) return model;
  const { keys, routes } = optIns(gw);
  const key = keys.get(call.keyName);
  if (key !== undefined) return key;
  const route = routes.get(call.route);
  if (route !== undefined) return route;
  return cfg.enabled_by_default === true;
}

const optInMemo = new WeakMap<CompiledGateway, { keys: Map<string, boolean>; routes: Map<string, boolean> }>();

/** Per-key and per-route cache opt-ins of a snapshot, as maps (built once per config version). */
function optIns(gw: CompiledGateway): { keys: Map<string, boolean>; routes: Map<string, boolean> } {
  let found = optInMemo.get(gw);
  if (!found) {
    const keys = new Map<string, boolean>();
    for (const k of gw.config.keys ?? []) if (k.cache !== undefined) keys.set(k.name, k.cache);
    const routes = new Map<string, boolean>();
    for (const r of gw.config.routes ?? []) if (r.cache !== undefined) routes.set(r.path.replace(/\/+$/, '') || '/', r.cache);
    optInMemo.set(gw, (found = { keys, routes }));
  }
  return found;
}

/** The cache settings in force for one config (defaults applied), shared by every cache backend. */
export function cacheSettings(cfg: CacheConfig = {}): { cfg: CacheConfig; ttlMs: number; maxBytes: number; shared: boolean } {
  return { cfg, ttlMs: cfg.ttl_ms ?? CACHE_DEFAULTS.ttlMs, maxBytes: cfg.max_bytes ?? CACHE_DEFAULTS.maxBytes, shared: cfg.shared === true };
}

/**
 * `getConfig` picks the cache settings of a gateway snapshot (default: its top-level `cache:`), so a
 * config reload changes TTL, size bound and opt-ins without recreating the cache.
 */
export function createResponseCache(
  store: Pick<Store, 'db'>,
  getConfig: (gw: CompiledGateway) => CacheConfig | undefined = (gw) => gw.config.cache,
  log?: Logger,
): ResponseCache {
  const settings = (gw: CompiledGateway) => cacheSettings(getConfig(gw));
  return {
    applies: (gw, call) => cacheApplies(gw, call, settings(gw).cfg),

    async lookup(gw, call) {
      const s = settings(gw);
      if (!cacheApplies(gw, call, s.cfg)) return undefined;
      try {
        const entry = await getCached(store.db, cacheKey(call, s.shared));
        return entry ? { status: entry.status, body: entry.body } : undefined;
      } catch (err) {
        log?.warn('response cache lookup failed; serving uncached', { error: String((err as Error)?.message ?? err) });
        return undefined;
      }
    },

    async store(gw, call, status, body) {
      const s = settings(gw);
      if (status !== 200 || !cacheApplies(gw, call, s.cfg)) return;
      try {
        await putCached(store.db, { hash: cacheKey(call, s.shared), body, status, ttlMs: s.ttlMs }, { maxBytes: s.maxBytes });
      } catch (err) {
        log?.warn('response cache store failed', { error: String((err as Error)?.message ?? err) });
      }
    },
  };
}
