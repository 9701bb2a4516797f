// In-memory RateLimiter for a single gateway process. Synchronous, so "check every rule, then commit
// every rule" cannot interleave with another request (JS runs one callback at a time). rpm and tpm
// are sliding 60 s windows with exact counts at 100 ms time resolution (./sliding-window.ts); concurrency
// is a counter held until release.
// State is keyed by scope and name, never by the limit values, so it survives config reloads and new
// limits apply to the next request. Idle state is swept now and then.

import type { AcquireRequest, AcquireResult, Denial, FamilyStatus, Lease, LimitRule, LimitSnapshot, RateLimiter } from './rate-limiter.ts';
import { ruleId } from './rate-limiter.ts';
import { SlidingWindow, type WindowEntry } from './sliding-window.ts';

/** Retry hint for a full concurrency limit: nothing says when a slot frees, so suggest a short wait. */
const CONCURRENCY_RETRY_MS = 1000;
const SWEEP_EVERY = 10_000;

interface ScopeState {
  requests: SlidingWindow;
  tokens: SlidingWindow;
  inFlight: number;
}

export class MemoryRateLimiter implements RateLimiter {
  private readonly states = new Map<string, ScopeState>();
  private calls = 0;

  constructor(private readonly clock: () => number = Date.now) {}

  acquire(request: AcquireRequest): AcquireResult {
    const now = request.now ?? this.clock();
    if (++this.calls % SWEEP_EVERY === 0) this.sweep(now);
    const tokens = Math.max(0, Math.ceil(request.tokens));
    const rules = request.rules.map((rule) => ({ rule, state: this.state(ruleId(rule)) }));

    let denial: Denial | undefined;
    const consider = (d: Denial) => {
      // Report the limit that keeps the caller waiting longest (never-fitting beats everything).
      const wait = d.retryAfterMs ?? Infinity;
      if (!denial || wait > (denial.retryAfterMs ?? Infinity)) denial = d;
    };
    for (const { rule, state } of rules) {
      if (rule.rpm !== undefined) {
        const wait = state.requests.waitFor(1, rule.rpm, now);
        if (wait > 0) consider({ rule, dimension: 'rpm', limit: rule.rpm, retryAfterMs: finite(wait) });
      }
      if (rule.tpm !== undefined && tokens > 0) {
        const wait = state.tokens.waitFor(tokens, rule.tpm, now);
        if (wait > 0) consider({ rule, dimension: 'tpm', limit: rule.tpm, retryAfterMs: finite(wait), tokens });
      }
      if (rule.concurrency !== undefined && state.inFlight >= rule.concurrency) {
        consider({ rule, dimension: 'concurrency', limit: rule.concurrency, retryAfterMs: CONCURRENCY_RETRY_MS });
      }
    }
    if (denial) return { ok: false, denial, snapshot: snapshot(rules, now) };

    const held: Array<{ state: ScopeState; request?: WindowEntry; tokens?: WindowEntry; slot: boolean }> = [];
    for (const { rule, state } of rules) {
      const h = {
        state,
        request: rule.rpm !== undefined ? state.requests.add(1, now) : undefined,
        tokens: rule.tpm !== undefined && tokens > 0 ? state.tokens.add(tokens, now) : undefined,
        slot: rule.concurrency !== undefined,
      };
      if (h.slot) state.inFlight += 1;
      held.push(h);
    }
    return { ok: true, lease: lease(held), snapshot: snapshot(rules, now) };
  }

  /** Tokens and requests counted now for a scope (tests, diagnostics). */
  usage(rule: Pick<LimitRule, 'scope' | 'name'>, now = this.clock()): { requests: number; tokens: number; inFlight: number } {
    const s = this.states.get(ruleId(rule));
    return s ? { requests: s.requests.used(now), tokens: s.tokens.used(now), inFlight: s.inFlight } : { requests: 0, tokens: 0, inFlight: 0 };
  }

  private state(id: string): ScopeState {
    let s = this.states.get(id);
    if (!s) {
      s = { requests: new SlidingWindow(), tokens: new SlidingWindow(), inFlight: 0 };
      this.states.set(id, s);
    }
    return s;
  }

  private sweep(now: number): void {
    for (const [id, s] of this.states) {
      if (s.inFlight === 0 && s.requests.idle(now) && s.tokens.idle(now)) this.states.delete(id);
    }
  }
}

function finite(ms: number): number | undefined {
  return Number.isFinite(ms) ? ms : undefined;
}

function lease(held: Array<{ state: ScopeState; request?: WindowEntry; tokens?: WindowEntry; slot: boolean }>): Lease {
  let released = false;
  const free = (actualTokens: number | undefined, cancel: boolean) => {
    if (released) return;
    released = true;
    for (const h of held) {
      if (h.slot) h.state.inFlight = Math.max(0, h.state.inFlight - 1);
      if (cancel && h.request) h.state.requests.adjust(h.request, 0);
      if (h.tokens && (cancel || actualTokens !== undefined)) h.state.tokens.adjust(h.tokens, cancel ? 0 : Math.max(0, Math.ceil(actualTokens!)));
    }
  };
  return { release: (actual) => free(actual, false), cancel: () => free(undefined, true) };
}

/** The tightest rpm and tpm rule: least remaining, then the smaller limit. */
function snapshot(rules: Array<{ rule: LimitRule; state: ScopeState }>, now: number): LimitSnapshot {
  let requests: FamilyStatus | undefined;
  let tokens: FamilyStatus | undefined;
  for (const { rule, state } of rules) {
    if (rule.rpm !== undefined) requests = tighter(requests, family(rule.rpm, state.requests, now));
    if (rule.tpm !== undefined) tokens = tighter(tokens, family(rule.tpm, state.tokens, now));
  }
  return { requests, tokens };
}

function family(limit: number, window: SlidingWindow, now: number): FamilyStatus {
  return { limit, remaining: Math.max(0, limit - window.used(now)), resetMs: window.nextFreeMs(now) };
}

function tighter(a: FamilyStatus | undefined, b: FamilyStatus): FamilyStatus {
  if (!a) return b;
  if (b.remaining !== a.remaining) return b.remaining < a.remaining ? b : a;
  return b.limit < a.limit ? b : a;
}
