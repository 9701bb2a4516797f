// Budgets and billing through the real gateway: the concurrency race on a budget that fits exactly 3
// requests, persistence across restart and reload, stream = non-stream cost, client abort billing,
// failover billed once.

import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import OpenAI from 'openai';
import { costMicros } from '../../src/pipeline/cost.ts';
import { KEY, chat, harness, sseEvents, type Harness } from './harness.ts';

const BOB = 'sk-ledger-test-bob-0123456789';
const yaml = (aliceBudget: number) => `version: 1
providers:
  mock: { adapter: mock, models: [m, t] }
  slow: { adapter: mock, models: [slow], mock: { chunk_delay_ms: 50 } }
  bad: { adapter: mock, mock: { fail_status: 503 } }
  good: { adapter: mock }
models:
  m: { price: { per_request: 0.01 } }
  t: { price: { input: 1, output: 2 } }
  slow: { price: { input: 1, output: 2 } }
  fo:
    targets: [{ provider: bad, model: fo, priority: 0 }, { provider: good, model: fo, priority: 1 }]
    price: { input: 1, output: 2 }
keys:
  - { name: alice, key: ${KEY}, budget: ${aliceBudget} }
  - { name: bob, key: ${BOB} }
`;

let h: Harness;
beforeAll(async () => {
  h = await harness(yaml(0.03));
});
afterAll(async () => {
  await h.cleanup();
});

const spentOf = async (name: string) => Number((await h.query('SELECT spent_micros FROM key_spend WHERE key_name = ?', [name]))[0]?.spent_micros ?? 0);

describe('budget', () => {
  test('50 concurrent requests on a budget that fits 3: exactly 3 succeed', async () => {
    const responses = await Promise.all(Array.from({ length: 50 }, () => chat(h.url, {})));
    const statuses = responses.map((r) => r.status);
    expect(statuses.filter((s) => s === 200).length).toBe(3);
    expect(statuses.filter((s) => s === 429).length).toBe(47);
    const bodies = await Promise.all(responses.map((r) => r.json() as Promise<{ error: { type: string; code: string; message: string } }>));
    const refused = bodies[statuses.indexOf(429)];
    expect(refused.error.type).toBe('insufficient_quota');
    expect(refused.error.code).toBe('insufficient_quota');
    expect(refused.error.message).toContain('"alice"');
    expect(refused.error.message).toContain('$0.03 budget');
    expect(await spentOf('alice')).toBe(30_000); // exactly the budget, never above
    const rows = await h.query("SELECT count(*) AS n, sum(cost_micros) AS c FROM requests WHERE key_name = 'alice'");
    expect(Number(rows[0].n)).toBe(50);
    expect(Number(rows[0].c)).toBe(30_000);
  });

  test('spend persists across restart and reload', async () => {
    await h.restart();
    expect((await chat(h.url, {})).status).toBe(429);
    h.write(yaml(0.04)); // one more request's worth
    expect(await h.gw.reload('test')).toBe(true);
    const after = await Promise.all(Array.from({ length: 5 }, () => chat(h.url, {})));
    expect(after.map((r) => r.status).sort()).toEqual([200, 429, 429, 429, 429]);
    expect(await spentOf('alice')).toBe(40_000);
    const balance = await (await fetch(`${h.url}/v1/balance`, { headers: { authorization: `Bearer ${KEY}` } })).json() as Record<string, unknown>;
    expect(balance).toMatchObject({ name: 'alice', budget_usd: 0.04, spent_usd: 0.04, remaining_usd: 0 });
  });
});

describe('billing', () => {
  const client = () => new OpenAI({ baseURL: `${h.url}/v1`, apiKey: BOB, maxRetries: 0 });
  const messages = [{ role: 'user' as const, content: 'count the words in this sentence please' }];

  test('a streamed request costs exactly what the same request costs non-streamed', async () => {
    const plain = await client().chat.completions.create({ model: 't', messages }).withResponse();
    const plainCost = Math.round(Number(plain.response.headers.get('x-switchyard-cost-usd')) * 1e6);
    expect(plainCost).toBe(costMicros({ input: 1, output: 2, cachedInput: 1, cacheWrite: 1, perRequestMicros: 0 }, 1, plain.data.usage!));

    const stream = await client().chat.completions.create({ model: 't', messages, stream: true }).withResponse();
    const streamId = stream.response.headers.get('x-request-id')!;
    let text = '';
    for await (const chunk of stream.data) text += chunk.choices[0]?.delta?.content ?? '';
    expect(text).toBe(plain.data.choices[0].message.content!);
    const rows = await h.query('SELECT id, cost_micros, usage_source, stream, partial FROM requests WHERE id IN (?, ?)', [plain.response.headers.get('x-request-id')!, streamId]);
    expect(rows.length).toBe(2);
    const streamRow = rows.find((r) => r.id === streamId)!;
    expect(Number(streamRow.cost_micros)).toBe(plainCost);
    expect(streamRow.usage_source).toBe('upstream');
    expect(Number(streamRow.stream)).toBe(1);
    expect(Number(streamRow.partial)).toBe(0);
  });

  test('a client abort mid-stream is billed for the prompt and the tokens delivered', async () => {
    const words = Array.from({ length: 40 }, (_, i) => `word${i}`).join(' ');
    const controller = new AbortController();
    const cut = await fetch(`${h.url}/v1/chat/completions`, {
      method: 'POST', signal: controller.signal,
      headers: { authorization: `Bearer ${BOB}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'slow', stream: true, messages: [{ role: 'user', content: words }] }),
    });
    const id = cut.headers.get('x-request-id')!;
    const reader = cut.body!.getReader();
    let seen = '';
    while ((seen.match(/"content":"word/g) ?? []).length < 4) seen += new TextDecoder().decode((await reader.read()).value);
    controller.abort();
    let row: Record<string, unknown> | undefined;
    for (let i = 0; i < 100 && !row; i++) {
      row = (await h.query('SELECT * FROM requests WHERE id = ?', [id]))[0];
      if (!row) await Bun.sleep(20);
    }
    expect(row).toBeDefined();
    expect(Number(row!.partial)).toBe(1);
    expect(Number(row!.status)).toBe(499);
    expect(row!.usage_source).toBe('estimated');
    const completion = Number(row!.completion_tokens);
    expect(completion).toBeGreaterThan(0);
    expect(completion).toBeLessThan(40); // not the full answer
    const prompt = Number(row!.prompt_tokens);
    expect(prompt).toBeGreaterThan(40);
    expect(Number(row!.cost_micros)).toBe(prompt * 1 + completion * 2);
  });

  test('failover is billed once, with one row per attempt', async () => {
    const before = await spentOf('bob');
    const res = await chat(h.url, { model: 'fo' }, BOB);
    expect(res.status).toBe(200);
    expect(res.headers.get('x-switchyard-attempts')).toBe('2');
    const cost = Math.round(Number(res.headers.get('x-switchyard-cost-usd')) * 1e6);
    expect(cost).toBeGreaterThan(0);
    const id = res.headers.get('x-request-id')!;
    const attempts = await h.query('SELECT n, provider, status FROM attempts WHERE request_id = ? ORDER BY n', [id]);
    expect(attempts.map((a) => [a.n, a.provider])).toEqual([[1, 'bad'], [2, 'good']]);
    expect(Number(attempts[0].status)).toBeGreaterThanOrEqual(500);
    expect(Number(attempts[1].status)).toBe(200);
    const rows = await h.query('SELECT cost_micros FROM requests WHERE id = ?', [id]);
    expect(rows.map((r) => Number(r.cost_micros))).toEqual([cost]);
    expect(await spentOf('bob')).toBe(before + cost);
  });

  test('a failed request costs nothing', async () => {
    const before = await spentOf('bob');
    const res = await chat(h.url, { model: 'fo', messages: [{ role: 'user', content: 'mock:fail=500' }] }, BOB);
    expect(res.status).toBe(502);
    const row = (await h.query('SELECT cost_micros, usage_source FROM requests WHERE id = ?', [res.headers.get('x-request-id')!]))[0];
    expect(row).toEqual({ cost_micros: 0, usage_source: 'none' });
    expect(await spentOf('bob')).toBe(before);
  });
});
