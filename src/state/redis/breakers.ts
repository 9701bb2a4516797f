// Circuit breakers shared through Redis. Each process keeps its local breakers (the hot path stays a
// Map lookup); failures are also counted in Redis (INCR with the cooldown as TTL), so N failures seen by
// ANY process open the breaker, and the opening (or a probe's success closing it) is published to every
// process at once. Redis being away degrades to per-process breakers, which is always safe.

import { CircuitBreakers } from '../../pipeline/circuit-breakers.ts';
import type { RedisState } from './client.ts';

interface BreakerEvent {
  key: string;
  open: boolean;
  ms?: number;
  /** The opening's last failure was the upstream's overload (a 529): peers answer in the overload shape too. */
  overload?: boolean;
  from: string;
}

export class SharedBreakers extends CircuitBreakers {
  private readonly node = `${process.pid}-${Math.random().toString(36).slice(2, 8)}`;

  constructor(private readonly state: RedisState) {
    super();
    state.on('breakers', (m) => {
      const e = m as unknown as BreakerEvent;
      if (e.from === this.node || typeof e.key !== 'string') return;
      if (e.open) {
        super.forceOpen(e.key, Number(e.ms) || 0);
        if (e.overload === true) super.markOverload(e.key);
      } else super.forceClose(e.key);
    });
  }

  override failure(key: string, threshold: number, cooldownMs: number, retryAfterMs?: number, now = Date.now(), count = true, overload = false): void {
    super.failure(key, threshold, cooldownMs, retryAfterMs, now, count, overload);
    // A request's retry of a target it already failed on counts once, here as in this process's breakers.
    if (!count || !this.state.up) return;
    const counter = this.state.key('cb', key, 'fails');
    void this.state.client.multi().incr(counter).pexpire(counter, cooldownMs).exec().then((replies) => {
      const count = Number(replies?.[0]?.[1] ?? 0);
      if (count >= threshold) {
        super.forceOpen(key, cooldownMs);
        return this.state.publish('breakers', { key, open: true, ms: cooldownMs, overload, from: this.node });
      }
      return undefined;
    }).catch(() => {});
  }

  override success(key: string): void {
    const wasOpen = this.isOpen(key);
    super.success(key);
    if (!this.state.up) return;
    if (wasOpen) {
      void this.state.client.del(this.state.key('cb', key, 'fails')).then(() => this.state.publish('breakers', { key, open: false, from: this.node })).catch(() => {});
    }
  }
}
