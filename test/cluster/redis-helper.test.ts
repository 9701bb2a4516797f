// The test helper that starts a real redis-server: answers on its own free port, keeps data across
// commands, comes back on the same port after stop/kill, and frees the port and temp dir on close.

import { expect, test } from 'bun:test';
import { existsSync } from 'node:fs';
import { redisCommand, redisServerPath, startRedis } from '../helpers/redis.ts';

test.skipIf(!redisServerPath())('startRedis: a real server on a free port; stop, kill -9 and restart on the same port; close cleans up', async () => {
  const [a, b] = await Promise.all([startRedis(), startRedis()]);
  try {
    expect(a.port).not.toBe(b.port);
    expect(a.url).toBe(`redis://127.0.0.1:${a.port}/0`);
    expect(await a.command('PING')).toBe('+PONG\r\n');
    expect(await a.command('SET', 'k', 'v')).toBe('+OK\r\n');
    expect(await a.command('GET', 'k')).toBe('$1\r\nv\r\n');
    expect(await b.command('GET', 'k')).toBe('$-1\r\n'); // separate servers

    await a.stop();
    expect(await redisCommand(a.port, ['PING'], 300).catch(() => 'down')).toBe('down');
    await a.restart();
    expect(await a.command('PING')).toBe('+PONG\r\n');
    await a.kill();
    expect(await redisCommand(a.port, ['PING'], 300).catch(() => 'down')).toBe('down');
    await a.restart();
    expect(await a.command('GET', 'k')).toBe('$-1\r\n'); // no persistence: a restart starts empty
  } finally {
    await Promise.all([a.close(), b.close()]);
  }
  expect(existsSync(a.dir)).toBe(false);
  expect(await redisCommand(a.port, ['PING'], 300).catch(() => 'down')).toBe('down');
}, 20_000);
