// The Redis clock estimate (src/state/redis/clock.ts), on made-up round trips: the sample with the shortest
// round trip wins, its error bound (half of it, growing with age) pushes the deadline out, a clock that
// stepped drops the samples it contradicts, and there is no deadline without a sample.

import { expect, test } from 'bun:test';
import { RedisClock } from '../../src/state/redis/clock.ts';

test('the offset is the midpoint of the shortest round trip, off by at most half of it', () => {
  const clock = new RedisClock();
  expect(clock.deadline(500, 1000)).toBe(0); // no sample: no deadline
  clock.learn(5_000_000, 990, 1010); // 20 ms round trip: offset 4,999,000 ± 10
  clock.learn(5_000_100, 1098, 1100); // 2 ms round trip: offset 4,999,001 ± 1
  clock.learn(5_000_200, 1150, 1250); // queued behind other calls: 100 ms round trip
  const e = clock.estimate(1300)!;
  expect(e.offset).toBe(4_999_001);
  expect(e.error).toBeCloseTo(1 + 200 * 1e-4, 6);
  // The deadline: the process's timeout on Redis's clock, plus the error bound and a millisecond of rounding.
  expect(clock.deadline(500, 1300)).toBe(Math.ceil(1300 + 4_999_001 + 500 + e.error + 1));
  clock.forget();
  expect(clock.estimate(1300)).toBeUndefined();
});

test('a Redis clock that stepped drops the samples it contradicts, even ones with shorter round trips', () => {
  const clock = new RedisClock();
  clock.learn(2_000_000, 999, 1001); // offset 1,999,000 ± 1
  clock.learn(2_000_000 + 600_000 + 5000, 4990, 5010); // 10 minutes later on a clock that stepped forward
  expect(clock.estimate(5010)!.offset).toBe(2_600_000);
  clock.learn(2_000_000, 5998, 6002); // and stepped back
  expect(clock.estimate(6002)!.offset).toBe(1_994_000);
});
