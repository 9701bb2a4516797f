// The per-address authentication warning (src/observe/auth-failures.ts) with a short interval: one line
// at the first failure, the rest counted and written once when the interval is over; addresses bounded,
// overflow counted under "_other"; so the log rate is bounded whatever an attacker sends.

import { expect, test } from 'bun:test';
import { AuthFailureLog } from '../../src/observe/auth-failures.ts';
import { recordingLogger } from '../ledger/harness.ts';

test('one line now, the burst counted into one line when the interval is over, then quiet', async () => {
  const log = recordingLogger();
  const failures = new AuthFailureLog(log, 60, 10);
  for (let i = 0; i < 25; i++) failures.fail('10.0.0.1', i < 24 ? 'invalid_api_key' : 'expired_api_key', 'openai');
  expect(log.lines).toEqual([{ level: 'warn', msg: 'authentication failed', address: '10.0.0.1', failures: 1, code: 'invalid_api_key', surface: 'openai', interval_s: 0.06 }]);
  await Bun.sleep(150);
  expect(log.lines).toHaveLength(2);
  expect(log.lines[1]).toMatchObject({ address: '10.0.0.1', failures: 24, code: 'expired_api_key' });
  await Bun.sleep(150);
  expect(log.lines).toHaveLength(2);
  expect(failures.size).toBe(0); // quiet addresses are forgotten
  failures.close();
});

test('addresses are capped: beyond the cap, new addresses share one "_other" line per interval', () => {
  const log = recordingLogger();
  const failures = new AuthFailureLog(log, 60_000, 3);
  for (let i = 0; i < 100; i++) failures.fail(`10.0.1.${i}`, 'invalid_api_key', 'anthropic');
  expect(failures.size).toBe(4);
  expect(log.lines.map((l) => l.address)).toEqual(['10.0.1.0', '10.0.1.1', '10.0.1.2', '_other']);
  failures.close();
});

test('an address over its interval is written again with its count, and dropped when the cap needs room', () => {
  const log = recordingLogger();
  const failures = new AuthFailureLog(log, 1000, 1);
  failures.fail('a', 'invalid_api_key', 'openai', 0);
  failures.fail('a', 'invalid_api_key', 'openai', 10);
  failures.fail('a', 'missing_api_key', 'gemini', 1010);
  expect(log.lines.map((l) => [l.address, l.failures, l.code, l.surface])).toEqual([['a', 1, 'invalid_api_key', 'openai'], ['a', 2, 'missing_api_key', 'gemini']]);
  failures.fail('a', 'invalid_api_key', 'openai', 1020);
  failures.fail('b', 'invalid_api_key', 'openai', 3000); // 'a' is over its interval: its count is written, it makes room
  expect(log.lines.slice(2).map((l) => [l.address, l.failures])).toEqual([['a', 1], ['b', 1]]);
  expect(failures.size).toBe(1);
  failures.close();
});
