// Redis going away and coming back, on a real redis-server: with on_unavailable: reject the gateway
// answers 503 state_unavailable (no crash) and /ready says why; with allow it keeps serving on per-process
// limits and reports itself degraded; both recover by themselves when Redis returns, and a flushed Redis
// rebuilds each key's spend from the SQL ledger (the truth), so a budget still holds after the outage.

import { afterAll, beforeAll, expect } from 'bun:test';
import { join } from 'node:path';
import { chatCompletion, json, startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream.ts';
import { type TestGateway, startTestGateway, tempDir, postChat } from '../helpers/gateway.ts';
import { redisTests, startRedis, type TestRedis } from '../helpers/redis.ts';

const { available: REDIS_BIN, testRedis } = redisTests('the shared-state tests');

// Needs a real redis-server (CI installs Debian's); without one these tests are skipped, loudly.

const KEY = 'sk-redis-outage-key-0123456789';
let redis: TestRedis;
let up: FakeUpstream;

const yaml = (dir: string, mode: string) => `version: 1
storage: { url: "file:${join(dir, 'ledger.db')}", flush_ms: 20, redis: { url: "${redis.url}", prefix: "${mode}", on_unavailable: ${mode}, timeout_ms: 200 } }
providers:
  up: { adapter: openai, base_url: ${up.url}/v1, api_key: sk-up-0123456789, models: [m] }
models:
  m: { price: { input: 1, output: 1 }, max_output_tokens: 100 }
keys:
  - { name: k, key: ${KEY}, budget: 0.00035 }
`;

beforeAll(async () => {
  if (!REDIS_BIN) return;
  redis = await startRedis();
  up = startFakeUpstream(() => json(chatCompletion('ok', 'up', { prompt_tokens: 5, completion_tokens: 100, total_tokens: 105 })));
});
afterAll(async () => {
  if (!REDIS_BIN) return;
  up.stop();
  await redis.close();
});

const chat = (gw: TestGateway) => postChat(gw.url, KEY);

async function until(check: () => Promise<boolean>, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await check()) return;
    await Bun.sleep(100);
  }
  throw new Error('condition not met in time');
}

testRedis('reject: 503 state_unavailable and /ready 503 while Redis is down; recovery rebuilds spend from the ledger', async () => {
  const gw = await startTestGateway(yaml(tempDir(), 'reject'));
  try {
    expect((await chat(gw)).status).toBe(200);
    await redis.stop();
    const refused = await chat(gw);
    expect(refused.status).toBe(503);
    const body = await refused.json();
    expect(body.error.code).toBe('state_unavailable');
    expect(body.error.message).not.toContain('127.0.0.1');
    const ready = await fetch(`${gw.url}/ready`);
    expect(ready.status).toBe(503);
    const verdict = await ready.json();
    expect(verdict.checks.redis).toMatchObject({ ready: false, status: 'unavailable' });
    expect(verdict.checks.redis.message).toContain('redis unavailable');
    expect((await fetch(`${gw.url}/health`)).status).toBe(200);

    await redis.restart(); // an empty Redis: the key's account is re-seeded from the SQL ledger
    await until(async () => (await fetch(`${gw.url}/ready`)).status === 200);
    await gw.runtime.ledger.flush();
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await chat(gw)).status);
    // 350 µ$ budget, 105 µ$ per request, one spent before the outage: two more fit, then 429.
    expect(statuses).toEqual([200, 200, 429, 429]);
  } finally {
    await gw.stop();
  }
}, 60_000);

testRedis('allow: served on per-process limits while Redis is down (/ready degraded), the spend reaches Redis after', async () => {
  const gw = await startTestGateway(yaml(tempDir(), 'allow'));
  try {
    await redis.stop();
    expect((await chat(gw)).status).toBe(200);
    const ready = await fetch(`${gw.url}/ready`);
    expect(ready.status).toBe(200);
    expect((await ready.json()).checks.redis.status).toBe('degraded');
    await redis.restart();
    await until(async () => (await (await fetch(`${gw.url}/ready`)).json()).checks.redis.status === 'ok');
    await gw.runtime.ledger.flush();
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) statuses.push((await chat(gw)).status);
    expect(statuses).toEqual([200, 200, 429]);
  } finally {
    await gw.stop();
  }
}, 60_000);

testRedis('under load: Redis stopped and restarted while 4 clients keep sending; only 200s and 503 state_unavailable, then 200s again', async () => {
  const dir = tempDir();
  const gw = await startTestGateway(yaml(dir, 'reject').replace(`budget: 0.00035`, 'budget: 1000'));
  try {
    const seen = new Map<string, number>();
    let running = true;
    const loop = async () => {
      while (running) {
        const res = await chat(gw);
        const code = res.status === 200 ? '200' : `${res.status} ${(await res.json()).error?.code}`;
        if (res.status === 200) await res.text();
        seen.set(code, (seen.get(code) ?? 0) + 1);
      }
    };
    const loops = Array.from({ length: 4 }, loop);
    await Bun.sleep(300);
    await redis!.stop();
    await Bun.sleep(700);
    await redis!.restart();
    await until(async () => (await fetch(`${gw.url}/ready`)).status === 200);
    await Bun.sleep(300);
    const after = seen.get('200') ?? 0;
    await Bun.sleep(300);
    running = false;
    await Promise.all(loops);
    expect([...seen.keys()].sort()).toEqual(['200', '503 state_unavailable']);
    expect(seen.get('200')!).toBeGreaterThan(after); // serving again after the restart
  } finally {
    await gw.stop();
  }
}, 60_000);
