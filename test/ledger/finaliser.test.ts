// Issue 8 point 5, one request finaliser: every path ends in exactly one ledger row and one settlement
// (spend = sum of the rows, nothing left reserved), and a route plugin failing after the upstream
// answered (onResponse, onStreamEvent, onError) does not make the request free: the upstream charged us.
// Fake upstreams are real HTTP servers on 127.0.0.1 speaking OpenAI's wire format.

import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { join } from 'node:path';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { chatChunks, chatCompletion, json, sse, upstreamPool } from '../helpers/fake-upstream.ts';
import { KEY, type Harness, chat, harness } from './harness.ts';

const FIX = join(import.meta.dir, 'fixtures');
const upstream = upstreamPool(afterAll);
const USAGE = { prompt_tokens: 5, completion_tokens: 3, total_tokens: 8 };
const COST = 5 * 1000 + 3 * 2000; // input 1000, output 2000 USD per 1M tokens → micro-dollars

let h: Harness;
beforeAll(async () => {
  const up = upstream((req, body) => {
    const b = JSON.parse(body) as { stream?: boolean; messages: Array<{ content: string }> };
    const said = b.messages.at(-1)!.content;
    if (said === 'fail') return json({ error: { message: 'overloaded', type: 'server_error' } }, 503);
    if (said === 'slow') return Bun.sleep(400).then(() => json(chatCompletion('late', 'up', USAGE)));
    if (b.stream) return sse(chatChunks(['one ', 'two ', 'three'], USAGE));
    return json(chatCompletion('hello', 'up', USAGE));
  });
  const plugin = (mode: string) => `{ module: ${join(FIX, 'throw-after.ts')}, options: { mode: ${mode} } }`;
  h = await harness(`version: 1
server: { admin_token: admin-token-for-ledger-tests }
providers:
  up: { adapter: openai, base_url: ${up.url}, api_key: sk-upstream-secret, models: [m] }
  broken: { adapter: ${join(FIX, 'broken-adapter.ts')}, base_url: ${up.url}, models: [b] }
models:
  m: { price: { input: 1000, output: 2000 } }
  b: { price: { input: 1000, output: 2000 } }
routing: { retry: { attempts: 0 } }
plugins:
  on-response: ${plugin('response')}
  on-stream: ${plugin('stream')}
  on-error: ${plugin('both')}
routes:
  - { path: /r, plugins: [on-response] }
  - { path: /s, plugins: [on-stream] }
  - { path: /e, plugins: [on-error] }
  - { path: /a, protocol: anthropic, plugins: [on-response] }
keys:
  - { name: alice, key: ${KEY}, budget: 100 }
`);
}, 30_000);
afterAll(async () => {
  await h.cleanup();
});

async function rowOf(id: string): Promise<Record<string, unknown>> {
  for (let i = 0; i < 100; i++) {
    const rows = await h.query('SELECT * FROM requests WHERE id = ?', [id]);
    if (rows.length) return rows[0];
    await Bun.sleep(20);
  }
  throw new Error(`no ledger row for ${id}`);
}

/** x-request-id from an SDK error's headers (a Headers object or a plain record, by SDK version). */
function idOf(headers: unknown): string {
  const h = headers as { get?: (n: string) => string | null } & Record<string, string>;
  return (typeof h.get === 'function' ? h.get('x-request-id') : h['x-request-id']) ?? '';
}

const openai = (prefix = '') => new OpenAI({ baseURL: `${h.url}${prefix}/v1`, apiKey: KEY, maxRetries: 0 });

describe('one finaliser: each path gives one row and one settlement', () => {
  test('success, plain and streamed: billed from the upstream usage', async () => {
    const plain = await openai().chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'hi' }] }).withResponse();
    expect(await rowOf(plain.response.headers.get('x-request-id')!)).toMatchObject({ status: 200, cost_micros: COST, usage_source: 'upstream', model: 'm', provider: 'up' });
    const streamed = await openai().chat.completions.create({ model: 'm', stream: true, messages: [{ role: 'user', content: 'hi' }] }).withResponse();
    for await (const _ of streamed.data) { /* drain */ }
    expect(await rowOf(streamed.response.headers.get('x-request-id')!)).toMatchObject({ status: 200, cost_micros: COST, stream: 1, partial: 0 });
  });

  test('upstream failure: one row, no cost', async () => {
    const res = await chat(h.url, { messages: [{ role: 'user', content: 'fail' }] });
    expect(res.status).toBe(502);
    expect(await rowOf(res.headers.get('x-request-id')!)).toMatchObject({ status: 502, cost_micros: 0, usage_source: 'none' });
  });

  test('adapter error: 500 adapter_error, one row, no cost', async () => {
    const res = await chat(h.url, { model: 'b' });
    expect(res.status).toBe(500);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('adapter_error');
    expect(await rowOf(res.headers.get('x-request-id')!)).toMatchObject({ status: 500, error_code: 'adapter_error', cost_micros: 0 });
  });

  test('client abort while the upstream works: 499, billed for the prompt the upstream read', async () => {
    const controller = new AbortController();
    const aborted = fetch(`${h.url}/v1/chat/completions`, {
      method: 'POST', signal: controller.signal,
      headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'slow' }] }),
    }).catch(() => undefined);
    await Bun.sleep(100);
    controller.abort();
    await aborted;
    let rows: Array<Record<string, unknown>> = [];
    for (let i = 0; i < 100 && rows.length === 0; i++) {
      rows = await h.query('SELECT * FROM requests WHERE status = 499');
      if (!rows.length) await Bun.sleep(20);
    }
    expect(rows.length).toBe(1);
    expect(rows[0]).toMatchObject({ error_code: 'client_closed_request', usage_source: 'estimated', partial: 1 });
    expect(Number(rows[0].prompt_tokens)).toBeGreaterThan(0);
    expect(Number(rows[0].cost_micros)).toBe(Number(rows[0].prompt_tokens) * 1000);
  });
});

describe('a route plugin failing after the upstream answered: the request is billed', () => {
  test('onResponse throws → 500 plugin_error for the client, the upstream usage in the ledger', async () => {
    const err = await openai('/r').chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'hi' }] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.APIError);
    const e = err as InstanceType<typeof OpenAI.APIError>;
    expect(e.status).toBe(500);
    expect(await rowOf(idOf(e.headers))).toMatchObject({ status: 500, error_code: 'plugin_error', cost_micros: COST, usage_source: 'upstream', provider: 'up' });
  });

  test('onResponse and then onError throw → still billed', async () => {
    const res = await fetch(`${h.url}/e/v1/chat/completions`, {
      method: 'POST', headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(res.status).toBe(500);
    expect(await rowOf(res.headers.get('x-request-id')!)).toMatchObject({ status: 500, cost_micros: COST });
  });

  test('onStreamEvent throws on the first content → error event, billed for the prompt at least', async () => {
    const res = await fetch(`${h.url}/s/v1/chat/completions`, {
      method: 'POST', headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'm', stream: true, messages: [{ role: 'user', content: 'hi' }] }),
    });
    const text = await res.text();
    expect(text).toContain('"plugin_error"');
    expect(text).not.toContain('[DONE]');
    const row = await rowOf(res.headers.get('x-request-id')!);
    expect(row).toMatchObject({ status: 500, error_code: 'plugin_error', stream: 1, partial: 1 });
    expect(Number(row.prompt_tokens)).toBeGreaterThan(0);
    expect(Number(row.cost_micros)).toBeGreaterThanOrEqual(Number(row.prompt_tokens) * 1000);
  });

  test('Anthropic surface: onResponse throws → billed', async () => {
    const client = new Anthropic({ baseURL: `${h.url}/a`, apiKey: KEY, maxRetries: 0 });
    const err = await client.messages.create({ model: 'm', max_tokens: 50, messages: [{ role: 'user', content: 'hi' }] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Anthropic.APIError);
    const e = err as InstanceType<typeof Anthropic.APIError>;
    expect(e.status).toBe(500);
    expect(await rowOf(idOf(e.headers))).toMatchObject({ status: 500, error_code: 'plugin_error', cost_micros: COST });
  });
});

test('after every path: spend = the sum of the rows (memory and database), nothing left reserved', async () => {
  const rows = await h.query("SELECT count(*) AS n, sum(cost_micros) AS c FROM requests WHERE key_name = 'alice'");
  expect(Number(rows[0].n)).toBeGreaterThanOrEqual(9);
  const sum = Number(rows[0].c);
  const spent = await h.query("SELECT spent_micros FROM key_spend WHERE key_name = 'alice'");
  expect(Number(spent[0].spent_micros)).toBe(sum);
  const balance = (await (await fetch(`${h.url}/v1/balance`, { headers: { authorization: `Bearer ${KEY}` } })).json()) as { spent_usd: number; reserved_usd: number };
  expect(Math.round(balance.spent_usd * 1e6)).toBe(sum);
  expect(balance.reserved_usd).toBe(0);
});
