// A Redis that stays connected but stops answering (SIGSTOP: paused, swapping, stuck in a long command):
// after a few command timeouts shared state is reported down, so /ready says 503 with the reason and one
// error line is logged (before, /ready said ok while every request waited a timeout for its 503), and it
// comes back by itself once Redis answers again (a probe pings it meanwhile).

import { afterAll, beforeAll, expect } from 'bun:test';
import { join } from 'node:path';
import { chatCompletion, json, startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream.ts';
import { type TestGateway, postChat, startTestGateway, tempDir } from '../helpers/gateway.ts';
import { redisTests, startRedis, type TestRedis } from '../helpers/redis.ts';
import { createLogger } from '../../src/log.ts';
import { STALLED_AFTER } from '../../src/state/redis/answer-watch.ts';

const { available: REDIS_BIN, testRedis } = redisTests('the Redis stall test');
const KEY = 'sk-redis-stall-key-0123456789';
let redis: TestRedis;
let up: FakeUpstream;

beforeAll(async () => {
  if (!REDIS_BIN) return;
  redis = await startRedis();
  up = startFakeUpstream(() => json(chatCompletion('ok')));
});
afterAll(async () => {
  if (!REDIS_BIN) return;
  redis.resume();
  up.stop();
  await redis.close();
});

testRedis('a Redis that stops answering is reported down after a few timeouts, and up again when it answers', async () => {
  const dir = tempDir();
  const lines: string[] = [];
  const gw: TestGateway = await startTestGateway(`version: 1
storage: { url: "file:${join(dir, 'ledger.db')}", redis: { url: "${redis.url}", on_unavailable: reject, timeout_ms: 150 } }
providers:
  up: { adapter: openai, base_url: ${up.url}/v1, models: [m] }
models:
  m: { price: { input: 1, output: 1 } }
keys:
  - { name: k, key: ${KEY}, limits: { rpm: 1000 } }
`, { dir, logger: createLogger('info', 'json', { out: (t) => void lines.push(t), err: (t) => void lines.push(t) }) });
  try {
    expect((await postChat(gw.url, KEY)).status).toBe(200);
    expect((await fetch(`${gw.url}/ready`)).status).toBe(200);
    redis.pause();
    for (let i = 0; i < STALLED_AFTER; i++) expect((await postChat(gw.url, KEY)).status).toBe(503);
    const ready = await fetch(`${gw.url}/ready`);
    expect(ready.status).toBe(503);
    expect(JSON.stringify(await ready.json())).toContain('does not answer');
    // Now refused at once, without waiting a timeout each.
    const t0 = performance.now();
    expect((await postChat(gw.url, KEY)).status).toBe(503);
    expect(performance.now() - t0).toBeLessThan(100);
    expect(lines.filter((l) => l.includes('redis unavailable'))).toHaveLength(1);
    redis.resume();
    const deadline = Date.now() + 5000;
    while ((await fetch(`${gw.url}/ready`)).status !== 200 && Date.now() < deadline) await Bun.sleep(100);
    expect((await fetch(`${gw.url}/ready`)).status).toBe(200);
    expect((await postChat(gw.url, KEY)).status).toBe(200);
  } finally {
    redis.resume();
    await gw.stop();
  }
});
