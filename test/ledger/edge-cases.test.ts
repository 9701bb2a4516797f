// Issue 8 points 25 (client model names) and 27 (honest ledger at the edges):
//   - a model name longer than 256 characters is a 400 with a clear message, on both surfaces;
//   - an unknown model name is not stored verbatim in the ledger (a client key sent as `model` must not be);
//   - a client that breaks off its upload is recorded as 499, with no error log line;
//   - a stream still running at the drain timeout of a stop ends with an error event (no [DONE]) and is
//     recorded as cut by the gateway (503 drain_timeout), not as a client abort.

import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { connect } from 'node:net';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { chatChunks, chatCompletion, json, sse, upstreamPool } from '../helpers/fake-upstream.ts';
import { type Harness, KEY, harness, recordingLogger } from './harness.ts';

const upstream = upstreamPool(afterAll);
const log = recordingLogger();
const yaml = (url: string, extra = '') => `version: 1
${extra}
providers:
  up: { adapter: openai, base_url: ${url}, api_key: sk-up, models: [m] }
models:
  m: { price: { input: 1000, output: 2000 } }
keys:
  - { name: alice, key: ${KEY}, budget: 100 }
`;

let h: Harness;
beforeAll(async () => {
  const up = upstream(() => sse(chatChunks(['a ', 'b'])));
  h = await harness(yaml(up.url), undefined, log);
}, 30_000);
afterAll(async () => {
  await h.cleanup();
});

async function rowsWhere(sql: string, args: Array<string | number> = []): Promise<Array<Record<string, unknown>>> {
  for (let i = 0; i < 100; i++) {
    const rows = await h.query(`SELECT * FROM requests WHERE ${sql}`, args);
    if (rows.length) return rows;
    await Bun.sleep(20);
  }
  return [];
}

describe('model names from clients', () => {
  test('longer than 256 characters: 400 invalid_value on the OpenAI and Anthropic surfaces', async () => {
    const long = 'x'.repeat(257);
    const err = await new OpenAI({ baseURL: `${h.url}/v1`, apiKey: KEY, maxRetries: 0 }).chat.completions
      .create({ model: long, messages: [{ role: 'user', content: 'hi' }] }).then(() => undefined, (e: unknown) => e) as InstanceType<typeof OpenAI.APIError>;
    expect(err.status).toBe(400);
    expect(err.error).toMatchObject({ code: 'invalid_value', param: 'model' });
    expect(err.message).toContain('at most 256');
    expect(err.message).not.toContain(long);

    const aerr = await new Anthropic({ baseURL: h.url, apiKey: KEY, maxRetries: 0 }).messages
      .create({ model: long, max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] }).then(() => undefined, (e: unknown) => e) as InstanceType<typeof Anthropic.APIError>;
    expect(aerr.status).toBe(400);
    expect(aerr.message).toContain('at most 256');
  });

  test('an unknown model (here a pasted key) is not stored in the ledger', async () => {
    const pasted = 'sk-proj-THIS1sAClientSecretPastedAsModel0000';
    const res = await fetch(`${h.url}/v1/chat/completions`, {
      method: 'POST', headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: pasted, messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(res.status).toBe(404);
    const [row] = await rowsWhere('id = ?', [res.headers.get('x-request-id')!]);
    expect(row).toMatchObject({ status: 404, error_code: 'model_not_found', model: null });
    const everywhere = await h.query('SELECT count(*) AS n FROM requests WHERE model LIKE ?', ['%THIS1s%']);
    expect(Number(everywhere[0].n)).toBe(0);
  });
});

test('a client that breaks off its upload: 499 in the ledger, no error log line', async () => {
  const errorsBefore = log.lines.filter((l) => l.level === 'error').length;
  const { port } = new URL(h.url);
  for (const framing of ['content-length: 100000', 'transfer-encoding: chunked']) {
    const socket = connect(Number(port), '127.0.0.1');
    await new Promise((resolve) => socket.on('connect', resolve));
    socket.write(`POST /v1/chat/completions HTTP/1.1\r\nhost: 127.0.0.1\r\nauthorization: Bearer ${KEY}\r\ncontent-type: application/json\r\n${framing}\r\n\r\n`);
    socket.write(framing.startsWith('content') ? '{"model":"m","messages":[' : '1a\r\n{"model":"m","messages":[\r\n');
    await Bun.sleep(50);
    socket.destroy();
  }
  let rows: Array<Record<string, unknown>> = [];
  for (let i = 0; i < 100 && rows.length < 2; i++) {
    rows = await h.query("SELECT status, error_code, cost_micros FROM requests WHERE key_name = 'alice' AND status IN (499, 500)");
    if (rows.length < 2) await Bun.sleep(20);
  }
  expect(rows).toEqual([
    { status: 499, error_code: 'client_closed_request', cost_micros: 0 },
    { status: 499, error_code: 'client_closed_request', cost_micros: 0 },
  ]);
  expect(log.lines.filter((l) => l.level === 'error').slice(errorsBefore)).toEqual([]);
});

test('a stream cut at the drain timeout ends with an error event and is recorded as cut by the gateway', async () => {
  const slow = upstream(async (_req, body) => {
    if ((JSON.parse(body) as { stream?: boolean }).stream) return sse(chatChunks(Array.from({ length: 60 }, (_, i) => `w${i} `)), { delayMs: 50 });
    await Bun.sleep(3000);
    return json(chatCompletion('too late'));
  });
  const g = await harness(yaml(slow.url, 'server: { drain_timeout_ms: 300 }'));
  try {
    const res = await fetch(`${g.url}/v1/chat/completions`, {
      method: 'POST', headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'm', stream: true, messages: [{ role: 'user', content: 'talk for a while' }] }),
    });
    expect(res.status).toBe(200);
    const id = res.headers.get('x-request-id')!;
    const body = res.text();
    // A non-streamed request still waiting for its upstream is cut too (its connection is closed).
    const waiting = fetch(`${g.url}/v1/chat/completions`, {
      method: 'POST', headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'answer slowly' }] }),
    }).then((r) => r.status, () => 'closed');
    await Bun.sleep(150);
    const t0 = Date.now();
    await g.stop();
    expect(Date.now() - t0).toBeLessThan(2000);
    const text = await body;
    const events = text.split('\n').filter((l) => l.startsWith('data: ')).map((l) => l.slice(6));
    expect(events.at(-1)).not.toBe('[DONE]');
    expect(JSON.parse(events.at(-1)!)).toMatchObject({ error: { code: 'drain_timeout', type: 'api_error' } });
    expect(events.some((e) => e.includes('"content":"w1 "'))).toBe(true);
    expect(await waiting).toBe('closed');
    const cutWaiting = await g.query('SELECT status, error_code FROM requests WHERE stream = 0');
    expect(cutWaiting).toEqual([{ status: 503, error_code: 'drain_timeout' }]);
    const rows = await g.query('SELECT status, error_code, partial, cost_micros, prompt_tokens, completion_tokens FROM requests WHERE id = ?', [id]);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ status: 503, error_code: 'drain_timeout', partial: 1 });
    const row = rows[0];
    expect(Number(row.completion_tokens)).toBeGreaterThan(0);
    expect(Number(row.cost_micros)).toBe(Number(row.prompt_tokens) * 1000 + Number(row.completion_tokens) * 2000);
  } finally {
    await g.cleanup();
  }
}, 30_000);
