// The group multiplier scales the whole price, per_request included (One API: 额度 = 分组倍率 × 模型倍率 × ...):
// images (per image), per-call models and async image jobs cost multiplier × per_request, and the budget
// reservation uses the same rule, so a group at 2× fits half as many images in the same budget.

import { afterEach, expect, test } from 'bun:test';
import { join } from 'node:path';
import OpenAI from 'openai';
import { tempDir } from '../helpers/gateway.ts';
import { type E2EGateway, TEST_KEY, auth, postJson, startE2E, until } from './helpers.ts';

const VIP = 'sk-vip-key-0123456789abcdef';
const HALF = 'sk-half-key-0123456789abcde';
const TIGHT = 'sk-tight-vip-0123456789abcd';
const yaml = (dir: string) => `version: 1
providers:
  mock: { adapter: mock, models: [mock-image, mock-echo] }
models:
  mock-image: { price: { per_request: 0.04 } }
  mock-echo: { price: { input: 1, per_request: 0.001 } }
groups:
  vip: { multiplier: 2 }
  half: { multiplier: 0.5 }
keys:
  - { name: tester, key: ${TEST_KEY} }
  - { name: vip, key: ${VIP}, group: vip }
  - { name: half, key: ${HALF}, group: half }
  - { name: tight, key: ${TIGHT}, group: vip, budget: 0.2 }
routing: { retry: { attempts: 0 } }
storage:
  url: file:${join(dir, 'ledger.db')}
`;

let gw: E2EGateway | undefined;
afterEach(async () => {
  await gw?.stop();
  gw = undefined;
});

const images = (key: string, n = 1) => new OpenAI({ baseURL: `${gw!.url}/v1`, apiKey: key, maxRetries: 0 }).images.generate({ model: 'mock-image', prompt: 'a cat', n }).withResponse();

test('per_request is multiplied: images per image, per-call models, in the header and the ledger', async () => {
  gw = await startE2E(yaml(tempDir('switchyard-mult-')));
  const plain = await images(TEST_KEY);
  expect(plain.response.headers.get('x-switchyard-cost-usd')).toBe('0.040000');
  const vip = await images(VIP);
  expect(vip.response.headers.get('x-switchyard-cost-usd')).toBe('0.080000');
  expect((await gw.row(vip.response.headers.get('x-request-id')!)).costMicros).toBe(80_000);
  const half = await images(HALF, 2);
  expect(half.data.data?.length).toBe(2);
  expect(half.response.headers.get('x-switchyard-cost-usd')).toBe('0.040000'); // 2 images × 0.04 × 0.5

  // A per-call price next to token prices: the multiplier covers both (0.001 + tokens) × 2.
  const chat = (key: string) => new OpenAI({ baseURL: `${gw!.url}/v1`, apiKey: key, maxRetries: 0 }).chat.completions.create({ model: 'mock-echo', messages: [{ role: 'user', content: 'hi' }] }).withResponse();
  const a = await chat(TEST_KEY);
  const b = await chat(VIP);
  const base = Math.round(Number(a.response.headers.get('x-switchyard-cost-usd')) * 1e6);
  expect(base).toBeGreaterThan(1000);
  expect(Math.round(Number(b.response.headers.get('x-switchyard-cost-usd')) * 1e6)).toBe(2 * base);
});

test('the reservation uses the multiplied price: a 0.2 budget at 2× fits two 0.04 images, never more', async () => {
  gw = await startE2E(yaml(tempDir('switchyard-mult-')));
  const results = await Promise.all(Array.from({ length: 10 }, () => images(TIGHT).then(() => 1, (e: unknown) => (e instanceof OpenAI.APIError && e.status === 429 ? 0 : Promise.reject(e)))));
  expect(results.reduce((a, b) => a + b, 0)).toBe(2);
  const balance = (await (await fetch(`${gw.url}/v1/balance`, { headers: auth(TIGHT) })).json()) as { spent_usd: number };
  expect(balance.spent_usd).toBeCloseTo(0.16, 6);
});

test('an async image job is billed at the multiplied price', async () => {
  const dir = tempDir('switchyard-mult-');
  gw = await startE2E(yaml(dir), { dir });
  const res = await postJson(`${gw.url}/v1/images/jobs`, { model: 'mock-image', prompt: 'a sunflower', n: 1, response_format: 'b64_json' }, auth(VIP));
  expect(res.status).toBe(202);
  const job = (await res.json()) as { id: string };
  await until(async () => {
    const body = (await (await fetch(`${gw!.url}/v1/images/jobs/${job.id}`, { headers: auth(VIP) })).json()) as { status: string };
    return body.status === 'succeeded' ? body : undefined;
  });
  expect((await gw.row(job.id)).costMicros).toBe(80_000);
});
