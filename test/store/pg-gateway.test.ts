// The gateway on a real PostgreSQL ledger, through its HTTP surface: the OpenAI SDK with a key issued by
// the admin API, spend and the usage report read back from PostgreSQL and across a restart; PostgreSQL
// stopped and restarted while requests flow (rows buffered, then written, none lost); the buffer bound
// (503 ledger_unavailable, /ready says why, recovery by itself); replicas starting together apply the
// migrations exactly once.

import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import OpenAI from 'openai';
import pg from 'pg';
import { startGateway, type RunningGateway } from '../../src/gateway.ts';
import { createLogger } from '../../src/log.ts';
import { PG_MIGRATIONS_FOLDER } from '../../src/store/migrate-pg.ts';
import { tempDir } from '../helpers/gateway.ts';
import { postgresSkipReason, sharedPostgres, type PgServer } from '../helpers/postgres.ts';

const KEY = 'sk-pg-test-key-0123456789';
const ADMIN = 'admin-token-for-pg-tests';
const skip = postgresSkipReason();
if (skip) console.warn(`[postgres] skipped: ${skip}`);

const yaml = (url: string, storage = '') => `version: 1
server:
  admin_token: ${ADMIN}
storage:
  url: ${url}
  flush_ms: 20
${storage}
providers:
  mock: { adapter: mock, models: [m] }
models:
  m: { price: { input: 1, output: 2 } }
keys:
  - { name: alice, key: ${KEY}, budget: 5 }
`;

let server: PgServer;
const running: RunningGateway[] = [];
const clients: pg.Pool[] = [];
let n = 0;

beforeAll(async () => {
  if (!skip) server = (await sharedPostgres())!;
}, 60_000);
afterAll(async () => {
  await Promise.all(running.map((gw) => gw.stop().catch(() => {})));
  await Promise.all(clients.map((c) => c.end().catch(() => {})));
}, 30_000);

type Query = (text: string) => Promise<Array<Record<string, unknown>>>;
async function database(): Promise<{ url: string; sql: Query }> {
  const url = await server.createDatabase(`gw_${process.pid}_${++n}`);
  const pool = new pg.Pool({ connectionString: url, max: 2 });
  pool.on('error', () => {});
  clients.push(pool);
  return { url, sql: async (text) => (await pool.query<Record<string, unknown>>(text)).rows };
}

/** `lines`: collects the gateway's log lines (info and up) instead of the usual silence. */
async function start(text: string, dir = tempDir(), lines?: string[]): Promise<RunningGateway> {
  const configPath = join(dir, `gateway-${++n}.yaml`);
  writeFileSync(configPath, text);
  const logger = lines ? createLogger('info', 'json', { out: (t) => void lines.push(t), err: (t) => void lines.push(t) }) : createLogger((process.env.TEST_LOG ?? 'silent') as 'silent');
  const gw = await startGateway({ configPath, port: 0, watch: false, logger });
  running.push(gw);
  return gw;
}

const admin = (gw: RunningGateway, method: string, path: string, body?: unknown) =>
  fetch(`${gw.url}${path}`, { method, headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
const chat = (gw: RunningGateway, key = KEY) =>
  fetch(`${gw.url}/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'hello there' }] }) });
const ready = async (gw: RunningGateway) => {
  const r = await fetch(`${gw.url}/ready`);
  return { status: r.status, body: (await r.json()) as { status: string; checks?: { ledger?: { status: string; pending: number; message?: string } } } };
};
async function until(what: string, check: () => Promise<boolean> | boolean, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(25);
  }
}
const num = (v: unknown) => Number(v ?? 0);

describe.skipIf(skip !== null)('gateway on PostgreSQL', () => {
  test('OpenAI SDK, admin-issued key, spend, usage report and top-up; all kept across a restart', async () => {
    const { url, sql } = await database();
    const dir = tempDir();
    let gw = await start(yaml(url), dir);
    const created = await admin(gw, 'POST', '/admin/keys', { name: 'bob', budget: 1, models: ['m'] });
    expect(created.status).toBe(201);
    const issued = ((await created.json()) as { key: string }).key;

    const client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: issued, maxRetries: 0 });
    const answer = await client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'hi' }] });
    expect(answer.choices[0]?.message.content).toBe('You said: hi');
    let streamed = '';
    for await (const chunk of await client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'again' }], stream: true, stream_options: { include_usage: true } })) {
      streamed += chunk.choices[0]?.delta?.content ?? '';
    }
    expect(streamed).toBe('You said: again');
    await gw.runtime.ledger.flush();

    const [spend] = await sql("SELECT spent_micros FROM key_spend WHERE key_name = 'bob'");
    const [ledger] = await sql("SELECT count(*) AS n, sum(cost_micros) AS cost, bool_or(stream) AS streamed FROM requests WHERE key_name = 'bob'");
    expect(num(ledger?.n)).toBe(2);
    expect(ledger?.streamed).toBe(true);
    expect(num(spend?.spent_micros)).toBeGreaterThan(0);
    expect(num(spend?.spent_micros)).toBe(num(ledger?.cost));
    expect(num((await sql('SELECT count(*) AS n FROM attempts'))[0]?.n)).toBe(2);

    const today = new Date().toISOString().slice(0, 10);
    const usage = (await (await admin(gw, 'GET', '/admin/usage?group_by=key,day')).json()) as { rows: Array<{ key: string; day: string; requests: number; cost_micros: number }> };
    expect(usage.rows).toEqual([expect.objectContaining({ key: 'bob', day: today, requests: 2, cost_micros: num(ledger?.cost) })]);

    // The dashboard's series and provider stats read the same rows on PostgreSQL.
    const series = (await (await admin(gw, 'GET', '/admin/timeseries?window=1h')).json()) as { requests: number[]; cost_micros: number[] };
    expect(series.requests.reduce((a, b) => a + b, 0)).toBe(2);
    expect(series.cost_micros.reduce((a, b) => a + b, 0)).toBe(num(ledger?.cost));
    const providers = (await (await admin(gw, 'GET', '/admin/providers')).json()) as { data: Array<{ targets: Array<{ recent?: { attempts: number } }> }> };
    expect(JSON.stringify(providers.data)).toContain('"attempts":2');

    const topped = await admin(gw, 'PATCH', '/admin/keys/bob', { top_up: 2 });
    expect(((await topped.json()) as { budget_usd: number }).budget_usd).toBe(3);
    expect(num((await sql("SELECT budget_adjust_micros FROM key_spend WHERE key_name = 'bob'"))[0]?.budget_adjust_micros)).toBe(2_000_000);

    // A restart on the same database: the issued key, its spend and its top-up come back from PostgreSQL.
    await gw.stop();
    gw = await start(yaml(url), dir);
    const keys = (await (await admin(gw, 'GET', '/admin/keys')).json()) as { data: Array<{ name: string; spent_usd: number; budget_usd: number }> };
    const bob = keys.data.find((k) => k.name === 'bob');
    expect(bob?.budget_usd).toBe(3);
    expect(Math.round((bob?.spent_usd ?? 0) * 1e6)).toBe(num(spend?.spent_micros));
    const again = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: issued, maxRetries: 0 });
    expect((await again.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'hi' }] })).choices[0]?.message.content).toBe('You said: hi');
    expect((await admin(gw, 'DELETE', '/admin/keys/bob')).status).toBe(200);
    expect(await again.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'hi' }] }).catch((e: unknown) => e)).toBeInstanceOf(OpenAI.AuthenticationError);
    expect((await sql("SELECT revoked_at FROM runtime_keys WHERE name = 'bob'"))[0]?.revoked_at).not.toBeNull();
  }, 60_000);

  test('PostgreSQL stopped and restarted while requests flow: rows are buffered, then written, none lost', async () => {
    const { url, sql } = await database();
    const lines: string[] = [];
    const gw = await start(yaml(url), tempDir(), lines);
    const answered = new Set<string>();
    let failures = 0;
    let flowing = true;
    const workers = Array.from({ length: 4 }, async () => {
      while (flowing) {
        const r = await chat(gw);
        if (r.status === 200) answered.add(r.headers.get('x-request-id') ?? '');
        else failures++;
        await r.arrayBuffer();
      }
    });
    await until('some traffic', () => answered.size >= 20);
    await server.stop();
    const beforeOutage = answered.size;
    await until('the outage to be noticed', async () => (await ready(gw)).body.checks?.ledger?.status === 'buffering');
    const during = await ready(gw);
    expect(during.status).toBe(200); // buffering still serves: every replica shares the database
    expect(during.body.checks?.ledger?.message).toContain('unreachable');
    await until('traffic during the outage', () => answered.size >= beforeOutage + 40);
    await server.start();
    await until('the backlog to drain', async () => (await ready(gw)).body.checks?.ledger?.status === 'ok');
    // The outage is logged, and so is its end (once).
    expect(lines.join('').includes('ledger write failed')).toBe(true);
    await until('the recovery line', () => lines.join('').includes('ledger writes succeed again'), 5000);
    const afterOutage = answered.size;
    await until('traffic after the outage', () => answered.size >= afterOutage + 20);
    flowing = false;
    await Promise.all(workers);
    await gw.runtime.ledger.flush();

    expect(failures).toBe(0);
    const ids = new Set((await sql('SELECT id FROM requests')).map((r) => String(r.id)));
    const missing = [...answered].filter((id) => !ids.has(id));
    expect(missing).toEqual([]);
    expect(ids.size).toBe(answered.size);
    const [sums] = await sql("SELECT (SELECT sum(cost_micros) FROM requests WHERE key_name = 'alice') AS cost, (SELECT spent_micros FROM key_spend WHERE key_name = 'alice') AS spent");
    expect(num(sums?.spent)).toBe(num(sums?.cost));
  }, 90_000);

  test('over the buffer bound: 503 ledger_unavailable, /ready says why, then recovery by itself', async () => {
    const { url, sql } = await database();
    const gw = await start(yaml(url, '  buffer_rows: 5'));
    expect((await chat(gw)).status).toBe(200);
    await gw.runtime.ledger.flush();
    await server.stop();
    try {
      for (let i = 0; i < 5; i++) expect((await chat(gw)).status).toBe(200); // buffered
      const refused = await chat(gw);
      expect(refused.status).toBe(503);
      expect(refused.headers.get('retry-after')).toBe('5');
      const body = (await refused.json()) as { error: { code: string; type: string; message: string } };
      expect(body.error.code).toBe('ledger_unavailable');
      expect(body.error.message).toContain('storage.buffer_rows');
      expect(body.error.message).not.toMatch(/postgres:|127\.0\.0\.1|ECONN/);
      const r = await ready(gw);
      expect(r.status).toBe(503);
      expect(r.body.checks?.ledger).toMatchObject({ status: 'refusing', pending: 5 });
      expect(gw.runtime.ledger.pending).toBe(5); // the refusals themselves do not grow the backlog
    } finally {
      await server.start();
    }
    await until('recovery', async () => (await ready(gw)).status === 200 && (await ready(gw)).body.checks?.ledger?.status === 'ok');
    expect((await chat(gw)).status).toBe(200);
    await gw.runtime.ledger.flush();
    expect(num((await sql('SELECT count(*) AS n FROM requests'))[0]?.n)).toBe(7);
    expect(num((await sql("SELECT count(*) AS n FROM requests WHERE error_code = 'ledger_unavailable'"))[0]?.n)).toBe(0);
  }, 60_000);

  test('replicas starting together apply the migrations exactly once', async () => {
    const { url, sql } = await database();
    const dir = tempDir();
    const gws = await Promise.all([start(yaml(url), dir), start(yaml(url), dir), start(yaml(url), dir)]);
    const journal = JSON.parse(readFileSync(join(PG_MIGRATIONS_FOLDER, 'meta', '_journal.json'), 'utf8')) as { entries: unknown[] };
    expect(num((await sql('SELECT count(*) AS n FROM drizzle.__drizzle_migrations'))[0]?.n)).toBe(journal.entries.length);
    for (const gw of gws) expect((await chat(gw)).status).toBe(200);
  }, 60_000);
});
