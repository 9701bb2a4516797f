// Unit tests: the sliding-window limiter, OpenAI duration format, budget check-and-reserve.

import { describe, expect, test } from 'bun:test';
import { formatDuration, rateLimitError, rateLimitHeaders } from '../../src/limits/headers.ts';
import { MemoryRateLimiter } from '../../src/limits/memory.ts';
import type { AcquireResult, LimitRule } from '../../src/limits/rate-limiter.ts';
import { BudgetTracker, formatUsd } from '../../src/runtime/budgets.ts';
import { generateKey } from '../../src/runtime/runtime-keys.ts';

const rule = (over: Partial<LimitRule>): LimitRule => ({ scope: 'key', name: 'alice', source: 'keys[name=alice].limits', ...over });
const ok = (r: AcquireResult) => {
  if (!r.ok) throw new Error(`denied: ${r.denial.dimension}`);
  return r;
};

describe('formatDuration', () => {
  test('OpenAI / Go style', () => {
    expect(formatDuration(0)).toBe('0ms');
    expect(formatDuration(250)).toBe('250ms');
    expect(formatDuration(12_000)).toBe('12s');
    expect(formatDuration(7_660)).toBe('7.66s');
    expect(formatDuration(60_000)).toBe('1m0s');
    expect(formatDuration(72_500)).toBe('1m12.5s');
    expect(formatDuration(3_600_000)).toBe('1h0m0s');
    // Decimals keep their leading zeros and drop trailing ones.
    expect(formatDuration(1_005)).toBe('1.005s');
    expect(formatDuration(59_050)).toBe('59.05s');
    expect(formatDuration(1_020)).toBe('1.02s');
    expect(formatDuration(3_661_001)).toBe('1h1m1.001s');
    expect(formatDuration(999.6)).toBe('1s');
  });
});

describe('MemoryRateLimiter', () => {
  test('rpm is an exact sliding window', () => {
    let now = 1_000_000;
    const limiter = new MemoryRateLimiter(() => now);
    const rules = [rule({ rpm: 3 })];
    for (let i = 0; i < 3; i++) {
      ok(limiter.acquire({ rules, tokens: 0 }));
      now += 10_000;
    }
    const denied = limiter.acquire({ rules, tokens: 0 });
    expect(denied.ok).toBe(false);
    if (denied.ok) return;
    expect(denied.denial.dimension).toBe('rpm');
    expect(denied.denial.retryAfterMs).toBe(30_000); // first request was at t0, now is t0 + 30 s
    expect(denied.snapshot.requests).toEqual({ limit: 3, remaining: 0, resetMs: 30_000 });
    now += 30_000;
    const again = ok(limiter.acquire({ rules, tokens: 0 }));
    expect(again.snapshot.requests).toEqual({ limit: 3, remaining: 0, resetMs: 10_000 });
  });

  test('tpm reserves the estimate and is corrected at release', () => {
    const now = 5_000_000;
    const limiter = new MemoryRateLimiter(() => now);
    const rules = [rule({ tpm: 1000 })];
    const a = ok(limiter.acquire({ rules, tokens: 600 }));
    expect(a.snapshot.tokens?.remaining).toBe(400);
    expect(limiter.acquire({ rules, tokens: 600 }).ok).toBe(false);
    a.lease.release(100); // actual usage was far below the estimate
    expect(limiter.usage(rules[0]).tokens).toBe(100);
    expect(ok(limiter.acquire({ rules, tokens: 600 })).snapshot.tokens?.remaining).toBe(300);
    const tooBig = limiter.acquire({ rules, tokens: 5000 });
    expect(tooBig.ok).toBe(false);
    if (!tooBig.ok) expect(tooBig.denial.retryAfterMs).toBeUndefined();
  });

  test('concurrency is held until release; all rules are atomic', () => {
    const limiter = new MemoryRateLimiter(() => 1);
    const rules = [rule({ concurrency: 2, rpm: 100 }), rule({ scope: 'global', name: '', rpm: 2, source: 'limits.global' })];
    const a = ok(limiter.acquire({ rules, tokens: 0 }));
    ok(limiter.acquire({ rules, tokens: 0 }));
    const third = limiter.acquire({ rules, tokens: 0 });
    expect(third.ok).toBe(false);
    // the denied request committed nothing: the key's rpm still counts 2
    expect(limiter.usage(rules[0]).requests).toBe(2);
    a.lease.release();
    expect(limiter.usage(rules[0]).inFlight).toBe(1);
    // global rpm 2 is the tightest rule now
    const denied = limiter.acquire({ rules, tokens: 0 });
    expect(denied.ok).toBe(false);
    if (!denied.ok) {
      expect(denied.denial.rule.scope).toBe('global');
      const err = rateLimitError(denied.denial, denied.snapshot);
      expect(err.status).toBe(429);
      expect(err.code).toBe('rate_limit_exceeded');
      expect(err.message).toContain('global rpm 2');
      expect(err.headers?.['x-ratelimit-limit-requests']).toBe('2');
    }
  });

  test('cancel undoes every count', () => {
    const limiter = new MemoryRateLimiter(() => 1);
    const rules = [rule({ rpm: 1, tpm: 10, concurrency: 1 })];
    ok(limiter.acquire({ rules, tokens: 10 })).lease.cancel();
    expect(limiter.usage(rules[0])).toEqual({ requests: 0, tokens: 0, inFlight: 0 });
    expect(limiter.acquire({ rules, tokens: 10 }).ok).toBe(true);
  });

  test('headers omit a family without a rule', () => {
    expect(rateLimitHeaders({ requests: { limit: 5, remaining: 4, resetMs: 60_000 } })).toEqual({
      'x-ratelimit-limit-requests': '5', 'x-ratelimit-remaining-requests': '4', 'x-ratelimit-reset-requests': '1m0s',
    });
  });
});

describe('BudgetTracker', () => {
  test('check-and-reserve never overspends; settle replaces the reservation', () => {
    const budgets = new BudgetTracker();
    budgets.seed(new Map([['k', { spentMicros: 100, adjustMicros: 50 }]]));
    const key = { name: 'k', budgetMicros: 1000 }; // 1050 with the top-up, 950 left
    const holds = [budgets.reserve(key, 300), budgets.reserve(key, 300), budgets.reserve(key, 300)];
    expect(() => budgets.reserve(key, 300)).toThrow(/has \$0\.00095 left of its \$0\.00105 budget/);
    holds[0].settle(120);
    holds[1].cancel();
    holds[1].settle(999); // no effect after cancel
    expect(budgets.view(key)).toEqual({ budgetMicros: 1050, spentMicros: 220, reservedMicros: 300, remainingMicros: 830 });
    holds[2].settle(300);
    expect(budgets.view(key).reservedMicros).toBe(0);
    expect(budgets.view({ name: 'free' }).remainingMicros).toBeUndefined();
    expect(() => budgets.reserve({ name: 'free' }, 1e12)).not.toThrow();
  });

  test('a refusal says whether reservations in flight or the budget itself block the request', () => {
    const budgets = new BudgetTracker();
    const key = { name: 'k', budgetMicros: 2_000_000 };
    const holds = [budgets.reserve(key, 800_000), budgets.reserve(key, 800_000)];
    // $2.00 left, $1.60 held by the two in flight: a third $0.80 request would fit once they finish.
    const held = (() => { try { budgets.reserve(key, 800_000); } catch (e) { return (e as Error).message; } })()!;
    expect(held).toContain('has $2.00 left of its $2.00 budget, but requests of this key still in flight hold $1.60 of it, leaving $0.40, and this request may cost up to $0.80');
    expect(held).toContain('Retry when those requests finish');
    expect(held).not.toContain('top up'); // more budget is not what it needs
    // Once they settled at their full reservation, the budget itself is short: no in-flight wording.
    holds.forEach((h) => h.settle(800_000));
    const short = (() => { try { budgets.reserve(key, 800_000); } catch (e) { return (e as Error).message; } })()!;
    expect(short).toContain('has $0.40 left of its $2.00 budget, and this request may cost up to $0.80');
    expect(short).toContain('top up');
    expect(short).not.toContain('in flight');
    // Short on budget even without the one in flight: the budget is what blocks, not the reservation.
    budgets.reserve(key, 300_000);
    const both = (() => { try { budgets.reserve(key, 500_000); } catch (e) { return (e as Error).message; } })()!;
    expect(both).toContain('has $0.40 left of its $2.00 budget, and this request may cost up to $0.50');
    expect(both).not.toContain('in flight');
  });

  test('formatUsd', () => {
    expect(formatUsd(5_000_000)).toBe('$5.00');
    expect(formatUsd(12_300)).toBe('$0.0123');
    expect(formatUsd(1)).toBe('$0.000001');
  });
});

test('generated keys: sk-sy- + 32 base62', () => {
  const keys = new Set(Array.from({ length: 200 }, generateKey));
  expect(keys.size).toBe(200);
  for (const k of keys) expect(k).toMatch(/^sk-sy-[0-9A-Za-z]{32}$/);
});
