// The scale-out deployment as issue 9 describes it: three gateways on one gateway.yaml sharing a real
// PostgreSQL ledger and a real Redis. 60 concurrent requests (half streamed) over the three against a
// budget that fits 3 → exactly 3 succeed and PostgreSQL holds exactly 3 × cost; a key issued on one
// node (stored in PostgreSQL) is honoured by another within a second, and refused there once revoked.

import { afterAll, beforeAll, expect, test } from 'bun:test';
import pg from 'pg';
import { chatChunks, chatCompletion, json, sse, startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream.ts';
import { type TestGateway, startTestGateway, tempDir, postChat } from '../helpers/gateway.ts';
import { freshPgDatabase, postgresSkipReason } from '../helpers/postgres.ts';
import { redisServerPath, startRedis, type TestRedis } from '../helpers/redis.ts';

const missing = postgresSkipReason() ?? (redisServerPath() ? null : 'redis-server is not installed');
if (missing) console.warn(`[redis+postgres] skipped: ${missing}`);
const run = test.skipIf(missing !== null);

const ADMIN = 'admin-redis-pg-token-0123456789';
const POOR = 'sk-redis-pg-poor-key-0123456789';
let redis: TestRedis | undefined;
let up: FakeUpstream | undefined;
let pgUrl = '';
const nodes: TestGateway[] = [];

beforeAll(async () => {
  if (missing) return;
  redis = await startRedis();
  pgUrl = (await freshPgDatabase('scaleout'))!;
  const usage = { prompt_tokens: 5, completion_tokens: 100, total_tokens: 105 };
  up = startFakeUpstream((_req, body) => (JSON.parse(body).stream ? sse(chatChunks(['ok'], usage)) : json(chatCompletion('ok', 'up', usage))));
  const yaml = `version: 1
server: { admin_token: ${ADMIN} }
storage: { url: "${pgUrl}", flush_ms: 20, redis: { url: "${redis.url}", prefix: pgscale } }
providers:
  up: { adapter: openai, base_url: ${up.url}/v1, api_key: sk-up-0123456789, models: [m] }
models:
  m: { price: { input: 1, output: 1 }, max_output_tokens: 100 }
keys:
  - { name: poor, key: ${POOR}, budget: 0.00035 }
`;
  const dir = tempDir();
  for (let i = 0; i < 3; i++) nodes.push(await startTestGateway(yaml, { dir }));
}, 60_000);

afterAll(async () => {
  await Promise.all(nodes.map((n) => n.stop()));
  up?.stop();
  await redis?.close();
});

const chat = (node: TestGateway, key: string, stream: boolean) => postChat(node.url, key, stream).then(async (r) => { await r.text(); return r.status; });

async function pgRows(sql: string): Promise<Array<Record<string, unknown>>> {
  await Promise.all(nodes.map((n) => n.runtime.ledger.flush()));
  const client = new pg.Client({ connectionString: pgUrl });
  await client.connect();
  try {
    return (await client.query(sql)).rows;
  } finally {
    await client.end();
  }
}

run('a budget that fits 3: 60 concurrent requests over 3 nodes → exactly 3 answered, PostgreSQL holds 3 × cost', async () => {
  const statuses = await Promise.all(Array.from({ length: 60 }, (_, i) => chat(nodes[i % 3], POOR, i % 2 === 1)));
  expect(statuses.filter((s) => s === 200)).toHaveLength(3);
  const [row] = await pgRows("SELECT count(*) AS n, sum(cost_micros) AS c FROM requests WHERE key_name = 'poor' AND status = 200");
  expect(Number(row.n)).toBe(3);
  expect(Number(row.c)).toBe(315);
  const [spend] = await pgRows("SELECT spent_micros FROM key_spend WHERE key_name = 'poor'");
  expect(Number(spend.spent_micros)).toBe(315);
}, 30_000);

run('a key issued on A works on B within a second; revoked on B, refused on A', async () => {
  const created = await (await fetch(`${nodes[0].url}/admin/keys`, {
    method: 'POST', headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'roaming' }),
  })).json() as { key: string };
  await Bun.sleep(500);
  expect(await chat(nodes[1], created.key, false)).toBe(200);
  await fetch(`${nodes[1].url}/admin/keys/roaming`, { method: 'DELETE', headers: { authorization: `Bearer ${ADMIN}` } });
  await Bun.sleep(500);
  expect(await chat(nodes[0], created.key, false)).toBe(401);
}, 30_000);
