// The in-memory limiter's lease across several rules: each rule's counts sit in their own windows (an rpm-only
// rule next to a tpm-only one and a concurrency-only one), release corrects tokens only and frees slots,
// cancel undoes every count, and a second release or cancel changes nothing.

import { expect, test } from 'bun:test';
import { MemoryRateLimiter } from '../../src/limits/memory.ts';
import type { AcquireResult, LimitRule } from '../../src/limits/rate-limiter.ts';

const rpmRule: LimitRule = { scope: 'key', name: 'k', rpm: 100, source: 'keys[name=k].limits' };
const tpmRule: LimitRule = { scope: 'group', name: 'g', tpm: 10_000, source: 'groups.g.limits' };
const slotRule: LimitRule = { scope: 'global', name: '', concurrency: 5, source: 'limits.global' };
const rules = [rpmRule, tpmRule, slotRule];
const lease = (r: AcquireResult) => {
  if (!r.ok) throw new Error(`denied: ${r.denial.dimension}`);
  return r.lease;
};

test('release: tokens become the actual count in the tpm rule only; the slot is freed; a second release does nothing', () => {
  const now = 7_000_000;
  const limiter = new MemoryRateLimiter(() => now);
  const held = lease(limiter.acquire({ rules, tokens: 600 }));
  expect(limiter.usage(rpmRule)).toEqual({ requests: 1, tokens: 0, inFlight: 0 });
  expect(limiter.usage(tpmRule)).toEqual({ requests: 0, tokens: 600, inFlight: 0 });
  expect(limiter.usage(slotRule)).toEqual({ requests: 0, tokens: 0, inFlight: 1 });
  held.release(150);
  expect(limiter.usage(rpmRule)).toEqual({ requests: 1, tokens: 0, inFlight: 0 });
  expect(limiter.usage(tpmRule)).toEqual({ requests: 0, tokens: 150, inFlight: 0 });
  expect(limiter.usage(slotRule).inFlight).toBe(0);
  held.release(9_000);
  held.cancel();
  expect(limiter.usage(tpmRule).tokens).toBe(150);
  expect(limiter.usage(rpmRule).requests).toBe(1);
});

test('release without a count keeps the estimate; two leases are corrected independently', () => {
  const now = 8_000_000;
  const limiter = new MemoryRateLimiter(() => now);
  const a = lease(limiter.acquire({ rules, tokens: 400 }));
  const b = lease(limiter.acquire({ rules, tokens: 300 }));
  expect(limiter.usage(tpmRule).tokens).toBe(700);
  a.release();
  expect(limiter.usage(tpmRule).tokens).toBe(700);
  b.release(50);
  expect(limiter.usage(tpmRule).tokens).toBe(450);
  expect(limiter.usage(rpmRule).requests).toBe(2);
  expect(limiter.usage(slotRule).inFlight).toBe(0);
});

test('cancel undoes the request count, the tokens and the slot', () => {
  const now = 9_000_000;
  const limiter = new MemoryRateLimiter(() => now);
  const held = lease(limiter.acquire({ rules, tokens: 800 }));
  held.cancel();
  expect(limiter.usage(rpmRule)).toEqual({ requests: 0, tokens: 0, inFlight: 0 });
  expect(limiter.usage(tpmRule)).toEqual({ requests: 0, tokens: 0, inFlight: 0 });
  expect(limiter.usage(slotRule)).toEqual({ requests: 0, tokens: 0, inFlight: 0 });
  held.release(100);
  expect(limiter.usage(tpmRule).tokens).toBe(0);
});

test('a correction after the counted bucket left the window changes nothing', () => {
  let now = 10_000_000;
  const limiter = new MemoryRateLimiter(() => now);
  const held = lease(limiter.acquire({ rules, tokens: 500 }));
  now += 61_000;
  lease(limiter.acquire({ rules, tokens: 200 })).release(200);
  held.release(5_000);
  expect(limiter.usage(tpmRule).tokens).toBe(200);
  expect(limiter.usage(slotRule).inFlight).toBe(0);
});
