// Composition of the Redis-backed live state (storage.redis): admission (limits + budgets), shared
// circuit breakers, the shared response cache, runtime-key and top-up changes broadcast to every
// process, budget views mirrored for the admin API, the cluster heartbeat, and /ready's verdict.
// Called once by attachServices; everything it creates is closed by the returned function.

import type { RedisConfig } from '../config/types.ts';
import type { BudgetTracker } from '../runtime/budgets.ts';
import type { Admission } from '../runtime/contracts.ts';
import type { Runtime } from '../runtime/runtime.ts';
import type { RuntimeKeyRegistry } from '../runtime/runtime-keys.ts';
import type { KeySpend } from '../store/spend.ts';
import { RedisAdmission } from './redis/admission.ts';
import { SharedBreakers } from './redis/breakers.ts';
import { createRedisCache } from './redis/cache.ts';
import { RedisState } from './redis/client.ts';
import { ClusterHeartbeat } from './redis/cluster.ts';
import { VIEW } from './redis/scripts.ts';

export interface RedisParts {
  budgets: BudgetTracker;
  keys: RuntimeKeyRegistry;
  local: Admission;
  loadSpend: (name: string) => Promise<KeySpend>;
}

export interface AttachedRedis {
  state: RedisState;
  /** Mirrors the shared budget counters of these keys into the local tracker (admin views). */
  syncBudgets(names: string[]): Promise<void>;
  close(): Promise<void>;
}

export async function attachRedis(rt: Runtime, cfg: RedisConfig, parts: RedisParts): Promise<AttachedRedis> {
  const state = new RedisState({ url: cfg.url, prefix: cfg.prefix ?? 'switchyard', onUnavailable: cfg.on_unavailable ?? 'reject', timeoutMs: cfg.timeout_ms ?? 250 }, rt.log);
  if (!(await state.connect())) rt.log.error('redis unavailable at start; retrying in the background', { error: state.error, on_unavailable: state.settings.onUnavailable });

  const admission = new RedisAdmission(state, { leaseTtlMs: cfg.lease_ttl_ms ?? 15_000, local: parts.local, loadSpend: parts.loadSpend, log: rt.log });
  rt.admission = admission;
  rt.breakers = new SharedBreakers(state);
  rt.cache = createRedisCache(state, (gw) => gw.config.cache);

  // Runtime keys: a change on any process is re-read from the (shared) store by every other one.
  const origin = `${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  parts.keys.onChange = (name) => void state.publish('keys', { name, from: origin }).catch(() => {});
  state.on('keys', (m) => {
    if (m.from !== origin && typeof m.name === 'string') void parts.keys.reload(m.name).catch((err: unknown) => rt.log.warn('runtime key reload failed', { error: String((err as Error)?.message ?? err) }));
  });
  // Top-ups: the shared account takes the new adjustment (an unseeded one reads it from SQL when seeded).
  parts.budgets.onAdjust = (name, adjust) => {
    const key = state.key('budget', name);
    void state.client.eval("if redis.call('HEXISTS', KEYS[1], 'spent') == 1 then redis.call('HSET', KEYS[1], 'adjust', ARGV[1]) end return 1", 1, key, adjust).catch(() => {});
  };
  // After an outage, change events may have been missed: re-read every runtime key.
  let wasUp = state.up;
  const watch = setInterval(() => {
    if (state.up && !wasUp) void parts.keys.reloadAll().catch(() => {});
    wasUp = state.up;
  }, 500);
  watch.unref?.();

  const cluster = new ClusterHeartbeat(state, () => ({ hash: rt.status.hash, inFlight: rt.inFlight }));
  rt.cluster = cluster;
  rt.readiness.set('redis', () => {
    if (state.up) return { ready: true, status: 'ok' };
    const message = `redis unavailable (${state.error || 'not connected'})`;
    return state.settings.onUnavailable === 'reject'
      ? { ready: false, status: 'unavailable', message }
      : { ready: true, status: 'degraded', message: `${message}; serving with per-process limits (on_unavailable: allow)` };
  });

  return {
    state,
    async syncBudgets(names) {
      if (!state.up || names.length === 0) return;
      // One script per key (reservations of dead processes dropped first), sent together.
      const replies = await Promise.all(names.map((n) => state.run(VIEW, [state.key('live'), state.key('budget', n)], []).catch(() => null)));
      replies.forEach((values, i) => {
        const [spent, adjust, reserved] = (values ?? []) as Array<string | null>;
        if (spent !== null && spent !== undefined) parts.budgets.mirror(names[i], { spentMicros: Number(spent), adjustMicros: Number(adjust ?? 0), reservedMicros: Number(reserved ?? 0) });
      });
    },
    async close() {
      clearInterval(watch);
      admission.close();
      await cluster.close();
      await state.close();
    },
  };
}
