// Failed authentication, made visible without letting an attacker flood the log: at most one `warn` line
// per client address per interval (10 s), carrying how many failures that address had since its last
// line, the latest reason code and surface. The first failure from an address is written at once; the
// failures after it within the interval are counted and written by one timer when the interval is over
// (or with the address's next failure after it); an address quiet for a whole interval is forgotten. Never the presented key or token, not even a prefix.
//
// Bounded: at most `maxAddresses` addresses are tracked (1,000); when full, addresses whose interval is
// over are dropped, and if none is, the new address is counted under `address: "_other"` (one more line
// per interval). So the log gets at most maxAddresses + 1 such lines per interval, whatever the attack.
// One instance per runtime (Runtime.authFailures); nothing is global.

import type { Logger } from '../log.ts';

export const AUTH_FAILURE_INTERVAL_MS = 10_000;
export const AUTH_FAILURE_MAX_ADDRESSES = 1_000;
const OTHER = '_other';

/** The codes of a failed client-key check (the API surfaces). */
export const API_AUTH_FAILURE_CODES: ReadonlySet<string> = new Set(['missing_api_key', 'invalid_api_key', 'revoked_api_key', 'expired_api_key', 'ip_not_allowed']);

interface Entry {
  /** When this address's last line was written. */
  lastLineAt: number;
  /** Failures since that line (not yet written). */
  pending: number;
  code: string;
  surface: string;
}

export class AuthFailureLog {
  private readonly entries = new Map<string, Entry>();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private prunedAt = -Infinity;

  constructor(
    private readonly log: Logger,
    private readonly intervalMs = AUTH_FAILURE_INTERVAL_MS,
    private readonly maxAddresses = AUTH_FAILURE_MAX_ADDRESSES,
  ) {}

  /** One failed authentication from `address` (`code`: the reason, `surface`: openai, anthropic, admin, ...). */
  fail(address: string, code: string, surface: string, now = Date.now()): void {
    let entry = this.entries.get(address);
    if (!entry) {
      if (this.entries.size >= this.maxAddresses) this.prune(now);
      if (this.entries.size >= this.maxAddresses) {
        address = OTHER;
        entry = this.entries.get(OTHER);
      }
    }
    if (!entry) {
      this.entries.set(address, { lastLineAt: now, pending: 0, code, surface });
      this.write(address, 1, code, surface);
      this.schedule(this.intervalMs);
      return;
    }
    entry.code = code;
    entry.surface = surface;
    if (now - entry.lastLineAt >= this.intervalMs) {
      this.write(address, entry.pending + 1, code, surface);
      entry.lastLineAt = now;
      entry.pending = 0;
      return;
    }
    entry.pending += 1;
    this.schedule(entry.lastLineAt + this.intervalMs - now);
  }

  /** Addresses tracked now (at most maxAddresses + 1). */
  get size(): number {
    return this.entries.size;
  }

  /** Stops the timer; counts not yet written are dropped (shutdown). */
  close(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private write(address: string, failures: number, code: string, surface: string): void {
    this.log.warn('authentication failed', { address, failures, code, surface, interval_s: this.intervalMs / 1000 });
  }

  private schedule(inMs: number): void {
    if (this.timer) return;
    // Not sooner than a tenth of the interval: many addresses a little apart share one run.
    this.timer = setTimeout(() => this.flush(), Math.max(inMs, this.intervalMs / 10));
    (this.timer as { unref?: () => void }).unref?.();
  }

  /** Writes the counts whose interval is over and forgets addresses quiet for one; runs again while any is tracked. */
  private flush(now = Date.now()): void {
    this.timer = undefined;
    const next = this.sweep(now, false);
    if (next !== Infinity) this.schedule(next - now);
  }

  /**
   * With the table full: drops every address whose interval is over (its waiting count written first). At most
   * once per tenth of the interval, so a spray of new addresses does not rescan a full table on every failure
   * (those wait in `_other` meanwhile).
   */
  private prune(now: number): void {
    if (now - this.prunedAt < this.intervalMs / 10) return;
    this.prunedAt = now;
    this.sweep(now, true);
  }

  /**
   * One pass over the addresses whose interval is over: a waiting count is written; the address is then forgotten
   * (`forget`, or when it had nothing waiting) or starts a new interval. Returns the next due time (Infinity: none).
   */
  private sweep(now: number, forget: boolean): number {
    let next = Infinity;
    for (const [address, e] of this.entries) {
      const due = e.lastLineAt + this.intervalMs;
      if (due > now) {
        next = Math.min(next, due);
        continue;
      }
      if (e.pending) this.write(address, e.pending, e.code, e.surface);
      if (forget || e.pending === 0) {
        this.entries.delete(address);
        continue;
      }
      e.lastLineAt = now;
      e.pending = 0;
      next = Math.min(next, now + this.intervalMs);
    }
    return next;
  }
}
