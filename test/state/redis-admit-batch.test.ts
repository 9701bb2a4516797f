// Batched Redis admissions on a real redis-server: many concurrent admissions reach Redis as a few script
// calls (counted with INFO commandstats), and each is decided exactly as if it had been sent alone, in
// order (rpm 10 → exactly 10, the rest refused with the window's Retry-After; a refused admission takes
// nothing from the ones after it); a batch is capped; a failed batch call fails each of its admissions as
// a failed single call does (503 state_unavailable with on_unavailable: reject).

import { afterAll, beforeAll, expect } from 'bun:test';
import type { CompiledGateway } from '../../src/compile/types.ts';
import { GatewayError, isGatewayError } from '../../src/contracts/errors.ts';
import { createLogger } from '../../src/log.ts';
import type { AdmissionRequest, Ticket } from '../../src/runtime/contracts.ts';
import { MAX_BATCH } from '../../src/state/redis/admit-batch.ts';
import { RedisAdmission } from '../../src/state/redis/admission.ts';
import { RedisState } from '../../src/state/redis/client.ts';
import { type OpenRedisAdmission, admissionRequest, gatewayWithKeys, openRedisAdmission } from '../helpers/admission.ts';
import { redisTests, startRedis, type TestRedis } from '../helpers/redis.ts';

const { available: REDIS_BIN, testRedis } = redisTests('the batched admission tests');

let redis: TestRedis;
let gw: CompiledGateway;
let probe: RedisState;
const opened: OpenRedisAdmission[] = [];
const log = createLogger('silent');

beforeAll(async () => {
  if (!REDIS_BIN) return;
  redis = await startRedis();
  gw = await gatewayWithKeys(`  - { name: ten, key: sk-batch-ten-0123456789, limits: { rpm: 10 } }
  - { name: two, key: sk-batch-two-0123456789, limits: { rpm: 2, concurrency: 100 } }
  - { name: three, key: sk-batch-three-0123456789, limits: { rpm: 3 }, budget: 1 }
  - { name: free, key: sk-batch-free-0123456789 }`);
  probe = new RedisState({ url: redis.url, prefix: 'probe', onUnavailable: 'reject', timeoutMs: 2000 }, log);
  await probe.connect();
});
afterAll(async () => {
  if (!REDIS_BIN) return;
  for (const o of opened) await o.close();
  await probe.close();
  await redis.close();
});

async function open(prefix: string, timeoutMs = 1000): Promise<RedisAdmission> {
  const o = await openRedisAdmission(redis.url, prefix, { timeoutMs });
  opened.push(o);
  return o.admission;
}

function request(keyName: string): AdmissionRequest {
  return admissionRequest(gw, keyName);
}

async function outcome(a: RedisAdmission, keyName: string): Promise<Ticket | GatewayError> {
  try {
    return await a.admit(request(keyName));
  } catch (err) {
    if (isGatewayError(err)) return err as GatewayError;
    throw err;
  }
}

/** Script calls redis-server has run so far (EVALSHA and EVAL). */
async function scriptCalls(): Promise<number> {
  const text = await probe.client.info('commandstats');
  const calls = (name: string) => Number(new RegExp(`cmdstat_${name}:calls=(\\d+)`).exec(text)?.[1] ?? 0);
  return calls('evalsha') + calls('eval');
}

const isTicket = (o: Ticket | GatewayError): o is Ticket => !(o instanceof GatewayError);

testRedis('50 concurrent admissions under rpm 10 go to Redis as a few script calls: exactly 10 admitted in order, 40 refused with the window\'s Retry-After', async () => {
  const a = await open('b1');
  const first = await outcome(a, 'ten'); // seeds the key's account (one admission, alone)
  expect(isTicket(first)).toBe(true);
  const before = await scriptCalls();
  const started = Date.now();
  const results = await Promise.all(Array.from({ length: 50 }, () => outcome(a, 'ten')));
  const calls = (await scriptCalls()) - before;
  expect(calls).toBeLessThanOrEqual(3);

  const admitted = results.filter(isTicket);
  expect(admitted.length).toBe(9);
  // Sequential semantics: the admitted ones are the first nine issued, each seeing one fewer remaining.
  expect(results.slice(0, 9).every(isTicket)).toBe(true);
  expect(admitted.map((t) => t.headers?.['x-ratelimit-remaining-requests'])).toEqual(['8', '7', '6', '5', '4', '3', '2', '1', '0']);
  for (const r of results.slice(9)) {
    const err = r as GatewayError;
    expect(err.status).toBe(429);
    expect(err.code).toBe('rate_limit_exceeded');
    // The window frees when the first admission (before the batch) leaves it: just under 60 s away.
    expect(err.retryAfterMs!).toBeGreaterThan(60_000 - (Date.now() - started) - 1000);
    expect(err.retryAfterMs!).toBeLessThanOrEqual(60_000);
  }
  for (const t of admitted) t.settle({ costMicros: 0 });
});

testRedis('admissions of different keys in one batch are independent: a refused one takes nothing from the others', async () => {
  const a = await open('b2');
  await Promise.all([outcome(a, 'two'), outcome(a, 'three')]).then((r) => r.filter(isTicket).forEach((t) => t.settle({ costMicros: 0 })));
  const order = Array.from({ length: 20 }, (_, i) => (i % 2 ? 'two' : 'three'));
  const results = await Promise.all(order.map((k) => outcome(a, k)));
  const admittedOf = (k: string) => results.filter((r, i) => order[i] === k && isTicket(r)).length;
  expect(admittedOf('two')).toBe(1);
  expect(admittedOf('three')).toBe(2);
  for (const [i, r] of results.entries()) if (!isTicket(r)) expect(r.status, order[i]).toBe(429);
  results.filter(isTicket).forEach((t) => t.settle({ costMicros: 0 }));
});

testRedis(`a batch holds at most ${MAX_BATCH} admissions: more go to the next ones`, async () => {
  const a = await open('b3');
  const first = await outcome(a, 'free');
  expect(isTicket(first)).toBe(true);
  const before = await scriptCalls();
  const results = await Promise.all(Array.from({ length: 3 * MAX_BATCH }, () => outcome(a, 'free')));
  const calls = (await scriptCalls()) - before;
  expect(results.every(isTicket)).toBe(true);
  expect(calls).toBeGreaterThanOrEqual(3);
  expect(calls).toBeLessThanOrEqual(5);
});

testRedis('a failed batch call fails each of its admissions (and those queued behind it) as a single call does (503 state_unavailable), and the next batch works', async () => {
  const a = await open('b4', 150);
  const first = await outcome(a, 'free');
  expect(isTicket(first)).toBe(true);
  await probe.client.call('CLIENT', 'PAUSE', '600', 'ALL');
  const results = await Promise.all(Array.from({ length: 20 }, () => outcome(a, 'free')));
  for (const r of results) {
    expect(isTicket(r)).toBe(false);
    expect((r as GatewayError).status).toBe(503);
    expect((r as GatewayError).code).toBe('state_unavailable');
  }
  await Bun.sleep(700);
  // Admissions queued behind a call that times out fail with it: none waits for a second timeout.
  await probe.client.call('CLIENT', 'PAUSE', '900', 'ALL');
  const started = Date.now();
  const queued = await Promise.all(Array.from({ length: 2 * MAX_BATCH + 1 }, () => outcome(a, 'free')));
  const elapsed = Date.now() - started;
  expect(queued.every((r) => !isTicket(r) && r.status === 503)).toBe(true);
  expect(elapsed).toBeLessThan(400);
  await Bun.sleep(1000);
  const again = await Promise.all(Array.from({ length: 5 }, () => outcome(a, 'free')));
  expect(again.every(isTicket)).toBe(true);
});
