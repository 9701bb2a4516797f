// Wrong admin, /metrics and dashboard-login tokens: the per-address limit shared by the three (10 failures a
// minute, then 429 until the minute has passed) and the report of each failure to the runtime's per-address
// authentication warning (observe/auth-failures.ts), with one warning when an address gets locked out.

import type { Runtime } from '../runtime/runtime.ts';

/** Who is presenting a token, for the failed-token limit shared by the admin API, /metrics and the login. */
export interface TokenGuard {
  throttle: LoginThrottle;
  ip: () => string;
}

/** A 429 for an address over the failed-token limit, or undefined. Call before comparing the token. */
export function lockedOut(guard: TokenGuard | undefined): { retryAfterS: number } | undefined {
  const wait = guard ? guard.throttle.waitMs(guard.ip()) : 0;
  return wait > 0 ? { retryAfterS: Math.ceil(wait / 1000) } : undefined;
}

/**
 * A refused admin, metrics or dashboard token: one more failure for the address's authentication warning
 * (at most one line per address per interval, Runtime.authFailures), and one warning when this wrong token
 * is the one that locked the address out. `wrong`: a token was presented (only those count to the lock-out).
 */
export function noteTokenFailure(rt: Pick<Runtime, 'authFailures' | 'log'>, guard: TokenGuard | undefined, code: string, surface: string, wrong: boolean): void {
  const address = guard?.ip() ?? 'unknown';
  rt.authFailures.fail(address, code, surface);
  const wait = wrong && guard ? guard.throttle.waitMs(address) : 0;
  if (wait > 0) rt.log.warn('too many wrong tokens: address locked out', { address, surface, code, retry_after_s: Math.ceil(wait / 1000) });
}

/** Failed logins per client address: at most `max` per minute, then 429 until the minute has passed. */
export class LoginThrottle {
  private readonly failures = new Map<string, number[]>();

  constructor(private readonly max = 10, private readonly windowMs = 60_000) {}

  /** Milliseconds until this address may try again (0 = now). */
  waitMs(address: string, now = Date.now()): number {
    const recent = (this.failures.get(address) ?? []).filter((t) => t > now - this.windowMs);
    return recent.length >= this.max ? recent[0] + this.windowMs - now : 0;
  }

  fail(address: string, now = Date.now()): void {
    const recent = (this.failures.get(address) ?? []).filter((t) => t > now - this.windowMs);
    recent.push(now);
    this.failures.delete(address);
    this.failures.set(address, recent.slice(-this.max));
    if (this.failures.size > 10_000) this.failures.delete(this.failures.keys().next().value!);
  }

  /** A login that succeeded was counted as a failure while it was checked: take it back. */
  forgive(address: string): void {
    const recent = this.failures.get(address);
    recent?.pop();
    if (recent?.length === 0) this.failures.delete(address);
  }
}
