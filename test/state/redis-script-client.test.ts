// The script connection under Bun (src/state/redis/bun-link.ts, Bun's built-in client) against a real
// redis-server: a script's reply maps to the same values as through ioredis (integers, strings, nil and false
// as null, nested arrays), NOSCRIPT falls back to EVAL, a call to a Redis that does not answer is rejected
// after the command timeout (not when Redis answers), a call while Redis is down fails at once, and the
// connection comes back by itself with the log lines on loss and return.

import { afterAll, beforeAll, expect } from 'bun:test';
import { createLogger, type LogSink } from '../../src/log.ts';
import { RedisState, script } from '../../src/state/redis/client.ts';
import { redisTests, startRedis, type TestRedis } from '../helpers/redis.ts';

const { available: REDIS_BIN, testRedis } = redisTests('the Redis script client tests');

let redis: TestRedis;
const lines: string[] = [];
const sink: LogSink = { out: (t) => void lines.push(t), err: (t) => void lines.push(t) };
const open = async (timeoutMs: number, prefix: string) => {
  const state = new RedisState({ url: redis.url, prefix, onUnavailable: 'reject', timeoutMs }, createLogger('info', 'json', sink));
  expect(await state.connect()).toBe(true);
  return state;
};

beforeAll(async () => {
  if (REDIS_BIN) redis = await startRedis();
});
afterAll(async () => {
  if (REDIS_BIN) await redis.close();
});

async function until(check: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check() && Date.now() < deadline) await Bun.sleep(20);
  expect(check()).toBe(true);
}

const SHAPES = script(`return {'ok', 42, -7, 0, {1, {2, 'x', {}}}, 'text', false, ARGV[1], tonumber(ARGV[2]), #KEYS, 4503599627370497, true, 3.9, -2.5, {ok = 'FINE'}}`);

testRedis('a script reply maps to the same values on Bun\'s client as on ioredis', async () => {
  const viaBun = await open(2000, 'shapes-bun');
  process.env.SWITCHYARD_REDIS_SCRIPTS = 'ioredis';
  const viaIoredis = await open(2000, 'shapes-io').finally(() => delete process.env.SWITCHYARD_REDIS_SCRIPTS);
  try {
    expect(viaBun.scriptClient).toBe('bun');
    expect(viaIoredis.scriptClient).toBe('ioredis');
    const expected = ['ok', 42, -7, 0, [1, [2, 'x', []]], 'text', null, 'a b', 12, 2, 4503599627370497, 1, 3, -2, 'FINE'];
    const args = ['a b', 12];
    expect(await viaBun.run(SHAPES, ['k1', 'k2'], args)).toEqual(expected);
    expect(await viaIoredis.run(SHAPES, ['k1', 'k2'], args)).toEqual(expected);
    expect(await viaBun.run(script('return nil'), [], [])).toBeNull();
    expect(await viaBun.run(script("return redis.call('HGET', KEYS[1], 'none')"), ['nothing'], [])).toBeNull();
    // A script error rejects (the caller treats it as a failed call).
    await expect(viaBun.run(script("return {err = 'BAD thing'}"), [], [])).rejects.toThrow('BAD thing');
  } finally {
    await viaBun.close();
    await viaIoredis.close();
  }
});

testRedis('NOSCRIPT falls back to EVAL: a flushed script cache does not fail a call', async () => {
  const state = await open(2000, 'noscript');
  try {
    const s = script(`return 'fresh ${Date.now()}'`);
    expect(await state.run(s, [], [])).toStartWith('fresh');
    await state.client.script('FLUSH');
    expect(await state.run(s, [], [])).toStartWith('fresh');
  } finally {
    await state.close();
  }
});

testRedis('a call to a Redis that does not answer is rejected after the command timeout', async () => {
  const state = await open(150, 'slow');
  try {
    // CLIENT PAUSE holds every client's commands for 1.2 s; the call must give up after about 150 ms.
    expect(await redis.command('CLIENT', 'PAUSE', '1200', 'ALL')).toBe('+OK\r\n');
    const t0 = performance.now();
    const failed = await state.run(script('return 1'), [], []).then(() => 'answered', (err: Error) => err.message);
    const waited = performance.now() - t0;
    expect(failed).toContain('timed out');
    expect(waited).toBeGreaterThanOrEqual(140);
    expect(waited).toBeLessThan(700);
    await Bun.sleep(1200 - waited);
    // The late reply is ignored; the connection still works.
    expect(await state.run(script('return 2'), [], [])).toBe(2);
  } finally {
    await state.close();
  }
});

testRedis('while Redis is down a call fails at once; the connection returns by itself, logged both ways', async () => {
  lines.length = 0;
  const state = await open(2000, 'down');
  try {
    await redis.stop();
    await until(() => !state.up);
    const t0 = performance.now();
    await expect(state.run(script('return 1'), [], [])).rejects.toThrow();
    expect(performance.now() - t0).toBeLessThan(50);
    await redis.restart();
    await until(() => state.up);
    expect(await state.run(script('return 3'), [], [])).toBe(3);
    const text = lines.join('');
    expect(text).toContain('redis unavailable; shared state is off until it returns');
    expect(text.indexOf('redis connected', text.indexOf('redis unavailable'))).toBeGreaterThan(0);
  } finally {
    await state.close();
  }
}, 20_000);
