// A Redis with a password, and a database number in storage.redis.url: under Bun the gateway talks to Redis
// through two clients (Bun's built-in one for the per-request scripts, ioredis for the rest), so both must
// log in with the URL's password and use the URL's database. Proven end to end on a real redis-server:
// a budget admitted by the scripts is topped up through the admin API (ioredis) and the next request sees
// it; every key lands in the URL's database, none in database 0; a wrong password makes /ready say so
// (503) without the password appearing in /ready or in any log line.

import { afterAll, beforeAll, expect } from 'bun:test';
import { join } from 'node:path';
import { createLogger, type LogSink } from '../../src/log.ts';
import { chatCompletion, json, startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream.ts';
import { startTestGateway, tempDir, type TestGateway, postChat } from '../helpers/gateway.ts';
import { redisTests, startRedis, type TestRedis } from '../helpers/redis.ts';

const { available: REDIS_BIN, testRedis } = redisTests('the Redis password and database tests');

const PASSWORD = 'redis-pw-Zq8vX3kLm0';
const WRONG = 'redis-wrong-pw-Yt5cN1'; // the wrong password: must not leak either
const ADMIN = 'admin-token-redis-auth-0123';
const KEY = 'sk-redis-auth-key-0123456789';
let redis: TestRedis;
let up: FakeUpstream;

const yaml = (dir: string, password: string, prefix: string) => `version: 1
server: { admin_token: ${ADMIN} }
storage: { url: "file:${join(dir, 'ledger.db')}", flush_ms: 20, redis: { url: "redis://:${password}@127.0.0.1:${redis.port}/3", prefix: ${prefix}, timeout_ms: 300 } }
providers:
  up: { adapter: openai, base_url: ${up.url}/v1, api_key: sk-up-0123456789, models: [m] }
models:
  m: { price: { input: 1, output: 1 }, max_output_tokens: 100 }
keys:
  - { name: k, key: ${KEY}, budget: 0.0002 }
`;

/** A command on a connection logged in to `db` (Bun's client: the test's own, not the gateway's). */
async function inDb(db: number, ...args: string[]): Promise<unknown> {
  const c = new Bun.RedisClient(`redis://:${PASSWORD}@127.0.0.1:${redis.port}/${db}`, { autoReconnect: false });
  try {
    await c.connect();
    return await c.send(args[0], args.slice(1));
  } finally {
    c.close();
  }
}

beforeAll(async () => {
  if (!REDIS_BIN) return;
  redis = await startRedis();
  expect(await redis.command('CONFIG', 'SET', 'requirepass', PASSWORD)).toBe('+OK\r\n');
  up = startFakeUpstream(() => json(chatCompletion('ok', 'up', { prompt_tokens: 5, completion_tokens: 100, total_tokens: 105 })));
});
afterAll(async () => {
  if (!REDIS_BIN) return;
  up.stop();
  await redis.close();
});

const chat = (gw: TestGateway) => postChat(gw.url, KEY);

testRedis('with a password and database 3: scripts and admin top-ups share one budget, every key is in database 3', async () => {
  const lines: string[] = [];
  const sink: LogSink = { out: (t) => void lines.push(t), err: (t) => void lines.push(t) };
  const gw = await startTestGateway(yaml(tempDir(), PASSWORD, 'authdb'), { logger: createLogger('debug', 'json', sink) });
  try {
    expect((await (await fetch(`${gw.url}/ready`)).json()).checks.redis.status).toBe('ok');
    expect((await chat(gw)).status).toBe(200); // ~105 µ$ of a 200 µ$ budget, reserved by the admission script
    const refused = await chat(gw); // a second reservation does not fit beside the first's spend
    expect(refused.status).toBe(429);
    expect((await refused.json()).error.code).toBe('insufficient_quota');
    const topUp = await fetch(`${gw.url}/admin/keys/k`, { method: 'PATCH', headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' }, body: JSON.stringify({ top_up: 0.001 }) });
    expect(topUp.status).toBe(200);
    expect((await chat(gw)).status).toBe(200); // the script sees the top-up written by the other client
    const inThree = (await inDb(3, 'KEYS', 'authdb:*')) as string[];
    expect(inThree.length).toBeGreaterThan(0);
    expect((await inDb(0, 'KEYS', 'authdb:*')) as string[]).toEqual([]);
    expect(lines.join('\n')).not.toContain(PASSWORD);
  } finally {
    await gw.stop();
  }
});

testRedis('a wrong password: /ready is 503 and says Redis is unavailable, and the password is in no answer and no log line', async () => {
  const lines: string[] = [];
  const sink: LogSink = { out: (t) => void lines.push(t), err: (t) => void lines.push(t) };
  const gw = await startTestGateway(yaml(tempDir(), WRONG, 'authwrong'), { logger: createLogger('debug', 'json', sink) });
  try {
    const ready = await fetch(`${gw.url}/ready`);
    expect(ready.status).toBe(503);
    const body = await ready.text();
    expect(JSON.parse(body).checks.redis.status).toBe('unavailable');
    const refused = await chat(gw);
    expect(refused.status).toBe(503);
    const refusedBody = await refused.text();
    for (const text of [body, refusedBody, lines.join('\n')]) {
      expect(text).not.toContain(WRONG);
      expect(text).not.toContain(PASSWORD);
    }
    expect(lines.some((l) => l.includes('redis'))).toBe(true);
  } finally {
    await gw.stop();
  }
});
