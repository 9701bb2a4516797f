// Issue 8 points 19 and 20: budget reservations cover what the upstream can bill, for every request
// shape (n choices, max_tokens next to max_completion_tokens, embeddings inputs, image n, Anthropic
// max_tokens), and fallbacks obey the key (a fallback the key may not use is skipped; the reservation is
// made at the dearest model that may answer). Each case fires 30-50 concurrent requests at a small budget
// and checks the ledger never goes past it. The fake upstream bills like a real one: every choice's
// tokens, max_tokens when both caps are sent, each image.

import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { json, upstreamPool } from '../helpers/fake-upstream.ts';
import { type Harness, harness } from './harness.ts';

const upstream = upstreamPool(afterAll);
const keys = {
  n: 'sk-res-n-0123456789', legacy: 'sk-res-legacy-0123456789', caps: 'sk-res-caps-0123456789', emb: 'sk-res-emb-0123456789', img: 'sk-res-img-0123456789',
  anth: 'sk-res-anth-0123456789', restricted: 'sk-res-restricted-0123456789', fallback: 'sk-res-fallback-0123456789',
};

let h: Harness;
beforeAll(async () => {
  const up = upstream((req, body) => {
    const path = new URL(req.url).pathname;
    const b = JSON.parse(body) as Record<string, unknown>;
    if (path.endsWith('/embeddings')) {
      const inputs = b.input as string[];
      const words = inputs.reduce((n, s) => n + s.split(' ').length, 0);
      return json({ object: 'list', model: 'e', data: inputs.map((_, index) => ({ object: 'embedding', index, embedding: [0.1, 0.2] })), usage: { prompt_tokens: words, total_tokens: words } });
    }
    if (path.endsWith('/completions') && !path.endsWith('/chat/completions')) {
      // Legacy completions bill best_of generations per prompt (n of them are returned).
      const prompts = Array.isArray(b.prompt) ? b.prompt.length : 1;
      const billed = prompts * Math.max(Number(b.n ?? 1), Number(b.best_of ?? 1)) * Number(b.max_tokens ?? 16);
      const choices = Array.from({ length: prompts * Number(b.n ?? 1) }, (_, index) => ({ index, text: 'word', finish_reason: 'length', logprobs: null }));
      return json({ id: 'cmpl', object: 'text_completion', created: 1700000000, model: 'up', choices, usage: { prompt_tokens: 4, completion_tokens: billed, total_tokens: 4 + billed } });
    }
    if (path.endsWith('/images/generations')) {
      return json({ created: 1700000000, data: Array.from({ length: Number(b.n ?? 1) }, () => ({ b64_json: 'iVBORw0KGgo=' })) });
    }
    // An upstream that honours max_tokens when both caps are sent, and bills every choice.
    const n = Number(b.n ?? 1);
    const perChoice = Number(b.max_tokens ?? b.max_completion_tokens ?? 16);
    const choices = Array.from({ length: n }, (_, index) => ({ index, message: { role: 'assistant', content: 'word '.repeat(3) }, finish_reason: 'length' }));
    return json({ id: 'c', object: 'chat.completion', created: 1700000000, model: 'up', choices, usage: { prompt_tokens: 9, completion_tokens: n * perChoice, total_tokens: 9 + n * perChoice } });
  });
  const down = upstream(() => json({ error: { message: 'overloaded', type: 'server_error' } }, 503));
  h = await harness(`version: 1
providers:
  up: { adapter: openai, base_url: ${up.url}, api_key: sk-up, models: [m, e, img, dear] }
  down: { adapter: openai, base_url: ${down.url}, api_key: sk-down, models: [cheap] }
models:
  m: { price: { output: 1 } }            # 1 micro-dollar per output token
  e: { price: { input: 1 } }
  img: { price: { per_request: 0.01 } }   # per image
  cheap: { price: { output: 1 }, fallbacks: [dear] }
  dear: { price: { output: 100 } }
routing: { retry: { attempts: 3 } }
keys:
  - { name: n, key: ${keys.n}, budget: 0.01 }
  - { name: legacy, key: ${keys.legacy}, budget: 0.0009 }
  - { name: caps, key: ${keys.caps}, budget: 0.001 }
  - { name: emb, key: ${keys.emb}, budget: 0.0005 }
  - { name: img, key: ${keys.img}, budget: 0.1 }
  - { name: anth, key: ${keys.anth}, budget: 0.001 }
  - { name: restricted, key: ${keys.restricted}, models: [cheap] }
  - { name: fallback, key: ${keys.fallback}, models: [cheap, dear], budget: 0.02 }
`);
}, 30_000);
afterAll(async () => {
  await h.cleanup();
});

const client = (key: string) => new OpenAI({ baseURL: `${h.url}/v1`, apiKey: key, maxRetries: 0 });
const ok = <T>(p: Promise<T>) => p.then((v) => v, () => undefined);

async function spent(key: string): Promise<{ spent: number; budget: number; rows: number }> {
  const spend = await h.query('SELECT spent_micros FROM key_spend WHERE key_name = ?', [key]);
  const rows = await h.query('SELECT sum(cost_micros) AS c, count(*) AS n FROM requests WHERE key_name = ? AND status = 200', [key]);
  expect(Number(spend[0]?.spent_micros ?? 0)).toBe(Number(rows[0].c ?? 0));
  const budget = (await (await fetch(`${h.url}/v1/balance`, { headers: { authorization: `Bearer ${keys[key as keyof typeof keys]}` } })).json()) as { budget_usd: number };
  return { spent: Number(spend[0]?.spent_micros ?? 0), budget: Math.round(budget.budget_usd * 1e6), rows: Number(rows[0].n) };
}

describe('the reservation covers what the upstream can bill', () => {
  test('n: 20 choices × max_tokens 100, 30 concurrent, budget for 5: never overspent', async () => {
    const results = await Promise.all(Array.from({ length: 30 }, () =>
      ok(client(keys.n).chat.completions.create({ model: 'm', n: 20, max_tokens: 100, messages: [{ role: 'user', content: 'hi' }] }))));
    expect(results.filter(Boolean).length).toBe(5);
    const s = await spent('n');
    expect(s.spent).toBeLessThanOrEqual(s.budget);
    expect(s.spent).toBe(5 * 2000);
  });

  test('completions: best_of and several prompts multiply the output too', async () => {
    const results = await Promise.all(Array.from({ length: 30 }, () =>
      ok(client(keys.legacy).completions.create({ model: 'm', prompt: ['one', 'two'], n: 2, best_of: 3, max_tokens: 50 }))));
    expect(results.filter(Boolean).length).toBe(3); // 2 prompts × best_of 3 × 50 tokens = 300 micro-dollars each
    const s = await spent('legacy');
    expect(s.spent).toBe(900);
  });

  test('max_completion_tokens: 1 with max_tokens: 100 reserves 100 (the upstream may honour either)', async () => {
    const results = await Promise.all(Array.from({ length: 30 }, () =>
      ok(client(keys.caps).chat.completions.create({ model: 'm', max_completion_tokens: 1, max_tokens: 100, messages: [{ role: 'user', content: 'hi' }] }))));
    expect(results.filter(Boolean).length).toBe(10);
    const s = await spent('caps');
    expect(s.spent).toBeLessThanOrEqual(s.budget);
  });

  test('embeddings: the reservation counts every input', async () => {
    const input = Array.from({ length: 10 }, (_, i) => `alpha beta gamma delta ${i}`);
    const results = await Promise.all(Array.from({ length: 30 }, () => ok(client(keys.emb).embeddings.create({ model: 'e', input }))));
    expect(results.filter(Boolean).length).toBeGreaterThan(0);
    const s = await spent('emb');
    expect(s.spent).toBeGreaterThan(0);
    expect(s.spent).toBeLessThanOrEqual(s.budget);
  });

  test('images: per_request is charged per image, and n images are reserved', async () => {
    const results = await Promise.all(Array.from({ length: 30 }, () => ok(client(keys.img).images.generate({ model: 'img', prompt: 'a cat', n: 4 }))));
    const images = results.reduce((n, r) => n + (r?.data?.length ?? 0), 0);
    expect(images).toBe(8); // two requests of 4 fit a budget of 10 images
    const s = await spent('img');
    expect(s.spent).toBe(images * 10_000);
    expect(s.spent).toBeLessThanOrEqual(s.budget);
  });

  test('Anthropic surface: max_tokens is reserved', async () => {
    const anthropic = new Anthropic({ baseURL: h.url, apiKey: keys.anth, maxRetries: 0 });
    const results = await Promise.all(Array.from({ length: 30 }, () => ok(anthropic.messages.create({ model: 'm', max_tokens: 100, messages: [{ role: 'user', content: 'hi' }] }))));
    expect(results.filter(Boolean).length).toBe(10);
    const s = await spent('anth');
    expect(s.spent).toBe(1000);
  });
});

describe('fallbacks obey the key', () => {
  test('a fallback model the key may not use is skipped (no answer billed beyond the allowlist)', async () => {
    const res = await client(keys.restricted).chat.completions.create({ model: 'cheap', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] }).withResponse().catch((e: unknown) => e);
    expect(res).toBeInstanceOf(OpenAI.APIError);
    expect((res as InstanceType<typeof OpenAI.APIError>).status).toBe(502);
    const rows = await h.query("SELECT provider, cost_micros FROM requests WHERE key_name = 'restricted'");
    expect(rows).toEqual([{ provider: null, cost_micros: 0 }]);
    const attempts = await h.query("SELECT a.provider FROM attempts a JOIN requests r ON r.id = a.request_id WHERE r.key_name = 'restricted'");
    expect(attempts.map((a) => a.provider)).not.toContain('up');
  });

  test('50 concurrent requests cannot overspend through a dearer fallback: reserved at the dearest model', async () => {
    const results = await Promise.all(Array.from({ length: 50 }, () =>
      ok(client(keys.fallback).chat.completions.create({ model: 'cheap', max_tokens: 100, messages: [{ role: 'user', content: 'hi' }] }))));
    expect(results.filter(Boolean).length).toBe(2); // 100 tokens × $100/1M = $0.01 each, budget $0.02
    const s = await spent('fallback');
    expect(s.spent).toBe(20_000);
    expect(s.spent).toBeLessThanOrEqual(s.budget);
  });
});
