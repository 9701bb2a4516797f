// Group budgets (groups.<name>.budget) on a real redis-server shared by three gateways on one gateway.yaml and
// one ledger file: the group budget is exact across processes under concurrent load (two keys of the group,
// spread over the nodes), a key's own smaller cap still applies inside the group, failures release the group's
// reservation, a top-up on one node applies on the others, a flushed Redis seeds the group's counter from the
// ledger, a reload that raises the budget applies everywhere, and a group without a budget gets no Redis key.

import { afterAll, beforeAll, expect } from 'bun:test';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { type TestGateway, startTestGateway, tempDir } from '../helpers/gateway.ts';
import { redisTests, startRedis, type TestRedis } from '../helpers/redis.ts';
import { openStore, sqliteStore, type Store } from '../../src/store/open.ts';

const { available: REDIS_BIN, testRedis } = redisTests('the group budget tests on Redis');

const ADMIN = 'admin-token-redis-group-0123';
const ALICE = 'sk-redis-group-alice-0123456789';
const BOB = 'sk-redis-group-bob-0123456789';
const CAROL = 'sk-redis-group-carol-0123456789';
const SOLO = 'sk-redis-group-solo-0123456789';
const DAVE = 'sk-redis-group-dave-0123456789';
let redis: TestRedis;
let nodes: TestGateway[] = [];
let store: Store;
const dir = tempDir('switchyard-redis-group-');

// $0.01 per request; team's budget fits exactly 3.
const yaml = (redisUrl: string, team = 0.03) => `version: 1
server: { admin_token: ${ADMIN} }
storage: { url: "file:${join(dir, 'ledger.db')}", flush_ms: 20, redis: { url: "${redisUrl}", prefix: "g1", lease_ttl_ms: 3000 } }
providers:
  mock: { adapter: mock, models: [m] }
  bad: { adapter: mock, models: [broken], mock: { fail_status: 503 } }
models:
  m: { price: { per_request: 0.01 } }
  broken: { price: { per_request: 0.01 } }
routing: { retry: { attempts: 0 } }
groups:
  team: { budget: ${team} }
  big: { budget: 10 }
  free: { multiplier: 1 }
keys:
  - { name: alice, key: ${ALICE}, group: team }
  - { name: bob, key: ${BOB}, group: team }
  - { name: carol, key: ${CAROL}, group: big, budget: 0.01 }
  - { name: solo, key: ${SOLO}, group: free }
  - { name: dave, key: ${DAVE}, group: big }
`;

beforeAll(async () => {
  if (!REDIS_BIN) return;
  redis = await startRedis();
  for (let i = 0; i < 3; i++) nodes.push(await startTestGateway(yaml(redis.url), { dir }));
  store = await openStore(`file:${join(dir, 'ledger.db')}`, undefined, { migrate: false });
}, 30_000);
afterAll(async () => {
  if (!REDIS_BIN) return;
  await Promise.all(nodes.map((n) => n.stop()));
  await store.close();
  await redis.close();
});

const chat = (node: TestGateway, key: string, model = 'm') => fetch(`${node.url}/v1/chat/completions`, {
  method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
  body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }] }),
});
const admin = (node: TestGateway, method: string, path: string, body?: unknown) => fetch(`${node.url}${path}`, {
  method, headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body),
});
/** n concurrent requests spread over the nodes, alternating `keys`: their statuses and bodies. */
async function burst(n: number, keys: string[], model = 'm'): Promise<Array<{ status: number; body: { error?: { code: string; message: string } } }>> {
  return Promise.all(Array.from({ length: n }, async (_, i) => {
    const r = await chat(nodes[i % 3], keys[i % keys.length], model);
    return { status: r.status, body: await r.json() };
  }));
}
async function groupSpent(name: string): Promise<number> {
  await Promise.all(nodes.map((n) => n.runtime.ledger.flush()));
  const res = await sqliteStore(store).client.execute({ sql: 'SELECT spent_micros FROM key_spend WHERE key_name = ?', args: [`@group:${name}`] });
  return Number(res.rows[0]?.[0] ?? 0);
}
/** The group's live figures as another node's admin API shows them, once `done` holds (settles are batched). */
async function groupView(node: TestGateway, name: string, done: (g: Record<string, number>) => boolean): Promise<Record<string, number>> {
  let g: Record<string, number> = {};
  for (let i = 0; i < 60; i++) {
    g = await (await admin(node, 'GET', `/admin/groups/${name}`)).json();
    if (done(g)) break;
    await Bun.sleep(50);
  }
  return g;
}

testRedis('a group budget that fits 3: 60 concurrent requests by two keys over 3 nodes → exactly 3 succeed, group spend = 3 × cost', async () => {
  const out = await burst(60, [ALICE, BOB]);
  expect(out.filter((o) => o.status === 200)).toHaveLength(3);
  const refused = out.filter((o) => o.status === 429);
  expect(refused).toHaveLength(57);
  for (const o of refused) {
    expect(o.body.error!.code).toBe('insufficient_quota');
    expect(o.body.error!.message).toContain('group "team"');
    expect(o.body.error!.message).not.toMatch(/alice|bob/);
  }
  expect(await groupSpent('team')).toBe(30_000);
  const view = await groupView(nodes[2], 'team', (g) => g.spent_usd >= 0.03);
  expect(view).toMatchObject({ budget_usd: 0.03, spent_usd: 0.03, remaining_usd: 0, reserved_usd: 0 });
});

testRedis("a key's own cap inside a budgeted group holds across nodes, with the key's message", async () => {
  const out = await burst(12, [CAROL]);
  expect(out.filter((o) => o.status === 200)).toHaveLength(1);
  const refused = out.find((o) => o.status === 429)!;
  expect(refused.body.error!.message).toContain('"carol"');
  expect(await groupSpent('big')).toBe(10_000);
});

testRedis("a failed request releases the group's reservation on every node", async () => {
  const before = await groupSpent('big');
  const out = await burst(3, [DAVE], 'broken');
  for (const o of out) expect(o.status).toBeGreaterThanOrEqual(500);
  const view = await groupView(nodes[1], 'big', (g) => g.reserved_usd === 0);
  expect(view.reserved_usd).toBe(0);
  expect(await groupSpent('big')).toBe(before);
});

testRedis('a top-up on node A admits exactly one more request over B and C', async () => {
  const up = await admin(nodes[0], 'PATCH', '/admin/groups/team', { top_up: 0.01 });
  expect(up.status).toBe(200);
  const out = await Promise.all(Array.from({ length: 10 }, (_, i) => chat(nodes[1 + (i % 2)], i % 2 ? ALICE : BOB).then(async (r) => { await r.text(); return r.status; })));
  expect(out.filter((s) => s === 200)).toHaveLength(1);
  expect(await groupSpent('team')).toBe(40_000);
});

testRedis("a flushed Redis: the group's counter is seeded from the ledger (spend and top-ups kept)", async () => {
  await groupSpent('team'); // every node's rows are in the ledger
  await redis.command('FLUSHALL');
  const out = await burst(9, [ALICE, BOB]);
  expect(out.every((o) => o.status === 429)).toBe(true);
  const view = await groupView(nodes[0], 'team', (g) => g.spent_usd >= 0.04);
  expect(view).toMatchObject({ budget_usd: 0.04, spent_usd: 0.04, remaining_usd: 0 });
});

testRedis('a reload that raises the budget applies on every node; /v1/balance says the group applies', async () => {
  writeFileSync(join(dir, 'gateway.yaml'), yaml(redis.url, 0.05));
  for (const n of nodes) expect(await n.reload('test')).toBe(true);
  const out = await burst(12, [ALICE, BOB]);
  expect(out.filter((o) => o.status === 200)).toHaveLength(2); // $0.05 + the $0.01 top-up − $0.04 spent
  // Settles reach Redis in batches a few ms after the answers: read until they show.
  let balance = { group_budget: { reserved_usd: 1, budget_usd: 0 } };
  for (let i = 0; i < 60 && balance.group_budget.reserved_usd > 0; i++) {
    if (i) await Bun.sleep(50);
    balance = await (await fetch(`${nodes[2].url}/v1/balance`, { headers: { authorization: `Bearer ${BOB}` } })).json();
  }
  expect(balance).toMatchObject({ group: 'team', limited_by: 'group', remaining_usd: 0 });
  expect(balance.group_budget.budget_usd).toBe(0.06);
});

testRedis('a key of a group without a budget leaves no group account in Redis', async () => {
  expect((await chat(nodes[0], SOLO)).status).toBe(200);
  expect(await redis.command('EXISTS', 'g1:budget:@group:free')).toBe(':0\r\n');
  expect(await redis.command('EXISTS', 'g1:budget:@group:team')).toBe(':1\r\n');
});

testRedis('batches mixing group-budgeted and other keys: the group admits exactly what fits, the others are untouched', async () => {
  expect((await admin(nodes[1], 'PATCH', '/admin/groups/team', { top_up: 0.02 })).status).toBe(200);
  const out = await burst(45, [ALICE, SOLO, BOB]);
  const team = out.filter((_, i) => i % 3 !== 1);
  const solo = out.filter((_, i) => i % 3 === 1);
  expect(team.filter((o) => o.status === 200)).toHaveLength(2);
  expect(solo.every((o) => o.status === 200)).toBe(true);
  expect(await groupSpent('team')).toBe(80_000);
});
