// The rate-limiter contract. The pipeline's Admission asks a RateLimiter for every applicable rule
// of a request at once; the limiter checks them all and, only if every one allows the request,
// commits them all (atomic per request). The in-memory implementation is ./memory.ts.
//
// Implementing another backend (e.g. Redis for several gateway replicas):
//   - acquire() may return a Promise; Admission awaits it. Do the check-all-then-commit-all in ONE
//     atomic step on the server (src/state/redis/scripts.ts: a Lua script over the rule keys that drops the
//     buckets which left each sliding window, compares the running sums against the limits, then adds to
//     the current bucket of every window and to every concurrency counter), so two replicas can never both
//     take the last slot.
//   - State is addressed by `ruleId(rule)` + dimension ('rpm' | 'tpm' | 'concurrency'); limits are read
//     from the rules of each call (never stored), so a config reload applies to the next request.
//   - Lease.release / cancel are fire-and-forget from the pipeline's point of view (they return void):
//     queue the write and retry it; give concurrency counters a TTL so a crashed replica cannot hold
//     slots forever.
//   - Report the window semantics below in `snapshot` so the x-ratelimit-* headers mean the same thing.
//
// Window semantics (all backends): rpm and tpm are SLIDING 60 s windows (exact counts, not a fixed
// minute) at 100 ms time resolution: a request is admitted when the requests (or tokens) counted in the
// last 60 s plus this one fit the limit; an amount counted at t leaves the window at the end of its 100 ms
// bucket + 60 s. `resetMs` is the time until the oldest counted entry leaves the window, i.e. the next
// moment `remaining` grows; when `remaining` is 0 it equals the Retry-After of a denied request.

export type LimitScope = 'key' | 'group' | 'model' | 'global';
export type LimitDimension = 'rpm' | 'tpm' | 'concurrency';

/** One scope's configured limits; an absent field means no limit on that dimension. */
export interface LimitRule {
  readonly scope: LimitScope;
  /** Key, group or model name; '' for the global scope. */
  readonly name: string;
  readonly rpm?: number;
  readonly tpm?: number;
  readonly concurrency?: number;
  /** Where the rule is configured, for messages (e.g. `groups.vip.limits`). */
  readonly source: string;
}

export interface AcquireRequest {
  rules: readonly LimitRule[];
  /** Tokens to reserve on tpm rules (prompt estimate + max output). */
  tokens: number;
  /** Clock override (tests). */
  now?: number;
}

/** The state of one limit family (requests or tokens) for the x-ratelimit-* headers. */
export interface FamilyStatus {
  limit: number;
  remaining: number;
  /** ms until `remaining` grows again (0 when nothing is counted). */
  resetMs: number;
}

/** The tightest applicable rpm rule (`requests`) and tpm rule (`tokens`); absent when no rule applies. */
export interface LimitSnapshot {
  requests?: FamilyStatus;
  tokens?: FamilyStatus;
}

export interface Denial {
  rule: LimitRule;
  dimension: LimitDimension;
  limit: number;
  /** How long until the request would fit; undefined when it can never fit (larger than the tpm limit). */
  retryAfterMs?: number;
  /** Tokens the request asked for (tpm denials). */
  tokens?: number;
}

/** Held by an admitted request until it finishes. */
export interface Lease {
  /**
   * The request finished: frees its concurrency slots and replaces the reserved tokens with
   * `actualTokens` (undefined keeps the reservation). Idempotent.
   */
  release(actualTokens?: number): void;
  /** The request was not admitted after all (e.g. its budget refused it): undo every count. Idempotent. */
  cancel(): void;
}

export type AcquireResult =
  | { ok: true; lease: Lease; snapshot: LimitSnapshot }
  | { ok: false; denial: Denial; snapshot: LimitSnapshot };

export interface RateLimiter {
  /** Checks every rule and commits all of them only if all allow the request. */
  acquire(request: AcquireRequest): AcquireResult | Promise<AcquireResult>;
}

export function ruleId(rule: Pick<LimitRule, 'scope' | 'name'>): string {
  return `${rule.scope}:${rule.name}`;
}

/** `key "alice"`, `group "vip"`, `model "gpt-4o"`, `global`. */
export function ruleLabel(rule: Pick<LimitRule, 'scope' | 'name'>): string {
  return rule.scope === 'global' ? 'global' : `${rule.scope} "${rule.name}"`;
}

/**
 * Which of two rules the x-ratelimit-* headers report (every backend): the one with less remaining, then the
 * smaller limit; on a tie the one already chosen stays.
 */
export function isTighter(remaining: number, limit: number, chosenRemaining: number, chosenLimit: number): boolean {
  return remaining < chosenRemaining || (remaining === chosenRemaining && limit < chosenLimit);
}
