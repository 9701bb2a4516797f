// A budget shared by a group's keys (groups.<name>.budget), through the real gateway in one process: the
// concurrency race on a group budget that fits exactly 3 requests (two keys), the refusal's message, a key's
// own smaller cap inside the group, release on failure, settle to the actual cost, persistence across a
// restart (the `@group:<name>` spend account), admin top-ups and listing, the balance views, hot reload with
// a reservation in flight, and the reserved key-name prefix.

import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import OpenAI from 'openai';
import { ADMIN, KEY, admin, chat, harness, type Harness } from './harness.ts';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfigFile } from '../../src/config/load.ts';

const BOB = 'sk-group-budget-bob-0123456789';
const CAROL = 'sk-group-budget-carol-0123456789';
const SOLO = 'sk-group-budget-solo-0123456789';
const yaml = (team: string) => `version: 1
server: { admin_token: ${ADMIN} }
providers:
  mock: { adapter: mock, models: [m, t] }
  slow: { adapter: mock, models: [slow], mock: { delay_ms: 400 } }
  bad: { adapter: mock, models: [broken], mock: { fail_status: 503 } }
models:
  m: { price: { per_request: 0.01 } }
  t: { price: { input: 1, output: 2 } }
  slow: { price: { per_request: 0.01 } }
  broken: { price: { per_request: 0.01 } }
routing: { retry: { attempts: 0 } }
groups:
  team: { ${team} }
  other: { budget: 5 }
keys:
  - { name: alice, key: ${KEY}, group: team }
  - { name: bob, key: ${BOB}, group: team }
  - { name: carol, key: ${CAROL}, group: team, budget: 0.005 }
  - { name: solo, key: ${SOLO} }
`;

let h: Harness;
beforeAll(async () => {
  h = await harness(yaml('budget: 0.03'));
});
afterAll(() => h.cleanup());

type Err = { error: { type: string; code: string; message: string } };
const groupSpent = async () => Number((await h.query("SELECT spent_micros FROM key_spend WHERE key_name = '@group:team'"))[0]?.spent_micros ?? 0);
const groups = async () => ((await (await admin(h.url, 'GET', '/admin/groups')).json()) as { data: Array<Record<string, unknown>> }).data;
const team = async () => (await groups()).find((g) => g.name === 'team')!;
const balance = async (key: string) => (await (await fetch(`${h.url}/v1/balance`, { headers: { authorization: `Bearer ${key}` } })).json()) as Record<string, unknown>;

describe('group budget', () => {
  test('40 concurrent requests by two keys on a group budget that fits 3: exactly 3 succeed, group spend = 3 × cost', async () => {
    const responses = await Promise.all(Array.from({ length: 40 }, (_, i) => chat(h.url, {}, i % 2 ? BOB : KEY)));
    const statuses = responses.map((r) => r.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(3);
    expect(statuses.filter((s) => s === 429)).toHaveLength(37);
    const bodies = (await Promise.all(responses.map((r) => r.json()))) as Err[];
    const refused = bodies[statuses.indexOf(429)].error;
    expect(refused.code).toBe('insufficient_quota');
    expect(refused.type).toBe('insufficient_quota');
    expect(refused.message).toContain('group "team"');
    expect(refused.message).toContain('$0.00 left of $0.03');
    expect(refused.message).toContain('PATCH /admin/groups/team');
    // Never another key's name.
    for (const b of bodies) expect(b.error?.message ?? '').not.toMatch(/alice|bob|carol/);
    expect(await groupSpent()).toBe(30_000);
    // The keys' own spend is still counted, each by name.
    const keys = await h.query("SELECT SUM(spent_micros) AS s FROM key_spend WHERE key_name IN ('alice', 'bob')");
    expect(Number(keys[0].s)).toBe(30_000);
    expect(await team()).toMatchObject({ budget_usd: 0.03, spent_usd: 0.03, remaining_usd: 0, reserved_usd: 0 });
    // A key outside the group is not affected.
    expect((await chat(h.url, {}, SOLO)).status).toBe(200);
  });

  test('balance views show the effective remaining and which budget applies', async () => {
    const b = await balance(KEY);
    expect(b).toMatchObject({ name: 'alice', group: 'team', budget_usd: null, remaining_usd: 0, limited_by: 'group' });
    expect(b.group_budget).toEqual({ budget_usd: 0.03, spent_usd: 0.03, remaining_usd: 0, reserved_usd: 0 });
    const sub = (await (await fetch(`${h.url}/v1/dashboard/billing/subscription`, { headers: { authorization: `Bearer ${KEY}` } })).json()) as Record<string, number>;
    // hard limit = the key's spend + what it may still spend (the group's remaining): NextChat shows 0 left.
    expect(sub.hard_limit_usd).toBeCloseTo(Number(b.spent_usd), 9);
    expect((await balance(SOLO)).limited_by).toBeNull();
  });

  test('a restart keeps the group spend; a top-up admits exactly one more; bounds are checked', async () => {
    await h.restart();
    expect((await chat(h.url, {}, BOB)).status).toBe(429);
    expect((await admin(h.url, 'PATCH', '/admin/groups/team', { top_up: 1e9 })).status).toBe(400);
    expect((await admin(h.url, 'PATCH', '/admin/groups/team', { top_up: -1 })).status).toBe(400);
    expect((await admin(h.url, 'PATCH', '/admin/groups/default', { top_up: 1 })).status).toBe(400); // no budget
    expect((await admin(h.url, 'PATCH', '/admin/groups/nope', { top_up: 1 })).status).toBe(404);
    const up = await admin(h.url, 'PATCH', '/admin/groups/team', { top_up: 0.01 });
    expect(up.status).toBe(200);
    expect(await up.json()).toMatchObject({ name: 'team', budget_usd: 0.04, remaining_usd: 0.01 });
    const after = await Promise.all(Array.from({ length: 6 }, (_, i) => chat(h.url, {}, i % 2 ? BOB : KEY)));
    expect(after.map((r) => r.status).sort()).toEqual([200, 429, 429, 429, 429, 429]);
    expect(await groupSpent()).toBe(40_000);
    await h.restart();
    expect(await team()).toMatchObject({ budget_usd: 0.04, spent_usd: 0.04, remaining_usd: 0 });
  });

  test("a key's own smaller budget applies inside the group, with the key's message", async () => {
    h.write(yaml('budget: 1'));
    expect(await h.gw.reload('test')).toBe(true);
    const first = await chat(h.url, {}, CAROL, { 'x-test': '1' });
    expect(first.status).toBe(429); // $0.01 > carol's $0.005
    const msg = ((await first.json()) as Err).error.message;
    expect(msg).toContain('"carol"');
    expect(msg).not.toContain('group');
    const b = await balance(CAROL);
    expect(b).toMatchObject({ budget_usd: 0.005, remaining_usd: 0.005, limited_by: 'key' });
  });

  test('a failed request releases its group reservation and costs the group nothing', async () => {
    const before = await groupSpent();
    expect((await chat(h.url, { model: 'broken' }, KEY)).status).toBeGreaterThanOrEqual(500);
    expect(await groupSpent()).toBe(before);
    expect(await team()).toMatchObject({ reserved_usd: 0 });
  });

  test('token-priced requests: the group is charged the actual cost, not the reservation', async () => {
    const before = await groupSpent();
    const client = new OpenAI({ baseURL: `${h.url}/v1`, apiKey: BOB, maxRetries: 0 });
    const res = await client.chat.completions.create({ model: 't', max_tokens: 2000, messages: [{ role: 'user', content: 'one two three' }] }).withResponse();
    const cost = Math.round(Number(res.response.headers.get('x-switchyard-cost-usd')) * 1e6);
    expect(cost).toBeGreaterThan(0);
    expect(await groupSpent()).toBe(before + cost);
    expect(await team()).toMatchObject({ reserved_usd: 0 });
  });

  test('hot reload: a reservation in flight settles on the group after its budget is removed; without a budget nothing is counted; re-added, it applies', async () => {
    h.write(yaml('budget: 0.08'));
    expect(await h.gw.reload('test')).toBe(true);
    const before = await groupSpent();
    const inFlight = chat(h.url, { model: 'slow' }, KEY);
    await Bun.sleep(150);
    expect((await team()).reserved_usd).toBeCloseTo(0.01, 9);
    h.write(yaml('multiplier: 1'));
    expect(await h.gw.reload('test')).toBe(true);
    expect((await inFlight).status).toBe(200);
    expect(await groupSpent()).toBe(before + 10_000); // admitted under the budget: counted
    expect((await chat(h.url, {}, KEY)).status).toBe(200); // no group budget now: not counted
    expect(await groupSpent()).toBe(before + 10_000);
    h.write(yaml('budget: 0.08'));
    expect(await h.gw.reload('test')).toBe(true);
    expect(await team()).toMatchObject({ reserved_usd: 0 });
    const remaining = Number((await team()).remaining_usd);
    const n = Math.floor(Math.round(remaining * 1e6) / 10_000);
    expect(n).toBeGreaterThan(0);
    const burst = await Promise.all(Array.from({ length: n + 5 }, () => chat(h.url, {}, BOB)));
    expect(burst.filter((r) => r.status === 200)).toHaveLength(n);
  });
});

/** The config's problems, as one string ('' when it loads). */
async function problemsOf(text: string): Promise<string> {
  const file = join(h.dir, 'check.yaml');
  writeFileSync(file, text);
  const loaded = await loadConfigFile(file, {});
  return loaded.ok ? '' : loaded.problems.map((p) => p.message).join('\n');
}

test('config: a key name starting with "@group:" is refused; a negative group budget is refused', async () => {
  const keyClash = yaml('budget: 1').replace('name: solo', 'name: "@group:team"');
  expect(await problemsOf(keyClash)).toContain('reserved for the spend of group budgets');
  expect(await problemsOf(yaml('budget: -1'))).toContain('budget');
  expect(await problemsOf(yaml('budget: 2'))).toBe('');
});
