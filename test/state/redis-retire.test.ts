// An admission call that times out on the client can still run in Redis afterwards (it was already sent)
// and take concurrency slots nobody releases. Its deadline (test/state/redis-deadline.test.ts) stops that
// when the process knows Redis's clock; this covers the calls it cannot stop: sent before any clock estimate
// (startup, a reconnect), or run in time with their reply lost. The process retires that node id and goes on
// under a new one; the old id lapses, so the late call's slots stop counting within the lease TTL instead of
// for ever.

import { afterAll, beforeAll, expect } from 'bun:test';
import type { CompiledGateway } from '../../src/compile/types.ts';
import { GatewayError, isGatewayError } from '../../src/contracts/errors.ts';
import type { Ticket } from '../../src/runtime/contracts.ts';
import { RedisState } from '../../src/state/redis/client.ts';
import { createLogger } from '../../src/log.ts';
import { type OpenRedisAdmission, admissionRequest, gatewayWithKeys, openRedisAdmission } from '../helpers/admission.ts';
import { redisTests, startRedis, type TestRedis } from '../helpers/redis.ts';

const { available: REDIS_BIN, testRedis } = redisTests('the node retirement test');

const LEASE_TTL_MS = 1200;
let redis: TestRedis;
let gw: CompiledGateway;
let probe: RedisState;
let opened: OpenRedisAdmission;

beforeAll(async () => {
  if (!REDIS_BIN) return;
  redis = await startRedis();
  gw = await gatewayWithKeys('  - { name: pair, key: sk-retire-pair-0123456789, limits: { concurrency: 2 } }');
  probe = new RedisState({ url: redis.url, prefix: 'probe', onUnavailable: 'reject', timeoutMs: 2000 }, createLogger('silent'));
  await probe.connect();
  opened = await openRedisAdmission(redis.url, 'rt', { timeoutMs: 150, leaseTtlMs: LEASE_TTL_MS });
});

afterAll(async () => {
  if (!REDIS_BIN) return;
  await opened.close();
  await probe.close();
  await redis.close();
});

async function admit(noDeadline = false): Promise<Ticket | GatewayError> {
  // No clock estimate: the call goes without a deadline (the estimate is dropped just before it is sent).
  if (noDeadline) opened.state.clock.forget();
  try {
    return await opened.admission.admit(admissionRequest(gw, 'pair'));
  } catch (err) {
    if (isGatewayError(err)) return err as GatewayError;
    throw err;
  }
}

testRedis('slots taken by an admission call that timed out on the client stop counting within the lease TTL', async () => {
  const first = await admit();
  expect(first instanceof GatewayError).toBe(false);
  (first as Ticket).settle({ costMicros: 0 });
  await Bun.sleep(50); // the settle batch goes out

  // Two admission calls without a deadline, one after the other, each timing out here (150 ms) and run in
  // Redis when the pause ends: two slots taken that this process never learnt about, filling the key's
  // concurrency of 2.
  await probe.client.call('CLIENT', 'PAUSE', '600', 'ALL');
  const lost = [await admit(true), await admit(true)];
  for (const r of lost) expect((r as GatewayError).code).toBe('state_unavailable');
  await Bun.sleep(400);
  const late = await admit();
  expect((late as GatewayError).code).toBe('rate_limit_exceeded');

  // Within the lease TTL (and a heartbeat) of the pause's end the late slots no longer count: two fit again.
  const deadline = Date.now() + LEASE_TTL_MS * 3;
  let pair: Ticket[] = [];
  while (Date.now() < deadline && pair.length < 2) {
    if (pair.length) {
      for (const t of pair) t.settle({ costMicros: 0 });
      await Bun.sleep(50); // the settle batch reaches Redis before the next admissions
    }
    pair = [];
    for (const r of [await admit(), await admit()]) {
      if (r instanceof GatewayError) expect(r.code).toBe('rate_limit_exceeded'); // a late slot, until it lapses
      else pair.push(r);
    }
    if (pair.length < 2) await Bun.sleep(100);
  }
  expect(pair.length).toBe(2);
  // And the limit still holds for what this process admits now.
  expect(((await admit()) as GatewayError).code).toBe('rate_limit_exceeded');
  for (const t of pair) t.settle({ costMicros: 0 });
}, 20_000);
