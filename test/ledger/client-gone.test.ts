// A client that leaves is billed for its prompt only when a request was actually sent upstream, and then
// the ledger shows where: the provider on the request row (so usage by provider includes the cost) and a
// 499 client_closed_request attempt row. A client that leaves before any upstream was asked (during a
// route plugin hook) costs nothing and has no attempt row. Real gateway, real fake upstream on 127.0.0.1.

import { afterAll, beforeAll, expect, test } from 'bun:test';
import { connect } from 'node:net';
import { join } from 'node:path';
import { chatCompletion, json, upstreamPool } from '../helpers/fake-upstream.ts';
import { ADMIN, KEY, type Harness, admin, harness } from './harness.ts';

const upstream = upstreamPool(afterAll);
const up = upstream(() => Bun.sleep(400).then(() => json(chatCompletion('late'))));

let h: Harness;
beforeAll(async () => {
  h = await harness(`version: 1
server: { admin_token: ${ADMIN} }
providers:
  up: { adapter: openai, base_url: ${up.url}, api_key: sk-upstream-secret, models: [m] }
models:
  m: { price: { input: 1000, output: 2000 } }
routing: { retry: { attempts: 0 } }
plugins:
  slow: { module: ${join(import.meta.dir, 'fixtures', 'slow-hook.ts')} }
routes:
  - { path: /slow, plugins: [slow] }
keys:
  - { name: alice, key: ${KEY} }
`);
}, 30_000);
afterAll(async () => {
  await h.cleanup();
});

/** Posts a chat request and leaves after `leaveMs`; returns the ledger row of that request (the only 499 since `since`). */
async function leaveAfter(path: string, content: string, leaveMs: number, since: number): Promise<Record<string, unknown>> {
  const controller = new AbortController();
  const pending = fetch(`${h.url}${path}/chat/completions`, {
    method: 'POST', signal: controller.signal,
    headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content }] }),
  }).catch(() => undefined);
  await Bun.sleep(leaveMs);
  controller.abort();
  await pending;
  for (let i = 0; i < 100; i++) {
    const rows = await h.query('SELECT * FROM requests WHERE status = 499 AND ts >= ?', [since]);
    if (rows.length) {
      expect(rows.length).toBe(1);
      return rows[0];
    }
    await Bun.sleep(20);
  }
  throw new Error('no 499 ledger row');
}

test('client leaves during a route plugin hook: no upstream call, no cost, no attempt row', async () => {
  const before = up.received.length;
  const row = await leaveAfter('/slow/v1', 'wait', 100, Date.now());
  await Bun.sleep(400); // the hook finishes after the client left: the pipeline must not go on to bill
  expect(up.received.length).toBe(before);
  const again = await h.query('SELECT * FROM requests WHERE id = ?', [String(row.id)]);
  expect(again[0]).toMatchObject({ status: 499, error_code: 'client_closed_request', cost_micros: 0, provider: null });
  expect(await h.query('SELECT * FROM attempts WHERE request_id = ?', [String(row.id)])).toEqual([]);
});

test('client leaves before the upstream sent headers: billed for the prompt, with its provider and a 499 attempt row', async () => {
  const since = Date.now();
  const before = up.received.length;
  const row = await leaveAfter('/v1', 'hello', 150, since);
  expect(up.received.length).toBe(before + 1);
  expect(row).toMatchObject({ error_code: 'client_closed_request', provider: 'up', usage_source: 'estimated', partial: 1 });
  expect(Number(row.cost_micros)).toBe(Number(row.prompt_tokens) * 1000);
  expect(Number(row.cost_micros)).toBeGreaterThan(0);
  const attempts = await h.query('SELECT * FROM attempts WHERE request_id = ?', [String(row.id)]);
  expect(attempts).toHaveLength(1);
  expect(attempts[0]).toMatchObject({ provider: 'up', status: 499, error_code: 'client_closed_request' });
  // Usage by provider accounts for the cost.
  const res = await admin(h.url, 'GET', `/admin/usage?group_by=provider&from=${new Date(since - 1000).toISOString()}`);
  const report = (await res.json()) as { rows: Array<Record<string, unknown>> };
  const upRow = report.rows.find((r) => r.provider === 'up');
  expect(Number(upRow?.cost_micros)).toBe(Number(row.cost_micros));
});

/** Writes `raw` on one connection; resolves to everything the gateway sent back before closing it. */
function pipelined(raw: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(Number(new URL(h.url).port), '127.0.0.1', () => socket.write(raw));
    let out = '';
    socket.on('data', (d: Buffer) => (out += d.toString()));
    socket.on('error', reject);
    socket.on('close', () => resolve(out));
  });
}

test('HTTP/1.1 pipelining behind a POST: Bun drops the connection; the ledger row is consistent (billed only with its provider and attempt row)', async () => {
  const since = Date.now();
  const body = JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'pipelined' }] });
  const post = `POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${KEY}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
  const out = await pipelined(`${post}GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`);
  let rows: Array<Record<string, unknown>> = [];
  for (let i = 0; i < 100 && rows.length === 0; i++) {
    rows = await h.query('SELECT * FROM requests WHERE ts >= ? AND route = ?', [since, '/v1']);
    if (!rows.length) await Bun.sleep(20);
  }
  expect(rows).toHaveLength(1);
  const row = rows[0];
  if (out.startsWith('HTTP/1.1 200')) {
    expect(row.status).toBe(200); // a Bun that serves pipelined requests behind an async handler
    return;
  }
  expect(out).toBe(''); // Bun 1.4: the connection is closed without any answer (README, Known limitations)
  expect(row).toMatchObject({ status: 499, error_code: 'client_closed_request' });
  // Billed for the prompt only with the provider it was sent to and its 499 attempt row; otherwise free.
  const attempts = await h.query('SELECT * FROM attempts WHERE request_id = ?', [String(row.id)]);
  if (Number(row.cost_micros) === 0) {
    expect(attempts).toEqual([]);
  } else {
    expect(row.provider).toBe('up');
    expect(attempts).toHaveLength(1);
    expect(attempts[0]).toMatchObject({ provider: 'up', status: 499, error_code: 'client_closed_request' });
  }
});
