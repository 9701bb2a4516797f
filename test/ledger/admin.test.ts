// Admin API (keys, usage, providers), balance endpoints, and no plaintext key in the database.

import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { existsSync, readFileSync } from 'node:fs';
import OpenAI from 'openai';
import { ADMIN, KEY, admin, chat, harness, type Harness } from './harness.ts';

const yaml = (token: string | null) => `version: 1
server:
  ${token ? `admin_token: ${token}` : 'host: 127.0.0.1'}
providers:
  mock: { adapter: mock, models: [m] }
models:
  m: { price: { input: 1, output: 2 } }
groups:
  team: { multiplier: 2, limits: { rpm: 100 } }
keys:
  - { name: alice, key: ${KEY}, budget: 5, expires_at: "2099-01-01T00:00:00Z", limits: { rpm: 60 } }
`;

let h: Harness;
let issued = '';
beforeAll(async () => {
  h = await harness(yaml(ADMIN));
});
afterAll(async () => {
  await h.cleanup();
});

type Json = Record<string, unknown>;
const body = async (r: Response) => (await r.json()) as Json;

describe('admin API', () => {
  test('refuses without the token, and with a wrong one', async () => {
    const none = await admin(h.url, 'GET', '/admin/keys', undefined, null);
    expect(none.status).toBe(401);
    expect(((await body(none)).error as Json).code).toBe('invalid_admin_token');
    expect((await admin(h.url, 'GET', '/admin/keys', undefined, 'wrong')).status).toBe(401);
    expect((await admin(h.url, 'POST', '/admin/keys', { name: 'x' }, 'wrong')).status).toBe(401);
  });

  test('create a key, use it with the OpenAI SDK, revoke it → 401', async () => {
    const created = await admin(h.url, 'POST', '/admin/keys', { name: 'bob', group: 'team', budget: 1, limits: { rpm: 10 }, models: ['m'] });
    expect(created.status).toBe(201);
    const c = await body(created);
    issued = c.key as string;
    expect(issued).toMatch(/^sk-sy-[0-9A-Za-z]{32}$/);
    expect(c).toMatchObject({ name: 'bob', source: 'runtime', group: 'team', prefix: issued.slice(0, 10), budget_usd: 1, spent_usd: 0, remaining_usd: 1, revoked: false });

    const client = new OpenAI({ baseURL: `${h.url}/v1`, apiKey: issued, maxRetries: 0 });
    const { data, response } = await client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'hi' }] }).withResponse();
    expect(data.choices[0].message.content).toBe('You said: hi');
    expect(response.headers.get('x-ratelimit-limit-requests')).toBe('10');
    const cost = Math.round(Number(response.headers.get('x-switchyard-cost-usd')) * 1e6);
    // group multiplier 2: cost = ceil(2 × (prompt × 1 + completion × 2))
    expect(cost).toBe(2 * (data.usage!.prompt_tokens + 2 * data.usage!.completion_tokens));

    const dup = await admin(h.url, 'POST', '/admin/keys', { name: 'alice' });
    expect(dup.status).toBe(409);

    const revoked = await admin(h.url, 'DELETE', '/admin/keys/bob');
    expect(revoked.status).toBe(200);
    expect((await body(revoked)).revoked).toBe(true);
    const after = await client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'hi' }] }).catch((e: unknown) => e);
    expect(after).toBeInstanceOf(OpenAI.AuthenticationError);
    // Its own code, like an expired key: the owner learns the key was revoked, not mistyped.
    expect((after as InstanceType<typeof OpenAI.AuthenticationError>).code).toBe('revoked_api_key');
    const raw = await chat(h.url, { model: 'm' }, issued);
    expect(raw.status).toBe(401);
    const error = (await body(raw)).error as Json;
    expect(error).toMatchObject({ type: 'authentication_error', code: 'revoked_api_key' });
    expect(error.message).toContain('"bob" was revoked');
    expect(error.message).not.toContain(issued);
    // A key that never existed is still just invalid.
    expect((((await body(await chat(h.url, { model: 'm' }, 'sk-sy-' + 'x'.repeat(32)))).error) as Json).code).toBe('invalid_api_key');
    // Still revoked (not merely unknown) after a restart: the registry reloads revoked keys from the store.
    await h.restart();
    expect((((await body(await chat(h.url, { model: 'm' }, issued))).error) as Json).code).toBe('revoked_api_key');
  });

  test('list is masked and shows spend; patch and top up; validation', async () => {
    const list = await body(await admin(h.url, 'GET', '/admin/keys'));
    const data = list.data as Json[];
    expect(data.map((k) => [k.name, k.source, k.prefix])).toEqual([['alice', 'config', '(config)'], ['bob', 'runtime', issued.slice(0, 10)]]);
    expect(JSON.stringify(list)).not.toContain(issued);
    expect(JSON.stringify(list)).not.toContain(KEY);
    const bob = data[1];
    expect(bob.revoked).toBe(true);
    expect(bob.spent_usd as number).toBeGreaterThan(0);

    const topped = await admin(h.url, 'PATCH', '/admin/keys/alice', { top_up: 2.5 });
    expect(topped.status).toBe(200);
    expect(await body(topped)).toMatchObject({ name: 'alice', budget_usd: 7.5 });
    // Taking back is allowed down to zero, never below it.
    const tooMuch = await admin(h.url, 'PATCH', '/admin/keys/alice', { top_up: -1000 });
    expect(tooMuch.status).toBe(400);
    expect((await body(tooMuch)).error).toMatchObject({ param: 'top_up', type: 'invalid_request_error' });
    expect(await body(await admin(h.url, 'PATCH', '/admin/keys/alice', { top_up: -0.5 }))).toMatchObject({ budget_usd: 7 });
    expect(await body(await admin(h.url, 'PATCH', '/admin/keys/alice', { top_up: 0.5 }))).toMatchObject({ budget_usd: 7.5 });
    const cfg = await admin(h.url, 'PATCH', '/admin/keys/alice', { budget: 9 });
    expect(cfg.status).toBe(400);
    expect(((await body(cfg)).error as Json).message).toContain('gateway.yaml');
    const del = await admin(h.url, 'DELETE', '/admin/keys/alice');
    expect(del.status).toBe(400);
    expect(((await body(del)).error as Json).message).toContain('remove it from gateway.yaml');

    const patched = await admin(h.url, 'PATCH', '/admin/keys/bob', { budget: 3, top_up: 1, expires_at: '2098-01-01T00:00:00Z', limits: null });
    expect(await body(patched)).toMatchObject({ budget_usd: 4, expires_at: '2098-01-01T00:00:00.000Z', limits: null });

    const bad = [
      await admin(h.url, 'POST', '/admin/keys', { name: 'x', budget: -1 }),
      await admin(h.url, 'POST', '/admin/keys', { name: 'x', budget_usd: 1 }),
      await admin(h.url, 'POST', '/admin/keys', { name: 'x', group: 'nope' }),
      await admin(h.url, 'POST', '/admin/keys', { name: 'x', allow_ips: ['10.0.0.0/33'] }),
      await admin(h.url, 'POST', '/admin/keys', { name: 'x', limits: { rpm: 0 } }),
      await admin(h.url, 'POST', '/admin/keys', { name: 'bad name!' }),
    ];
    for (const r of bad) {
      expect(r.status).toBe(400);
      expect(((await body(r)).error as Json).type).toBe('invalid_request_error');
    }
    expect((await admin(h.url, 'PATCH', '/admin/keys/nobody', { top_up: 1 })).status).toBe(404);

    const old = await body(await admin(h.url, 'POST', '/admin/keys', { name: 'old', expires_at: '2020-01-01T00:00:00Z' }));
    const expired = await chat(h.url, { model: 'm' }, old.key as string);
    expect(expired.status).toBe(401);
    expect(((await body(expired)).error as Json).code).toBe('expired_api_key');
    await admin(h.url, 'DELETE', '/admin/keys/old');
  });

  test('usage report grouped by key, model, provider and day', async () => {
    await chat(h.url, { model: 'm' }).then((r) => r.text());
    const report = await body(await admin(h.url, 'GET', '/admin/usage?group_by=key,model,provider,day'));
    const rows = report.rows as Json[];
    const today = new Date().toISOString().slice(0, 10);
    expect(rows.map((r) => [r.key, r.model, r.provider, r.day])).toEqual([['alice', 'm', 'mock', today], ['bob', 'm', 'mock', today]]);
    const totals = report.totals as Json;
    expect(totals.requests).toBe(2);
    expect(totals.cost_usd).toBe((totals.cost_micros as number) / 1e6);
    const byKey = await body(await admin(h.url, 'GET', `/admin/usage?group_by=key&from=${today}&to=2999-01-01`));
    expect((byKey.rows as Json[]).length).toBe(2);
    expect((await admin(h.url, 'GET', '/admin/usage?group_by=colour')).status).toBe(400);
  });

  test('bounds: a key never reaches a budget the ledger cannot hold exactly, and odd queries are 400s, not 500s', async () => {
    expect((await admin(h.url, 'POST', '/admin/keys', { name: 'rich', budget: 1e9 })).status).toBe(201);
    // Each top-up alone is within bounds; the total would pass 1e9 USD (and, repeated, 2^53 micro-dollars,
    // which made every later start fail reading key_spend).
    const over = await admin(h.url, 'PATCH', '/admin/keys/rich', { top_up: 1e9 });
    expect(over.status).toBe(400);
    expect(((await body(over)).error as Json).message).toContain('largest budget');
    expect(await body(await admin(h.url, 'PATCH', '/admin/keys/rich', { top_up: -1e9 + 1 }))).toMatchObject({ budget_usd: 1 });
    expect(await body(await admin(h.url, 'PATCH', '/admin/keys/rich', { top_up: 1e9 - 1 }))).toMatchObject({ budget_usd: 1e9 });
    for (const [path, param] of [['/admin/timeseries?window=__proto__', 'window'], ['/admin/timeseries?window=constructor', 'window'], ['/admin/usage?from=99999999999999999999', 'from']]) {
      const r = await admin(h.url, 'GET', path);
      expect(r.status).toBe(400);
      expect(((await body(r)).error as Json).param).toBe(param);
    }
    for (const bad of [{ limits: { rpm: 1e300 } }, { expires_at: '0' }, { expires_at: '+275760-09-13T00:00:00Z' }, { models: ['m\u001b[31m'] }]) {
      const r = await admin(h.url, 'PATCH', '/admin/keys/rich', bad);
      expect(r.status).toBe(400);
    }
    await h.restart();
    expect(await body(await admin(h.url, 'GET', '/admin/keys/rich'))).toMatchObject({ budget_usd: 1e9 });
  });

  test('provider health', async () => {
    const res = await body(await admin(h.url, 'GET', '/admin/providers'));
    expect(res.data).toMatchObject([{ provider: 'mock', adapter: 'mock', targets: [{ upstream_model: 'm', models: ['m'], state: 'closed', consecutive_failures: 0, open_for_ms: 0, recent_error_rate: 0, last_error: null }] }]);
    expect((res.data as Array<{ targets: Array<{ recent: unknown }> }>)[0].targets[0].recent).toMatchObject({ window_ms: 900_000, errors: 0, error_rate: 0 });
  });

  test('balance endpoints for the caller', async () => {
    const auth = { authorization: `Bearer ${KEY}` };
    const sub = await body(await fetch(`${h.url}/v1/dashboard/billing/subscription`, { headers: auth }));
    expect(sub).toMatchObject({ object: 'billing_subscription', has_payment_method: true, hard_limit_usd: 7.5, soft_limit_usd: 7.5, system_hard_limit_usd: 7.5, access_until: Date.parse('2099-01-01T00:00:00Z') / 1000, plan: { title: 'default', id: 'default' } });
    const today = new Date().toISOString().slice(0, 10);
    const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
    const usage = await body(await fetch(`${h.url}/dashboard/billing/usage?start_date=${today}&end_date=${tomorrow}`, { headers: auth }));
    const balance = await body(await fetch(`${h.url}/balance`, { headers: auth }));
    const spentUsd = balance.spent_usd as number;
    expect(spentUsd).toBeGreaterThan(0);
    expect(usage.object).toBe('list');
    expect(usage.total_usage).toBeCloseTo(spentUsd * 100, 8); // cents
    const days = usage.daily_costs as Array<{ timestamp: number; line_items: Array<{ name: string; cost: number }> }>;
    expect(days.length).toBe(1);
    expect(days[0].timestamp).toBe(Date.parse(today) / 1000);
    expect(days[0].line_items.map((i) => i.name)).toEqual(['m']);
    expect(balance.remaining_usd as number).toBeCloseTo(7.5 - spentUsd, 9);
    expect(balance).toMatchObject({ name: 'alice', group: 'default', budget_usd: 7.5, expires_at: '2099-01-01T00:00:00.000Z', limits: { rpm: 60 } });
    const badDate = await fetch(`${h.url}/v1/dashboard/billing/usage?start_date=2025-13-01`, { headers: auth });
    expect(badDate.status).toBe(400);
  });

  test('no plaintext key (config or runtime) anywhere in the database files', async () => {
    await h.query('SELECT 1');
    const files = [h.dbPath, `${h.dbPath}-wal`, `${h.dbPath}-shm`].filter(existsSync);
    expect(files.length).toBeGreaterThan(1);
    for (const f of files) {
      const bytes = readFileSync(f).toString('latin1');
      expect(bytes.includes(KEY)).toBe(false);
      expect(bytes.includes(issued)).toBe(false);
      expect(bytes.includes(issued.slice(10))).toBe(false);
      expect(bytes.includes(ADMIN)).toBe(false);
    }
    const stored = await h.query("SELECT prefix, digest FROM runtime_keys WHERE name = 'bob'");
    expect(stored).toEqual([{ prefix: issued.slice(0, 10), digest: new Bun.CryptoHasher('sha256').update(issued).digest('hex') }]);
  });

  test('admin API is off (404) without server.admin_token', async () => {
    h.write(yaml(null));
    expect(await h.gw.reload('test')).toBe(true);
    const res = await admin(h.url, 'GET', '/admin/keys');
    expect(res.status).toBe(404);
    expect(((await body(res)).error as Json).code).toBe('admin_disabled');
  });
});
