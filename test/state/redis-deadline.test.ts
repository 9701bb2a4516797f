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
import { STALLED_AFTER } from '../../src/state/redis/answer-watch.ts';
import { RedisState } from '../../src/state/redis/client.ts';
import { type OpenRedisAdmission, admissionRequest, gatewayWithKeys, openRedisAdmission } from '../helpers/admission.ts';
import { redisTests, startRedis, type TestRedis } from '../helpers/redis.ts';

const { available: REDIS_BIN, testRedis } = redisTests('the admission deadline tests');

const RPM = 4;
let redis: TestRedis;
let gw: CompiledGateway;
let probe: RedisState;
const opened: OpenRedisAdmission[] = [];

beforeAll(async () => {
  if (!REDIS_BIN) return;
  redis = await startRedis();
  gw = await gatewayWithKeys(`  - { name: near, key: sk-deadline-near-0123456789, limits: { rpm: ${RPM} } }
  - { name: many, key: sk-deadline-many-0123456789, limits: { rpm: 1000 } }`);
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
  opened.push(o);
  return o;
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
  await Bun.sleep(100); // the first heartbeat's answer: the clock offset is known

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
}, 20_000);
