// Shared live state on a real redis-server: three gateways on one gateway.yaml (and one ledger file)
// behave as one. Budgets and rate limits are exact across them under concurrent load, concurrency
// holds across nodes, runtime keys and top-ups created on one node apply on the others within a second,
// a breaker opened by failures seen on one node stops the others, and /admin/cluster lists every node.

import { afterAll, beforeAll, expect } from 'bun:test';
import { join } from 'node:path';
import { chatChunks, chatCompletion, json, sse, startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream.ts';
import { type TestGateway, startTestGateway, tempDir } from '../helpers/gateway.ts';
import { redisTests, startRedis, type TestRedis } from '../helpers/redis.ts';

const { available: REDIS_BIN, testRedis } = redisTests('the shared-state tests');

// Needs a real redis-server (CI installs Debian's); without one these tests are skipped, loudly.
import { openStore, sqliteStore, type Store } from '../../src/store/open.ts';

const ADMIN = 'admin-token-redis-shared-0123';
const KEY = 'sk-redis-shared-key-0123456789';
const POOR = 'sk-redis-shared-poor-0123456789';
const FREE = 'sk-redis-shared-free-0123456789';
let redis: TestRedis;
let up: FakeUpstream;
let failing: FakeUpstream;
let busy: FakeUpstream;
let nodes: TestGateway[] = [];
let store: Store;
const dir = tempDir('switchyard-redis-shared-');

// usage 5 + 100 tokens at $1/$1 per 1M → 105 micro-dollars per request, reserved as ~(prompt estimate + 100)
// µ$ each; a budget of 350 µ$ fits exactly 3 reservations and 3 actual costs.
const yaml = (redisUrl: string) => `version: 1
server: { admin_token: ${ADMIN} }
storage: { url: "file:${join(dir, 'ledger.db')}", flush_ms: 20, redis: { url: "${redisUrl}", prefix: "t1", lease_ttl_ms: 3000 } }
providers:
  up: { adapter: openai, base_url: UP/v1, api_key: sk-up-0123456789, models: [m, slow] }
  bad: { adapter: openai, base_url: BAD/v1, api_key: sk-bad-0123456789, models: [broken] }
  busy: { adapter: anthropic, base_url: BUSY, api_key: sk-ant-busy-0123456789, models: [overloaded] }
models:
  m: { price: { input: 1, output: 1 }, max_output_tokens: 100 }
  slow: { price: { input: 1, output: 1 } }
  broken: { price: { input: 1, output: 1 } }
  overloaded: { price: { input: 1, output: 1 } }
limits:
  models:
    slow: { concurrency: 2 }
routing: { retry: { attempts: 0 }, circuit_breaker: { failures: 3, cooldown_ms: 30000 } }
cache: { ttl_ms: 1500 }
keys:
  - { name: main, key: ${KEY}, limits: { rpm: 10 } }
  - { name: poor, key: ${POOR}, budget: 0.00035 }
  - { name: free, key: sk-redis-shared-free-0123456789 }
`;

beforeAll(async () => {
  if (!REDIS_BIN) return;
  redis = await startRedis();
  up = startFakeUpstream(async (req, body) => {
    const parsed = JSON.parse(body);
    if (parsed.model === 'slow') await Bun.sleep(400);
    const usage = { prompt_tokens: 5, completion_tokens: 100, total_tokens: 105 };
    return parsed.stream ? sse(chatChunks(['ok'], usage)) : json(chatCompletion('ok', 'up', usage));
  });
  failing = startFakeUpstream(() => json({ error: { message: 'down', type: 'server_error' } }, 500));
  busy = startFakeUpstream(() => json({ type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } }, 529));
  const text = yaml(redis.url).replace('UP', up.url).replace('BAD', failing.url).replace('BUSY', busy.url);
  for (let i = 0; i < 3; i++) nodes.push(await startTestGateway(text, { dir }));
  store = await openStore(`file:${join(dir, 'ledger.db')}`, undefined, { migrate: false });
}, 30_000); // three gateways and a redis-server: seconds on a loaded 2-core CI machine
afterAll(async () => {
  if (!REDIS_BIN) return;
  await Promise.all(nodes.map((n) => n.stop()));
  await store.close();
  up.stop();
  failing.stop();
  busy.stop();
  await redis.close();
});

const chat = (node: TestGateway, model: string, key = KEY, maxTokens?: number, stream = false) => fetch(`${node.url}/v1/chat/completions`, {
  method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
  body: JSON.stringify({ model, stream, messages: [{ role: 'user', content: 'hi' }], ...(maxTokens ? { max_tokens: maxTokens } : {}) }),
});
const admin = (node: TestGateway, method: string, path: string, body?: unknown) => fetch(`${node.url}${path}`, {
  method, headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body),
});

async function rows(sql: string, args: Array<string | number> = []) {
  await Promise.all(nodes.map((n) => n.runtime.ledger.flush()));
  const res = await sqliteStore(store).client.execute({ sql, args });
  return res.rows.map((r) => Object.fromEntries(res.columns.map((c, i) => [c, r[i]])));
}

testRedis('a budget that fits 3 requests: 60 concurrent requests (half streamed) over 3 nodes → exactly 3 succeed, spend = 3 × cost', async () => {
  const statuses = await Promise.all(Array.from({ length: 60 }, (_, i) => chat(nodes[i % 3], 'm', POOR, 100, i % 2 === 1).then(async (r) => { await r.text(); return r.status; })));
  expect(statuses.filter((s) => s === 200)).toHaveLength(3);
  expect(statuses.filter((s) => s === 429)).toHaveLength(57);
  const [spend] = await rows("SELECT SUM(cost_micros) AS c FROM requests WHERE key_name = 'poor' AND status = 200");
  expect(Number(spend.c)).toBe(315);
  // Settles reach Redis in batches a few ms after the answers (fire-and-forget); on a loaded machine that
  // can be later than the ledger flush above, so the live counter is read until it shows them (at most 2 s).
  let listed = await (await admin(nodes[2], 'GET', '/admin/keys/poor')).json();
  for (let i = 0; i < 40 && listed.spent_usd < 0.000315; i++) {
    await Bun.sleep(50);
    listed = await (await admin(nodes[2], 'GET', '/admin/keys/poor')).json();
  }
  expect(listed.spent_usd).toBeCloseTo(0.000315, 9);
  expect(listed.remaining_usd).toBeGreaterThanOrEqual(0);
});

testRedis('rpm 10: 30 concurrent requests over 3 nodes → exactly 10 admitted', async () => {
  const statuses = await Promise.all(Array.from({ length: 30 }, (_, i) => chat(nodes[i % 3], 'm').then(async (r) => { await r.text(); return r.status; })));
  expect(statuses.filter((s) => s === 200)).toHaveLength(10);
  const limited = await chat(nodes[1], 'm');
  expect(limited.status).toBe(429);
  expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
});

testRedis('concurrency 2 holds across nodes', async () => {
  const statuses = await Promise.all(Array.from({ length: 6 }, (_, i) => chat(nodes[i % 3], 'slow', FREE).then(async (r) => { await r.text(); return r.status; })));
  expect(statuses.filter((s) => s === 200)).toHaveLength(2);
  expect(statuses.filter((s) => s === 429)).toHaveLength(4);
});

testRedis('runtime keys: created on A works on B within 1 s; revoked on B is refused on A; a top-up on A applies on C', async () => {
  const created = await (await admin(nodes[0], 'POST', '/admin/keys', { name: 'roaming', budget: 0.0001 })).json() as { key: string };
  await Bun.sleep(300);
  const onB = await chat(nodes[1], 'm', created.key, 100);
  expect(onB.status).toBe(429); // known on B: refused by its budget, not by auth
  expect((await onB.json()).error.code).toBe('insufficient_quota');
  await admin(nodes[0], 'PATCH', '/admin/keys/roaming', { top_up: 0.01 });
  await Bun.sleep(300);
  expect((await chat(nodes[2], 'm', created.key, 100)).status).toBe(200);
  await admin(nodes[1], 'DELETE', '/admin/keys/roaming');
  await Bun.sleep(300);
  const onA = await chat(nodes[0], 'm', created.key);
  expect(onA.status).toBe(401);
});

testRedis('a breaker opened by failures seen on A stops B from calling that target', async () => {
  for (let i = 0; i < 3; i++) await (await chat(nodes[0], 'broken', FREE)).text();
  const before = failing.received.length;
  await Bun.sleep(200);
  const onB = await chat(nodes[1], 'broken', FREE);
  expect(onB.status).toBe(502);
  expect(failing.received.length).toBe(before);
  const providers = await (await admin(nodes[2], 'GET', '/admin/providers')).json() as { data: Array<{ provider: string; targets: Array<{ state: string }> }> };
  expect(providers.data.find((p) => p.provider === 'bad')!.targets[0].state).toBe('open');
});

testRedis('a breaker opened on A by upstream overload (529s) makes B answer in the overload shape (503 upstream_overloaded), not 502', async () => {
  for (let i = 0; i < 3; i++) expect((await chat(nodes[0], 'overloaded', FREE)).status).toBe(503);
  await Bun.sleep(200);
  const before = busy.received.length;
  const onB = await chat(nodes[1], 'overloaded', FREE); // B never saw a 529 itself
  expect(busy.received.length).toBe(before);
  expect(onB.status).toBe(503);
  expect(((await onB.json()) as { error: { code: string } }).error.code).toBe('upstream_overloaded');
});

testRedis('/admin/cluster lists the three nodes with one config hash', async () => {
  await Promise.all(nodes.map(() => Bun.sleep(0)));
  await Bun.sleep(100);
  const view = await (await admin(nodes[0], 'GET', '/admin/cluster')).json() as { nodes: Array<{ config_hash: string }>; drift: boolean };
  expect(view.nodes.length).toBe(3);
  expect(view.drift).toBe(false);
});

testRedis('the response cache is shared: an answer stored by A is a hit on B, and expires with the same TTL', async () => {
  const ask = (node: TestGateway) => fetch(`${node.url}/v1/chat/completions`, {
    method: 'POST', headers: { authorization: `Bearer ${FREE}`, 'content-type': 'application/json', 'x-switchyard-cache': 'yes' },
    body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'cache me across nodes' }] }),
  });
  const before = up.received.length;
  const first = await ask(nodes[0]);
  expect(first.headers.get('x-switchyard-cache')).toBe('miss');
  await first.text();
  const second = await ask(nodes[1]);
  expect(second.headers.get('x-switchyard-cache')).toBe('hit');
  expect((await second.json()).choices[0].message.content).toBe('ok');
  expect(up.received.length).toBe(before + 1);
  await Bun.sleep(1700);
  const expired = await ask(nodes[2]);
  expect(expired.headers.get('x-switchyard-cache')).toBe('miss');
  await expired.text();
  expect(up.received.length).toBe(before + 2);
});
