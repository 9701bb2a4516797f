// The response cache on Redis, shared by every gateway process: the same keys (cacheKey), opt-ins
// (cacheApplies), TTL and size bound as the SQL cache; entries expire by Redis TTL. An entry larger than
// a tenth of cache.max_bytes is not stored (so one answer cannot evict the rest), and Redis's own
// maxmemory policy bounds the total. A Redis failure never fails a request: lookup misses, store skips.

import type { CompiledGateway } from '../../compile/types.ts';
import type { CacheConfig } from '../../config/types.ts';
import { cacheApplies, cacheKey, cacheSettings } from '../../cache/response-cache.ts';
import type { ResponseCache } from '../../runtime/contracts.ts';
import type { RedisState } from './client.ts';

export function createRedisCache(state: RedisState, getConfig: (gw: CompiledGateway) => CacheConfig | undefined = (gw) => gw.config.cache): ResponseCache {
  const settings = (gw: CompiledGateway) => cacheSettings(getConfig(gw));
  return {
    applies: (gw, call) => cacheApplies(gw, call, settings(gw).cfg),
    async lookup(gw, call) {
      if (!state.up) return undefined;
      const text = await state.client.get(state.key('cache', cacheKey(call, settings(gw).shared)));
      if (!text) return undefined;
      const entry = JSON.parse(text) as { status: number; body: string };
      return entry;
    },
    async store(gw, call, status, body) {
      const s = settings(gw);
      if (!state.up || body.length > s.maxBytes / 10) return;
      await state.client.set(state.key('cache', cacheKey(call, s.shared)), JSON.stringify({ status, body }), 'PX', s.ttlMs);
    },
  };
}
