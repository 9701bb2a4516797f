// Circuit breakers per provider + upstream model. N consecutive failures open a breaker for the
// cooldown; then exactly one probe request is let through; its success closes the breaker.
// An upstream Retry-After also parks the target until that time. State survives reloads.
// Each breaker remembers whether its last failure was the upstream's own overload (Anthropic's 529), so a
// request refused by an open circuit can still be answered in the overload shape (failover.ts).

export type BreakerState = 'closed' | 'open' | 'half_open';

interface Breaker {
  failures: number;
  openUntil: number;
  probing: boolean;
  /** Set by an upstream 429 Retry-After. */
  parkedUntil: number;
  successes: number;
  errors: number;
  /** The last failure was the upstream saying it is overloaded (markOverload after failure). */
  overload: boolean;
}

export interface BreakerSnapshot {
  key: string;
  state: BreakerState;
  consecutiveFailures: number;
  openForMs: number;
  recentErrorRate: number;
}

export class CircuitBreakers {
  private readonly breakers = new Map<string, Breaker>();

  private get(key: string): Breaker {
    let b = this.breakers.get(key);
    if (!b) {
      b = { failures: 0, openUntil: 0, probing: false, parkedUntil: 0, successes: 0, errors: 0, overload: false };
      this.breakers.set(key, b);
    }
    return b;
  }

  /** May a request use this target now? Claims the half-open probe slot when it grants one. */
  tryAcquire(key: string, now = Date.now()): boolean {
    const b = this.breakers.get(key);
    if (!b) return true;
    if (b.parkedUntil > now) return false;
    if (b.openUntil === 0) return true;
    if (b.openUntil > now || b.probing) return false;
    b.probing = true;
    return true;
  }

  /** Milliseconds until this target may be tried again (0 when available). */
  waitMs(key: string, now = Date.now()): number {
    const b = this.breakers.get(key);
    if (!b) return 0;
    return Math.max(0, b.parkedUntil - now, b.openUntil - now);
  }

  /** Milliseconds this target stays parked by an upstream Retry-After (0 when not parked). */
  parkedMs(key: string, now = Date.now()): number {
    const b = this.breakers.get(key);
    return b ? Math.max(0, b.parkedUntil - now) : 0;
  }

  success(key: string): void {
    const b = this.get(key);
    b.failures = 0;
    b.openUntil = 0;
    b.probing = false;
    b.overload = false;
    b.successes = decay(b.successes) + 1;
    b.errors = decay(b.errors);
  }

  /**
   * A failed attempt. `count: false` for a request's retry of a target it already failed on: one request
   * counts once towards `failures` (a failed probe still reopens, a Retry-After still parks). `overload`: the
   * failure was the upstream's own overload (a 529), remembered as why the circuit is open.
   */
  failure(key: string, threshold: number, cooldownMs: number, retryAfterMs?: number, now = Date.now(), count = true, overload = false): void {
    const b = this.get(key);
    if (count) b.failures += 1;
    b.overload = overload;
    b.errors = decay(b.errors) + 1;
    b.successes = decay(b.successes);
    if (retryAfterMs !== undefined) b.parkedUntil = now + Math.min(retryAfterMs, 10 * 60_000);
    if (b.probing || b.failures >= threshold) b.openUntil = now + cooldownMs;
    b.probing = false;
  }

  /** Opened elsewhere by the upstream's overload (another process said so, shared state). */
  markOverload(key: string): void {
    const b = this.breakers.get(key);
    if (b) b.overload = true;
  }

  /** Was this target's last failure an overload? (Why its circuit is open, when it is.) */
  overloaded(key: string): boolean {
    return this.breakers.get(key)?.overload ?? false;
  }

  /** Opens a breaker for `ms` because another gateway process saw it fail (shared state). */
  forceOpen(key: string, ms: number, now = Date.now()): void {
    const b = this.get(key);
    b.openUntil = Math.max(b.openUntil, now + ms);
    b.probing = false;
  }

  /** Closes a breaker because another gateway process's probe succeeded (shared state). */
  forceClose(key: string): void {
    const b = this.breakers.get(key);
    if (!b) return;
    b.failures = 0;
    b.openUntil = 0;
    b.probing = false;
    b.overload = false;
  }

  /** Is this breaker open or half-open right now? */
  isOpen(key: string): boolean {
    return (this.breakers.get(key)?.openUntil ?? 0) !== 0;
  }

  /** An attempt that ended for a reason that says nothing about the upstream (client left). */
  release(key: string): void {
    const b = this.breakers.get(key);
    if (b) b.probing = false;
  }

  snapshot(now = Date.now()): BreakerSnapshot[] {
    return [...this.breakers.entries()].map(([key, b]) => ({
      key,
      state: b.openUntil === 0 ? 'closed' : b.openUntil > now ? 'open' : 'half_open',
      consecutiveFailures: b.failures,
      openForMs: Math.max(0, b.openUntil - now),
      recentErrorRate: b.errors + b.successes === 0 ? 0 : Math.round((b.errors / (b.errors + b.successes)) * 1000) / 1000,
    }));
  }
}

/** Exponential decay so the error rate reflects recent traffic (~last 20 outcomes). */
function decay(n: number): number {
  return n * 0.95;
}
