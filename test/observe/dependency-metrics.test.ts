// "Redis/DB health where configured" on /metrics: switchyard_dependency_up and switchyard_dependency_status
// follow the runtime's readiness of the ledger database and of Redis (a real redis-server taken away and
// brought back), so an operator can alert on a dependency before /ready turns 503.

import { afterAll, beforeAll, expect } from 'bun:test';
import { join } from 'node:path';
import { chatCompletion, json, startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream.ts';
import { startTestGateway, tempDir } from '../helpers/gateway.ts';
import { parsePrometheus } from '../helpers/prom-text.ts';
import { redisTests, startRedis, type TestRedis } from '../helpers/redis.ts';

const { available: REDIS_BIN, testRedis } = redisTests('the Redis dependency metrics test');

const ADMIN = 'admin-token-dependency-metrics';
let redis: TestRedis;
let up: FakeUpstream;

beforeAll(async () => {
  up = startFakeUpstream(() => json(chatCompletion('ok')));
  if (REDIS_BIN) redis = await startRedis();
});
afterAll(async () => {
  up.stop();
  if (REDIS_BIN) await redis.close();
});

async function until(check: () => Promise<boolean>, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await check()) return;
    await Bun.sleep(100);
  }
  throw new Error('condition not met in time');
}

testRedis('dependency gauges follow the ledger database and Redis going away and coming back', async () => {
  const dir = tempDir();
  const gw = await startTestGateway(`version: 1
server: { admin_token: ${ADMIN} }
storage: { url: "file:${join(dir, 'ledger.db')}", flush_ms: 20, redis: { url: "${redis.url}", prefix: dep, on_unavailable: allow, timeout_ms: 200 } }
providers:
  up: { adapter: openai, base_url: ${up.url}/v1, api_key: sk-up-0123456789, models: [m] }
keys:
  - { name: k, key: sk-dependency-key-0123456789 }
`, { dir });
  const text = async () => (await fetch(`${gw.url}/metrics`, { headers: { authorization: `Bearer ${ADMIN}` } })).text();
  // Right after start prom-client may print the event-loop lag mean as "Nan" (no sample yet), which the
  // strict parser refuses; scrape again once the process metrics have a sample.
  const scrape = async () => {
    try {
      return parsePrometheus(await text());
    } catch {
      await Bun.sleep(300);
      return parsePrometheus(await text());
    }
  };
  try {
    let m = await scrape();
    expect(m.sum('switchyard_dependency_up', { name: 'ledger' })).toBe(1);
    expect(m.sum('switchyard_dependency_status', { name: 'ledger', status: 'ok' })).toBe(1);
    expect(m.sum('switchyard_dependency_up', { name: 'redis' })).toBe(1);
    expect(m.sum('switchyard_dependency_status', { name: 'redis', status: 'ok' })).toBe(1);
    expect(m.types.get('switchyard_dependency_up')).toBe('gauge');

    await redis.stop();
    await until(async () => (await scrape()).sum('switchyard_dependency_up', { name: 'redis' }) === 0);
    m = await scrape();
    expect(m.sum('switchyard_dependency_status', { name: 'redis', status: 'degraded' })).toBe(1);
    expect(m.sum('switchyard_dependency_status', { name: 'redis', status: 'ok' })).toBe(0);
    expect(m.sum('switchyard_dependency_up', { name: 'ledger' })).toBe(1);

    await redis.restart();
    await until(async () => (await scrape()).sum('switchyard_dependency_up', { name: 'redis' }) === 1);
  } finally {
    await gw.stop();
  }
});
