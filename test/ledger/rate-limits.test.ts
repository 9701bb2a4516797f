// Rate limits through the real gateway: rpm exact under 20 concurrent requests with OpenAI headers and
// Retry-After, concurrency, tpm (reserve then correct), group / model scopes, and reload.

import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { chat, harness, type Harness } from './harness.ts';

const keys = { alice: 'sk-rl-alice-0123456789', carol: 'sk-rl-carol-0123456789', dave: 'sk-rl-dave-01234567890', erin: 'sk-rl-erin-01234567890', fred: 'sk-rl-fred-01234567890' };
const yaml = (aliceRpm: number) => `version: 1
providers:
  mock: { adapter: mock, models: [m, mm] }
  slow: { adapter: mock, models: [s], mock: { delay_ms: 300 } }
models:
  m: { price: { input: 1, output: 1 } }
  mm: { price: { input: 1, output: 1 } }
  s: { price: { input: 1, output: 1 } }
groups:
  team: { limits: { rpm: 3 } }
keys:
  - { name: alice, key: ${keys.alice}, limits: { rpm: ${aliceRpm} } }
  - { name: carol, key: ${keys.carol}, limits: { concurrency: 2 } }
  - { name: dave, key: ${keys.dave}, limits: { tpm: 1000 } }
  - { name: erin, key: ${keys.erin}, group: team }
  - { name: fred, key: ${keys.fred} }
limits:
  global: { rpm: 100000 }
  models:
    mm: { rpm: 2 }
`;

let h: Harness;
beforeAll(async () => {
  h = await harness(yaml(5));
});
afterAll(async () => {
  await h.cleanup();
});

/** "1m0s" / "59.98s" / "250ms" → ms. */
function durationMs(text: string): number {
  const m = /^(?:(\d+)m)?(?:([\d.]+)s)?(?:(\d+)ms)?$/.exec(text);
  if (!m) throw new Error(`not a duration: ${text}`);
  return Number(m[1] ?? 0) * 60_000 + Number(m[2] ?? 0) * 1000 + Number(m[3] ?? 0);
}

type ErrorBody = { error: { type: string; code: string; message: string } };

describe('rate limits', () => {
  test('rpm 5 under 20 concurrent requests: exactly 5 pass, with headers and Retry-After', async () => {
    const responses = await Promise.all(Array.from({ length: 20 }, () => chat(h.url, { model: 'm' }, keys.alice)));
    const ok = responses.filter((r) => r.status === 200);
    const limited = responses.filter((r) => r.status === 429);
    expect(ok.length).toBe(5);
    expect(limited.length).toBe(15);
    expect(ok.map((r) => r.headers.get('x-ratelimit-remaining-requests')).sort()).toEqual(['0', '1', '2', '3', '4']);
    for (const r of ok) {
      expect(r.headers.get('x-ratelimit-limit-requests')).toBe('5'); // key rpm 5 is tighter than global 100000
      const reset = durationMs(r.headers.get('x-ratelimit-reset-requests')!);
      expect(reset).toBeGreaterThan(55_000);
      expect(reset).toBeLessThanOrEqual(60_000);
      expect(r.headers.get('x-ratelimit-limit-tokens')).toBeNull(); // no tpm rule applies
    }
    for (const r of limited) {
      const retry = Number(r.headers.get('retry-after'));
      expect(retry).toBeGreaterThanOrEqual(55);
      expect(retry).toBeLessThanOrEqual(60);
      expect(r.headers.get('x-ratelimit-remaining-requests')).toBe('0');
      expect(r.headers.get('x-ratelimit-limit-requests')).toBe('5');
    }
    const body = await limited[0].json() as ErrorBody;
    expect(body.error.type).toBe('rate_limit_error');
    expect(body.error.code).toBe('rate_limit_exceeded');
    expect(body.error.message).toContain('key "alice" rpm 5');
    await Promise.all(ok.map((r) => r.text()));
    await Promise.all(limited.slice(1).map((r) => r.text()));
  });

  test('a reload applies new limits to the next request; counts survive', async () => {
    h.write(yaml(6));
    expect(await h.gw.reload('test')).toBe(true);
    const statuses = (await Promise.all(Array.from({ length: 3 }, () => chat(h.url, { model: 'm' }, keys.alice)))).map((r) => r.status);
    expect(statuses.sort()).toEqual([200, 429, 429]);
  });

  test('concurrency 2: two in flight, the rest refused until one finishes', async () => {
    const responses = await Promise.all(Array.from({ length: 6 }, () => chat(h.url, { model: 's' }, keys.carol)));
    expect(responses.filter((r) => r.status === 200).length).toBe(2);
    const refused = responses.filter((r) => r.status === 429);
    expect(refused.length).toBe(4);
    expect(((await refused[0].json()) as ErrorBody).error.message).toContain('key "carol" concurrency 2');
    expect(refused[0].headers.get('retry-after')).toBe('1');
    expect((await chat(h.url, { model: 's' }, keys.carol)).status).toBe(200); // slots were released
  });

  test('tpm: reserves prompt + max_tokens, corrects with actual usage', async () => {
    const concurrent = await Promise.all(Array.from({ length: 3 }, () => chat(h.url, { model: 's', max_tokens: 400 }, keys.dave)));
    expect(concurrent.map((r) => r.status).sort()).toEqual([200, 200, 429]);
    const refused = concurrent.find((r) => r.status === 429)!;
    expect(((await refused.json()) as ErrorBody).error.message).toContain('key "dave" tpm 1000');
    const used = await Promise.all(concurrent.filter((r) => r.status === 200).map(async (r) => {
      await r.json();
      return Number(r.headers.get('x-switchyard-prompt-tokens')) + Number(r.headers.get('x-switchyard-completion-tokens'));
    }));
    // after settle only the actual tokens count: a new 400-token request fits again
    const next = await chat(h.url, { model: 'm', max_tokens: 400 }, keys.dave);
    expect(next.status).toBe(200);
    const remaining = Number(next.headers.get('x-ratelimit-remaining-tokens'));
    expect(next.headers.get('x-ratelimit-limit-tokens')).toBe('1000');
    expect(remaining).toBeLessThan(1000 - used[0] - used[1] - 400);
    expect(remaining).toBeGreaterThan(1000 - used[0] - used[1] - 450); // 400 + a small prompt estimate
    const tooBig = await chat(h.url, { model: 'm', max_tokens: 5000 }, keys.dave);
    expect(tooBig.status).toBe(429);
    expect(((await tooBig.json()) as ErrorBody).error.message).toContain('Lower max_tokens');
  });

  test('group and model scopes', async () => {
    const group = await Promise.all(Array.from({ length: 4 }, () => chat(h.url, { model: 'm' }, keys.erin)));
    expect(group.map((r) => r.status).sort()).toEqual([200, 200, 200, 429]);
    expect(((await group.find((r) => r.status === 429)!.json()) as ErrorBody).error.message).toContain('group "team" rpm 3');
    const model = await Promise.all(Array.from({ length: 3 }, () => chat(h.url, { model: 'mm' }, keys.fred)));
    expect(model.map((r) => r.status).sort()).toEqual([200, 200, 429]);
    expect(((await model.find((r) => r.status === 429)!.json()) as ErrorBody).error.message).toContain('model "mm" rpm 2');
    const ok = model.find((r) => r.status === 200)!;
    expect(ok.headers.get('x-ratelimit-limit-requests')).toBe('2');
  });
});
