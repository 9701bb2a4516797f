// The coarse deadline wheel: fires once, never before the due time and within a tick after it; cancel
// stops it; many deadlines share one interval, which stops when none are pending.

import { expect, test } from 'bun:test';
import { DeadlineWheel, TICK_MS } from '../../src/runtime/deadline-wheel.ts';

test('a deadline fires once, not before it is due and about a tick after', async () => {
  const wheel = new DeadlineWheel();
  const t0 = performance.now();
  const fired: number[] = [];
  wheel.after(30, () => fired.push(performance.now() - t0));
  await Bun.sleep(15);
  expect(fired).toEqual([]);
  await Bun.sleep(60);
  expect(fired.length).toBe(1);
  expect(fired[0]!).toBeGreaterThanOrEqual(30 - 1);
  expect(fired[0]!).toBeLessThan(30 + TICK_MS + 40);
  expect(wheel.pending).toBe(0);
});

test('cancel stops a deadline; cancelling twice or after firing is harmless', async () => {
  const wheel = new DeadlineWheel();
  let a = 0;
  let b = 0;
  const da = wheel.after(20, () => a++);
  const db = wheel.after(20, () => b++);
  da.cancel();
  da.cancel();
  expect(wheel.pending).toBe(1);
  await Bun.sleep(60);
  expect(a).toBe(0);
  expect(b).toBe(1);
  db.cancel();
  expect(wheel.pending).toBe(0);
});

test('deadlines in order across slots, a throwing callback does not stop the others', async () => {
  const wheel = new DeadlineWheel();
  const order: number[] = [];
  wheel.after(40, () => order.push(40));
  wheel.after(10, () => { throw new Error('boom'); });
  wheel.after(25, () => order.push(25));
  wheel.after(0, () => order.push(0));
  await Bun.sleep(90);
  expect(order).toEqual([0, 25, 40]);
});

test('a deadline may call an object: deadlineReached runs once, on that object; cancel before it is due stops it', async () => {
  const wheel = new DeadlineWheel();
  class Target {
    calls = 0;
    deadlineReached(): void {
      this.calls++;
    }
  }
  const fired = new Target();
  const cancelled = new Target();
  wheel.after(10, fired);
  wheel.after(10, cancelled).cancel();
  expect(wheel.pending).toBe(1);
  await Bun.sleep(60);
  expect(fired.calls).toBe(1);
  expect(cancelled.calls).toBe(0);
  expect(wheel.pending).toBe(0);
});
