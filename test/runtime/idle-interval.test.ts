// The shared idle-stopping interval (src/runtime/idle-interval.ts): ticks while its work remains, stops itself
// after idleMs of ticks with none, and start() resumes it.

import { expect, test } from 'bun:test';
import { IdleInterval } from '../../src/runtime/idle-interval.ts';

test('ticks while work remains, stops after the idle time, resumes on start()', async () => {
  let work = 3;
  let ticks = 0;
  const interval = new IdleInterval(5, () => { ticks++; return --work > 0; }, 20);
  expect(interval.running).toBe(false);
  interval.start();
  interval.start(); // a second start while running adds no second timer
  expect(interval.running).toBe(true);
  for (let i = 0; i < 100 && interval.running; i++) await Bun.sleep(5);
  expect(interval.running).toBe(false);
  const stoppedAt = ticks;
  expect(stoppedAt).toBe(2 + 4); // two ticks leave work, then idleMs / ms ticks with none
  await Bun.sleep(30);
  expect(ticks).toBe(stoppedAt); // stopped means no more ticks
  work = 1;
  interval.start();
  for (let i = 0; i < 20 && ticks === stoppedAt; i++) await Bun.sleep(5);
  expect(ticks).toBeGreaterThan(stoppedAt);
});
