// Admission calls carry a deadline on Redis's clock: a call that timed out here (the process already answered
// its request) and then runs in a Redis that resumes from a stall writes nothing. Measured on a real
// redis-server paused with SIGSTOP: the calls sent during the pause time out, Redis resumes and runs them, and
// the rpm window holds only what the process was told it admitted (before deadlines, every late call counted
// until the window moved past it, so a key near its rpm limit read full for up to a minute). A settle sent
// into the stall has no deadline and is still applied, once.

import { afterAll, beforeAll, expect } from 'bun:test';
import type { CompiledGateway } from '../../src/compile/types.ts';
import { GatewayError, isGatewayError } from '../../src/contracts/errors.ts';
import { createLogger } from '../../src/log.ts';
import type { Ticket } from '../../src/runtime/contracts.ts';
import { createAdmission } from '../../src/limits/admission.ts';
import { MemoryRateLimiter } from '../../src/limits/memory.ts';
import { BudgetTracker } from '../../src/runtime/budgets.ts';
import { STALLED_AFTER } from '../../src/state/redis/answer-watch.ts';
import { RedisAdmission } from '../../src/state/redis/admission.ts';
import { RedisState } from '../../src/state/redis/client.ts';
import { type OpenRedisAdmission, admissionRequest, gatewayWithKeys, openRedisAdmission } from '../helpers/admission.ts';
import { redisTests, startRedis, type TestRedis } from '../helpers/redis.ts';

const { available: REDIS_BIN, testRedis } = redisTests('the admission deadline tests');

const RPM = 4;
let redis: TestRedis;
let gw: CompiledGateway;
let probe: RedisState;
/** Admissions still open (each test closes its own; these after a failure). */
const opened = new Set<OpenRedisAdmission>();

beforeAll(async () => {
  if (!REDIS_BIN) return;
  redis = await startRedis();
  gw = await gatewayWithKeys(`  - { name: near, key: sk-deadline-near-0123456789, limits: { rpm: ${RPM} } }
  - { name: many, key: sk-deadline-many-0123456789, limits: { rpm: 1000 } }
  - { name: pair, key: sk-deadline-pair-0123456789, budget: 1, limits: { concurrency: 2 } }`);
  probe = new RedisState({ url: redis.url, prefix: 'probe', onUnavailable: 'reject', timeoutMs: 2000 }, createLogger('silent'));
  await probe.connect();
});
afterAll(async () => {
  if (!REDIS_BIN) return;
  redis.resume();
  for (const o of opened) await o.close();
  await probe.close();
  await redis.close();
});

async function open(prefix: string, opts: { timeoutMs?: number; leaseTtlMs?: number } = {}): Promise<OpenRedisAdmission> {
  const o = await openRedisAdmission(redis.url, prefix, opts);
  opened.add(o);
  return o;
}

async function done(o: OpenRedisAdmission): Promise<void> {
  opened.delete(o);
  await o.close();
}

/** Script calls redis-server has run so far (EVALSHA and EVAL), from every connection. */
async function scriptCalls(): Promise<number> {
  const text = await probe.client.info('commandstats');
  const calls = (name: string) => Number(new RegExp(`cmdstat_${name}:calls=(\\d+)`).exec(text)?.[1] ?? 0);
  return calls('evalsha') + calls('eval');
}

/**
 * Makes the process believe Redis's clock is `skewMs` off from what it is: a round trip that never happened,
 * taking no time (the most trusted kind), reading this host's clock + skewMs (Redis runs on this host, so
 * its TIME is this host's clock).
 */
function believeSkew(state: RedisState, skewMs: number): void {
  const at = performance.now();
  state.clock.learn(Date.now() + skewMs, at, at);
}

async function admit(o: OpenRedisAdmission, keyName: string): Promise<Ticket | GatewayError> {
  try {
    return await o.admission.admit(admissionRequest(gw, keyName));
  } catch (err) {
    if (isGatewayError(err)) return err as GatewayError;
    throw err;
  }
}

/** The requests counted in the rpm window of the one rule under `prefix`. */
async function windowCount(prefix: string): Promise<number> {
  const keys = await probe.client.keys(`${prefix}:w:*`);
  expect(keys).toHaveLength(1);
  return Number(await probe.client.hget(keys[0], 'rs'));
}

async function until(what: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!what() && Date.now() < deadline) await Bun.sleep(20);
}

testRedis('admission calls that timed out during a stall and ran when Redis resumed count nothing in the rpm window', async () => {
  const o = await open('st', { timeoutMs: 150, leaseTtlMs: 1500 });
  const first = await admit(o, 'near');
  expect(first instanceof GatewayError).toBe(false);
  await until(() => o.state.clock.estimate() !== undefined, 2000); // the first heartbeat's answer: the clock offset

  redis.pause();
  const lost: Array<Ticket | GatewayError> = [];
  let sent = 0;
  try {
    (first as Ticket).settle({ costMicros: 7 }); // a settle sent into the stall (its timeout counts too)
    // While shared state is up each call is sent (the connection stays up), times out here, and stays queued
    // in the paused Redis; after STALLED_AFTER timeouts in a row it is marked down and requests are refused
    // without calling Redis.
    while (o.state.up && sent < 10) {
      sent += 1;
      lost.push(await admit(o, 'near'));
    }
    lost.push(await admit(o, 'near'));
  } finally {
    redis.resume();
  }
  for (const r of lost) expect((r as GatewayError).code).toBe('state_unavailable');
  await until(() => o.state.up, 5000);
  expect(o.state.up).toBe(true); // the probe's ping was answered: Redis ran everything queued before it

  // Only the admission the process was told about counts; each late call found its deadline passed.
  const counted = await windowCount('st');
  console.log(`rpm window after the stall: ${counted} counted; ${counted - 1} of the ${sent} admission calls sent during the stall (timed out here) counted late`);
  expect(sent).toBeGreaterThanOrEqual(STALLED_AFTER - 1);
  expect(counted).toBe(1);
  // So the key is not full: the rest of its rpm admits, then the limit holds.
  for (let i = 1; i < RPM; i++) expect((await admit(o, 'near')) instanceof GatewayError).toBe(false);
  expect(((await admit(o, 'near')) as GatewayError).code).toBe('rate_limit_exceeded');

  // The settle sent into the stall is resent with its sequence number (no deadline) and applied once.
  await until(() => o.admission.unsettled === 0, 5000);
  expect(await probe.client.hget('st:budget:near', 'spent')).toBe('7');
  await done(o);
}, 20_000);

testRedis('a late admission call takes no concurrency slot and no budget reservation either', async () => {
  const o = await open('cp', { timeoutMs: 150 });
  const first = await admit(o, 'pair'); // seeds the budget; its heartbeat's answer gives the clock offset
  expect(first instanceof GatewayError).toBe(false);
  (first as Ticket).settle({ costMicros: 0 });
  await until(() => o.admission.unsettled === 0 && o.state.clock.estimate() !== undefined, 2000);
  // Two calls that time out here and run when the pause ends: past their deadlines, they take nothing.
  await probe.client.call('CLIENT', 'PAUSE', '600', 'ALL');
  for (const r of [await admit(o, 'pair'), await admit(o, 'pair')]) expect((r as GatewayError).code).toBe('state_unavailable');
  await until(() => o.state.up, 3000);
  const [win] = await probe.client.keys('cp:w:*');
  const fields = await probe.client.hgetall(win);
  expect(Object.entries(fields).filter(([f, v]) => f.startsWith('c:') && v !== '0')).toEqual([]);
  expect(Object.keys(await probe.client.hgetall('cp:budget:pair')).filter((f) => f.startsWith('h:'))).toEqual([]);
  // So the key's concurrency of 2 is all there at once (no lease TTL to wait out).
  const pair = [await admit(o, 'pair'), await admit(o, 'pair')];
  for (const t of pair) expect(t instanceof GatewayError).toBe(false);
  for (const t of pair) (t as Ticket).settle({ costMicros: 0 });
  await done(o);
}, 10_000);

testRedis('a clock estimate 10 minutes off, either way, never refuses an admission, and each counts once', async () => {
  for (const [i, skewMs] of [-600_000, 600_000].entries()) {
    const prefix = `sk${i}`;
    const log = createLogger('silent');
    const state = new RedisState({ url: redis.url, prefix, onUnavailable: 'reject', timeoutMs: 500 }, log);
    await state.connect();
    believeSkew(state, skewMs); // before the first heartbeat: the first admission is sent on this estimate
    const admission = new RedisAdmission(state, {
      leaseTtlMs: 60_000, local: createAdmission(new MemoryRateLimiter(), new BudgetTracker()),
      loadSpend: async () => ({ spentMicros: 0, adjustMicros: 0 }), log,
    });
    try {
      const o = { state, admission, close: async () => {} };
      expect((await admit(o, 'many')) instanceof GatewayError).toBe(false);
      // The heartbeat's answer replaced the wrong estimate (its sample contradicts it): or, if the admission's
      // retry dropped it, there is none until the next heartbeat. Never a wrong one.
      const e = state.clock.estimate();
      if (e) expect(Math.abs(e.offset - (Date.now() - performance.now()))).toBeLessThan(50);
      // Redis's clock stepping by 10 minutes between heartbeats: every admission still goes through.
      for (let k = 0; k < 5; k++) {
        believeSkew(state, skewMs);
        expect((await admit(o, 'many')) instanceof GatewayError).toBe(false);
      }
      expect(await windowCount(prefix)).toBe(6);
    } finally {
      admission.close();
      await state.close();
    }
  }
}, 10_000);

testRedis('a batch call past its deadline writes nothing, and is sent again when the process still waits for it', async () => {
  const o = await open('bt', { timeoutMs: 500, leaseTtlMs: 60_000 });
  expect((await admit(o, 'many')) instanceof GatewayError).toBe(false); // seeds the account
  await until(() => o.state.clock.estimate() !== undefined, 2000);
  const before = await scriptCalls();
  // A is sent alone with a right deadline; B and C wait for it and go as one batch, on a clock 10 minutes
  // fast: their deadline has passed when the batch runs.
  const a = admit(o, 'many');
  believeSkew(o.state, -600_000);
  const results = await Promise.all([a, admit(o, 'many'), admit(o, 'many')]);
  for (const r of results) expect(r instanceof GatewayError).toBe(false);
  expect((await scriptCalls()) - before).toBe(3); // A; the batch, expired; the batch again, without a deadline
  expect(await windowCount('bt')).toBe(4);
  expect(o.state.clock.estimate()).toBeUndefined(); // the wrong estimate is gone until the next heartbeat
  await done(o);
});
