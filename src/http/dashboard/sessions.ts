// Dashboard login sessions: random ids (256 bits) held server side with a fixed lifetime, each bound to
// the admin token it was opened with, so changing server.admin_token (a reload) ends every session.
// One instance per app (created with it); nothing is global and nothing survives a restart.

import { createHash, randomBytes } from 'node:crypto';
import type { Runtime } from '../../runtime/runtime.ts';

export const SESSION_TTL_MS = 12 * 60 * 60_000;
const MAX_SESSIONS = 1_000;

interface Session {
  expiresAt: number;
  tokenDigest: string;
}

const digestOf = (token: string) => createHash('sha256').update(token).digest('base64url');

export class DashboardSessions {
  private readonly sessions = new Map<string, Session>();

  constructor(private readonly ttlMs = SESSION_TTL_MS) {}

  /** Opens a session for a caller that presented `adminToken`; returns its id. */
  open(adminToken: string, now = Date.now()): string {
    this.prune(now);
    if (this.sessions.size >= MAX_SESSIONS) this.sessions.delete(this.sessions.keys().next().value!);
    const id = randomBytes(32).toString('base64url');
    this.sessions.set(id, { expiresAt: now + this.ttlMs, tokenDigest: digestOf(adminToken) });
    return id;
  }

  /** Is `id` a live session opened with the current admin token? */
  valid(id: string | undefined, adminToken: string | undefined, now = Date.now()): boolean {
    if (!id || !adminToken) return false;
    const s = this.sessions.get(id);
    if (!s) return false;
    if (s.expiresAt <= now || s.tokenDigest !== digestOf(adminToken)) {
      this.sessions.delete(id);
      return false;
    }
    return true;
  }

  close(id: string | undefined): void {
    if (id) this.sessions.delete(id);
  }

  get size(): number {
    return this.sessions.size;
  }

  private prune(now: number): void {
    for (const [id, s] of this.sessions) if (s.expiresAt <= now) this.sessions.delete(id);
  }
}

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
