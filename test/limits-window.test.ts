// The bucketed sliding window: exact counts, 100 ms time resolution, amortised O(1) walks.

import { expect, test } from 'bun:test';
import { SlidingWindow, WINDOW_MS } from '../src/limits/sliding-window.ts';

test('amounts leave the window 60 s after their 100 ms bucket starts', () => {
  const w = new SlidingWindow();
  const t0 = 10_000_000;
  w.add(1, t0 + 50);
  w.add(2, t0 + 30_000);
  expect(w.used(t0 + 59_999)).toBe(3);
  expect(w.nextFreeMs(t0 + 59_999)).toBe(1);
  expect(w.used(t0 + WINDOW_MS)).toBe(2);
  expect(w.nextFreeMs(t0 + WINDOW_MS)).toBe(30_000);
  expect(w.used(t0 + 90_000)).toBe(0);
  expect(w.idle(t0 + 90_000)).toBe(true);
});

test('waitFor finds the earliest time enough has left; adjust corrects a live amount only', () => {
  const w = new SlidingWindow();
  const t0 = 20_000_000;
  const a = w.add(5, t0);
  w.add(5, t0 + 10_000);
  expect(w.waitFor(1, 10, t0 + 20_000)).toBe(40_000);
  expect(w.waitFor(6, 10, t0 + 20_000)).toBe(50_000);
  expect(w.waitFor(11, 10, t0 + 20_000)).toBe(Infinity);
  w.adjust(a, 5, 2);
  expect(w.used(t0 + 20_000)).toBe(7);
  expect(w.waitFor(3, 10, t0 + 20_000)).toBe(0);
  expect(w.used(t0 + 65_000)).toBe(5); // a's bucket has left the window
  w.adjust(a, 2, 9); // after its bucket left the window: no effect
  expect(w.used(t0 + 65_000)).toBe(5);
});

test('an add into a bucket the walk pointer already passed is still found (pointer moves back)', () => {
  const t1 = 31_000_000;
  const v = new SlidingWindow();
  expect(v.nextFreeMs(t1)).toBe(0);
  v.add(1, t1);
  const e = v.add(2, t1 + 10_000);
  v.adjust(e, 2, 0);
  v.add(1, t1 + 20_000);
  // The walk passes the emptied bucket (t1+10 s) once the first one leaves the window...
  expect(v.nextFreeMs(t1 + 61_000)).toBe(20_000 + WINDOW_MS - 61_000);
  // ...then that emptied bucket's amount comes back (a late tpm correction): it must be found again.
  v.adjust(e, 0, 4);
  expect(v.used(t1 + 61_000)).toBe(5);
  expect(v.nextFreeMs(t1 + 61_000)).toBe(10_000 + WINDOW_MS - 61_000);
});

test('a steady stream of requests keeps exactly the last 60 s counted', () => {
  const w = new SlidingWindow();
  const t0 = 40_000_000;
  for (let i = 0; i < 100_000; i++) {
    const now = t0 + i * 6;
    w.add(1, now);
    expect(w.waitFor(1, 1_000_000, now)).toBe(0);
  }
  // Requests every 6 ms: 10,000 per minute (up to one bucket's worth more at the edge).
  const used = w.used(t0 + 99_999 * 6);
  expect(used).toBeGreaterThanOrEqual(9_990);
  expect(used).toBeLessThanOrEqual(10_017);
});

test('a wall clock stepped back keeps counting correctly (no permanently stuck amounts)', () => {
  const w = new SlidingWindow();
  let now = 50_000_000;
  for (let i = 0; i < 240; i++) { w.add(1, now); now += 500; }
  now -= 120_000; // NTP step backwards by two minutes
  for (let i = 0; i < 240; i++) { w.add(1, now); now += 500; }
  // Ten minutes later everything has left the window.
  expect(w.used(now + 600_000)).toBe(0);
  expect(w.waitFor(1, 200, now + 600_000)).toBe(0);
});
