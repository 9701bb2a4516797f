// In-memory RateLimiter for a single gateway process. Synchronous, so "check every rule, then commit
// every rule" cannot interleave with another request (JS runs one callback at a time). rpm and tpm
// are sliding 60 s windows with exact counts at 100 ms time resolution (./sliding-window.ts); concurrency
// is a counter held until release.
// State is keyed by scope and name, never by the limit values, so it survives config reloads and new
// limits apply to the next request. Idle state is swept now and then.

import type { AcquireRequest, AcquireResult, Denial, FamilyStatus, Lease, LimitRule, LimitSnapshot, RateLimiter } from './rate-limiter.ts';
import { isTighter, ruleId } from './rate-limiter.ts';
import { SlidingWindow } from './sliding-window.ts';

/** Retry hint for a full concurrency limit: nothing says when a slot frees, so suggest a short wait. */
const CONCURRENCY_RETRY_MS = 1000;
const SWEEP_EVERY = 10_000;

interface ScopeState {
  requests: SlidingWindow;
  tokens: SlidingWindow;
  inFlight: number;
  /** Dropped from the map by a sweep: a rule that remembered it looks its id up again. */
  swept: boolean;
}

export class MemoryRateLimiter implements RateLimiter {
  private readonly states = new Map<string, ScopeState>();
  private readonly byRule = new WeakMap<LimitRule, ScopeState>();
  private calls = 0;

  constructor(private readonly clock: () => number = Date.now) {}

  acquire(request: AcquireRequest): AcquireResult {
    const now = request.now ?? this.clock();
    if (++this.calls % SWEEP_EVERY === 0) this.sweep(now);
    const tokens = Math.max(0, Math.ceil(request.tokens));
    // Runs on every request: plain loops, no closures; two arrays (the rules' states, then the lease's buckets).
    const ruleList = request.rules;
    const states: ScopeState[] = new Array(ruleList.length);
    for (let i = 0; i < ruleList.length; i++) states[i] = this.stateOf(ruleList[i]);

    // Report the limit that keeps the caller waiting longest (never-fitting beats everything).
    let denial: Denial | undefined;
    let denialWait = -1;
    for (let i = 0; i < ruleList.length; i++) {
      const rule = ruleList[i];
      const state = states[i];
      if (rule.rpm !== undefined) {
        const wait = state.requests.waitFor(1, rule.rpm, now);
        if (wait > 0 && wait > denialWait) {
          denial = { rule, dimension: 'rpm', limit: rule.rpm, retryAfterMs: finite(wait) };
          denialWait = wait;
        }
      }
      if (rule.tpm !== undefined && tokens > 0) {
        const wait = state.tokens.waitFor(tokens, rule.tpm, now);
        if (wait > 0 && wait > denialWait) {
          denial = { rule, dimension: 'tpm', limit: rule.tpm, retryAfterMs: finite(wait), tokens };
          denialWait = wait;
        }
      }
      if (rule.concurrency !== undefined && state.inFlight >= rule.concurrency && CONCURRENCY_RETRY_MS > denialWait) {
        denial = { rule, dimension: 'concurrency', limit: rule.concurrency, retryAfterMs: CONCURRENCY_RETRY_MS };
        denialWait = CONCURRENCY_RETRY_MS;
      }
    }
    if (denial) return { ok: false, denial, snapshot: snapshot(ruleList, states, now) };

    // One lease object per request: the states found above and the bucket each amount went to (a number
    // per window, not an entry object).
    const buckets: number[] = new Array(ruleList.length * 2);
    for (let i = 0; i < ruleList.length; i++) {
      const rule = ruleList[i];
      const state = states[i];
      buckets[2 * i] = rule.rpm !== undefined ? state.requests.add(1, now) : -1;
      buckets[2 * i + 1] = rule.tpm !== undefined && tokens > 0 ? state.tokens.add(tokens, now) : -1;
      if (rule.concurrency !== undefined) state.inFlight += 1;
    }
    return { ok: true, lease: new MemoryLease(ruleList, states, buckets, tokens), snapshot: snapshot(ruleList, states, now) };
  }

  /** Tokens and requests counted now for a scope (tests, diagnostics). */
  usage(rule: Pick<LimitRule, 'scope' | 'name'>, now = this.clock()): { requests: number; tokens: number; inFlight: number } {
    const s = this.states.get(ruleId(rule));
    return s ? { requests: s.requests.used(now), tokens: s.tokens.used(now), inFlight: s.inFlight } : { requests: 0, tokens: 0, inFlight: 0 };
  }

  /**
   * A rule's state. Rules are built once per snapshot × key × model (rules.ts), so the state is remembered
   * per rule object too, which skips building the id string on every request; a swept state is never
   * used again (`swept`), and a new rule object (a reload) finds the same state by id.
   */
  private stateOf(rule: LimitRule): ScopeState {
    const cached = this.byRule.get(rule);
    if (cached && !cached.swept) return cached;
    const id = ruleId(rule);
    let s = this.states.get(id);
    if (!s) {
      s = { requests: new SlidingWindow(), tokens: new SlidingWindow(), inFlight: 0, swept: false };
      this.states.set(id, s);
    }
    this.byRule.set(rule, s);
    return s;
  }

  private sweep(now: number): void {
    for (const [id, s] of this.states) {
      if (s.inFlight === 0 && s.requests.idle(now) && s.tokens.idle(now)) {
        s.swept = true;
        this.states.delete(id);
      }
    }
  }
}

function finite(ms: number): number | undefined {
  return Number.isFinite(ms) ? ms : undefined;
}

/** What an admitted request holds: one count per rpm and tpm window (by bucket) and one slot per concurrency rule. */
class MemoryLease implements Lease {
  #released = false;

  constructor(
    private readonly rules: readonly LimitRule[],
    private readonly states: ScopeState[],
    /** Per rule: the bucket of its request count, then of its tokens (-1: none). */
    private readonly buckets: number[],
    private readonly tokens: number,
  ) {}

  release(actualTokens?: number): void {
    this.#free(actualTokens, false);
  }

  cancel(): void {
    this.#free(undefined, true);
  }

  #free(actualTokens: number | undefined, cancel: boolean): void {
    if (this.#released) return;
    this.#released = true;
    for (let i = 0; i < this.rules.length; i++) {
      const state = this.states[i];
      if (this.rules[i].concurrency !== undefined) state.inFlight = Math.max(0, state.inFlight - 1);
      const requestBucket = this.buckets[2 * i];
      if (cancel && requestBucket >= 0) state.requests.adjust(requestBucket, 1, 0);
      const tokenBucket = this.buckets[2 * i + 1];
      if (tokenBucket >= 0 && (cancel || actualTokens !== undefined)) {
        state.tokens.adjust(tokenBucket, this.tokens, cancel ? 0 : Math.max(0, Math.ceil(actualTokens!)));
      }
    }
  }
}

/** The tightest rpm and tpm rule: least remaining, then the smaller limit (one object per family reported). */
function snapshot(rules: readonly LimitRule[], states: ScopeState[], now: number): LimitSnapshot {
  return { requests: tightest(rules, states, now, false), tokens: tightest(rules, states, now, true) };
}

function tightest(rules: readonly LimitRule[], states: ScopeState[], now: number, tokens: boolean): FamilyStatus | undefined {
  let best = -1;
  let bestLimit = 0;
  let bestRemaining = 0;
  for (let i = 0; i < rules.length; i++) {
    const limit = tokens ? rules[i].tpm : rules[i].rpm;
    if (limit === undefined) continue;
    const remaining = Math.max(0, limit - (tokens ? states[i].tokens : states[i].requests).used(now));
    if (best < 0 || isTighter(remaining, limit, bestRemaining, bestLimit)) {
      best = i;
      bestLimit = limit;
      bestRemaining = remaining;
    }
  }
  if (best < 0) return undefined;
  const window = tokens ? states[best].tokens : states[best].requests;
  return { limit: bestLimit, remaining: bestRemaining, resetMs: window.nextFreeMs(now) };
}
