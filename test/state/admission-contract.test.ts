// One contract, two backends: the in-memory admission (one process) and the Redis admission (many
// processes) must answer the same way for the same requests: rpm and tpm windows, concurrency released
// on settle, tokens corrected by actual usage, budget check-and-reserve with the cost settled, and the
// 429s (rate_limit_exceeded with Retry-After, insufficient_quota) their callers turn into responses.

import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import type { CompiledGateway } from '../../src/compile/types.ts';
import { isGatewayError } from '../../src/contracts/errors.ts';
import { createAdmission } from '../../src/limits/admission.ts';
import { MemoryRateLimiter } from '../../src/limits/memory.ts';
import { BudgetTracker } from '../../src/runtime/budgets.ts';
import type { Admission, AdmissionRequest, Ticket } from '../../src/runtime/contracts.ts';
import { type OpenRedisAdmission, admissionRequest, gatewayWithKeys, openRedisAdmission } from '../helpers/admission.ts';
import { redisServerPath, startRedis, type TestRedis } from '../helpers/redis.ts';

const REDIS_BIN = redisServerPath();

let redis: TestRedis;
let gw: CompiledGateway;
const opened: OpenRedisAdmission[] = [];

beforeAll(async () => {
  if (REDIS_BIN) redis = await startRedis();
  else console.warn('redis-server not found: the Redis admission contract tests are skipped (apt-get install -y redis-server)');
  gw = await gatewayWithKeys(`  - { name: rpm, key: sk-contract-rpm-0123456789, limits: { rpm: 3 } }
  - { name: tpm, key: sk-contract-tpm-0123456789, limits: { tpm: 100 } }
  - { name: conc, key: sk-contract-conc-0123456789, limits: { concurrency: 1 } }
  - { name: budget, key: sk-contract-budget-0123456789, budget: 0.0001 }`);
});
afterAll(async () => {
  await Promise.all(opened.map((o) => o.close()));
  await redis?.close();
});

let prefixes = 0;
const all: Array<[string, () => Promise<Admission>]> = [
  ['memory', async () => createAdmission(new MemoryRateLimiter(), new BudgetTracker())],
  ['redis', async () => {
    const o = await openRedisAdmission(redis.url, `contract${++prefixes}`);
    opened.push(o);
    return o.admission;
  }],
];
const backends = all.filter(([name]) => name === 'memory' || REDIS_BIN);

function request(keyName: string, extra: Partial<AdmissionRequest> = {}): AdmissionRequest {
  return admissionRequest(gw, keyName, extra);
}

async function outcome(admission: Admission, req: AdmissionRequest): Promise<Ticket | { status: number; code: string; retryAfterMs?: number }> {
  try {
    return await admission.admit(req);
  } catch (err) {
    if (!isGatewayError(err)) throw err;
    return { status: err.status, code: err.code, retryAfterMs: err.retryAfterMs };
  }
}

const isTicket = (o: unknown): o is Ticket => typeof (o as Ticket).settle === 'function';

describe.each(backends)('%s admission', (_name, make) => {
  test('rpm: 3 admitted, the 4th refused with a Retry-After within the window; headers report what is left', async () => {
    const a = await make();
    const results = [];
    for (let i = 0; i < 4; i++) results.push(await outcome(a, request('rpm')));
    expect(results.slice(0, 3).every(isTicket)).toBe(true);
    expect((results[0] as Ticket).headers['x-ratelimit-remaining-requests']).toBe('2');
    expect((results[2] as Ticket).headers['x-ratelimit-remaining-requests']).toBe('0');
    const refused = results[3] as { status: number; code: string; retryAfterMs: number };
    expect(refused).toMatchObject({ status: 429, code: 'rate_limit_exceeded' });
    expect(refused.retryAfterMs).toBeGreaterThan(50_000);
    expect(refused.retryAfterMs).toBeLessThanOrEqual(60_000);
  });

  test('tpm: reserved tokens count, actual usage replaces them on settle', async () => {
    const a = await make();
    const first = await outcome(a, request('tpm', { promptTokens: 30, maxOutputTokens: 40 })); // 70 of 100
    expect(isTicket(first)).toBe(true);
    expect(await outcome(a, request('tpm', { promptTokens: 20, maxOutputTokens: 20 }))).toMatchObject({ status: 429 });
    (first as Ticket).settle({ usage: { prompt_tokens: 30, completion_tokens: 5, total_tokens: 35 }, costMicros: 35 });
    await Bun.sleep(50);
    expect(isTicket(await outcome(a, request('tpm', { promptTokens: 20, maxOutputTokens: 20 })))).toBe(true); // 35 + 40 fits
    expect(await outcome(a, request('tpm', { promptTokens: 200, maxOutputTokens: 0 }))).toMatchObject({ status: 429, retryAfterMs: undefined }); // never fits
  });

  test('concurrency: a slot is held until settle', async () => {
    const a = await make();
    const t = await outcome(a, request('conc'));
    expect(isTicket(t)).toBe(true);
    expect(await outcome(a, request('conc'))).toMatchObject({ status: 429, code: 'rate_limit_exceeded' });
    (t as Ticket).settle({ costMicros: 0 });
    await Bun.sleep(50);
    expect(isTicket(await outcome(a, request('conc')))).toBe(true);
  });

  test('budget: reservations count against it; the settled cost replaces them', async () => {
    const a = await make(); // budget 100 µ$, each request reserves 30
    const held = [];
    for (let i = 0; i < 3; i++) held.push(await outcome(a, request('budget')));
    expect(held.every(isTicket)).toBe(true);
    expect(await outcome(a, request('budget'))).toMatchObject({ status: 429, code: 'insufficient_quota' });
    for (const t of held) (t as Ticket).settle({ costMicros: 10 });
    await Bun.sleep(50);
    // spent 30, nothing reserved: two more fit (30 + 2×30 = 90), the third does not (120).
    expect(isTicket(await outcome(a, request('budget')))).toBe(true);
    expect(isTicket(await outcome(a, request('budget')))).toBe(true);
    expect(await outcome(a, request('budget'))).toMatchObject({ status: 429, code: 'insufficient_quota' });
  });
});
