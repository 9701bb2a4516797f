// The Redis admission's data on a real redis-server, beyond the shared contract: the 100 ms bucket windows
// drop what left the 60 s window and keep what is still in it (and the current bucket's field starts empty
// when it held the bucket one window ago); a rule hash holding slots outlives its own expiry; settles of many
// requests go out as one script call and a replayed batch counts once; a process whose node entry lapsed (a
// flushed Redis) takes a new id and its old slots stop counting; lone admissions (the script's fast path and
// its fall-through) count exactly and keep the rule hash alive past its window.

import { afterAll, beforeAll, expect } from 'bun:test';
import type { CompiledGateway } from '../../src/compile/types.ts';
import { isGatewayError } from '../../src/contracts/errors.ts';
import type { AdmissionRequest, Ticket } from '../../src/runtime/contracts.ts';
import { RedisAdmission } from '../../src/state/redis/admission.ts';
import { RedisState } from '../../src/state/redis/client.ts';
import { SETTLE } from '../../src/state/redis/settle-script.ts';
import { type OpenRedisAdmission, admissionRequest, gatewayWithKeys, openRedisAdmission } from '../helpers/admission.ts';
import { redisTests, startRedis, type TestRedis } from '../helpers/redis.ts';

const { available: REDIS_BIN, testRedis } = redisTests('the Redis window tests');

let redis: TestRedis;
let gw: CompiledGateway;
const opened: OpenRedisAdmission[] = [];

beforeAll(async () => {
  if (!REDIS_BIN) return;
  redis = await startRedis();
  gw = await gatewayWithKeys(`  - { name: rpm, key: sk-windows-rpm-0123456789, limits: { rpm: 3 } }
  - { name: conc, key: sk-windows-conc-0123456789, limits: { concurrency: 1 } }
  - { name: spend, key: sk-windows-spend-0123456789, budget: 1, limits: { tpm: 1000000, concurrency: 1000 } }`);
});
afterAll(async () => {
  if (!REDIS_BIN) return;
  for (const o of opened) await o.close();
  await redis.close();
});

async function open(prefix: string): Promise<OpenRedisAdmission> {
  const o = await openRedisAdmission(redis.url, prefix);
  opened.push(o);
  return o;
}

function request(keyName: string): AdmissionRequest {
  return admissionRequest(gw, keyName);
}

async function admitted(a: RedisAdmission, keyName: string): Promise<Ticket | number> {
  try {
    return await a.admit(request(keyName));
  } catch (err) {
    if (isGatewayError(err)) return err.status;
    throw err;
  }
}

async function serverMs(state: RedisState): Promise<number> {
  const [s, us] = await state.client.time();
  return Number(s) * 1000 + Math.floor(Number(us) / 1000);
}

testRedis('buckets older than 60 s leave the window, younger ones still count, and the reset is the oldest one\'s', async () => {
  const { state, admission } = await open('win');
  const w = state.key('w', 'key:rpm');
  const bucket = Math.floor((await serverMs(state)) / 100);
  // As if 2 requests came 70 s ago (gone by now) and 2 came 30 s ago (still counted): rpm 3 leaves room for one.
  // Bucket b is kept in field r<b mod 600>.
  await state.client.hset(w, { lv: bucket - 700, rs: 4, ro: bucket - 700, [`r${(bucket - 700) % 600}`]: 2, [`r${(bucket - 300) % 600}`]: 2 });
  const first = await admitted(admission, "rpm");
  expect(typeof first).toBe('object');
  expect((first as Ticket).headers['x-ratelimit-remaining-requests']).toBe('0');
  const resetS = parseFloat((first as Ticket).headers['x-ratelimit-reset-requests']!);
  expect(resetS).toBeGreaterThan(28);
  expect(resetS).toBeLessThan(31);
  expect(await admitted(admission, 'rpm')).toBe(429);
  const fields = await state.client.hgetall(w);
  expect(fields[`r${(bucket - 700) % 600}`]).toBeUndefined(); // the old bucket is deleted, not only skipped
  expect(fields[`r${(bucket - 300) % 600}`]).toBe('2');
  expect(Number(fields.rs)).toBe(3);
});

testRedis('the bucket one window before the current one is dropped before the current one counts (same slot)', async () => {
  const { state, admission } = await open('slot');
  const w = state.key('w', 'key:rpm');
  expect(typeof await admitted(admission, 'rpm')).toBe('object'); // seeds the key's account first
  await state.client.del(w);
  const bucket = Math.floor((await serverMs(state)) / 100);
  // 5 requests exactly one window ago: their bucket shares the current one's field (r<bucket mod 600>).
  await state.client.hset(w, { lv: bucket - 600, rs: 5, ro: bucket - 600, [`r${bucket % 600}`]: 5 });
  expect(typeof await admitted(admission, 'rpm')).toBe('object');
  const fields = await state.client.hgetall(w);
  const buckets = Object.entries(fields).filter(([f]) => /^r\d+$/.test(f)).reduce((sum, [, v]) => sum + Number(v), 0);
  expect(Number(fields.rs)).toBe(1);
  expect(buckets).toBe(1); // the old 5 are not carried into the new bucket
});

testRedis('a window idle for longer than 60 s starts over, and the slots held in its hash stay', async () => {
  const { state, admission } = await open('idle');
  const bucket = Math.floor((await serverMs(state)) / 100);
  const rpm = state.key('w', 'key:rpm');
  await state.client.hset(rpm, { lv: bucket - 1300, rs: 3, ro: bucket - 1300, [`r${(bucket - 1300) % 600}`]: 3 });
  const first = await admitted(admission, 'rpm');
  expect(typeof first).toBe('object');
  expect((first as Ticket).headers['x-ratelimit-remaining-requests']).toBe('2');
  const held = await admitted(admission, 'conc');
  expect(typeof held).toBe('object');
  const conc = state.key('w', 'key:conc');
  await state.client.hset(conc, { lv: bucket - 1300, 'c:gone.0': 5 }); // idle for two minutes; a dead node's field
  expect(await admitted(admission, 'conc')).toBe(429); // the held slot survived the reset
  expect((await state.client.hgetall(conc))['c:gone.0']).toBeUndefined();
  (held as Ticket).settle({ costMicros: 0 });
  for (let i = 0; i < 50 && admission.unsettled > 0; i++) await Bun.sleep(10);
  expect(typeof await admitted(admission, 'conc')).toBe('object');
});

testRedis('a rule hash holding a slot outlives its own expiry: the holder\'s heartbeat pushes it out', async () => {
  const o = await openRedisAdmission(redis.url, 'exp', { leaseTtlMs: 300 });
  opened.push(o);
  const { state, admission } = o;
  const w = state.key('w', 'key:conc');
  const held = await admitted(admission, 'conc');
  expect(typeof held).toBe('object');
  // As if the window had gone idle long ago: its hash is about to expire while the slot is still held.
  await state.client.hset(w, 'x', (await serverMs(state)) + 200);
  await state.client.pexpire(w, 200);
  await Bun.sleep(500); // five heartbeats (every 100 ms)
  expect(await state.client.pttl(w)).toBeGreaterThan(60_000);
  expect(await admitted(admission, 'conc')).toBe(429); // the held slot still counts
  (held as Ticket).settle({ costMicros: 0 });
  for (let i = 0; i < 50 && admission.unsettled > 0; i++) await Bun.sleep(10);
  expect(typeof await admitted(admission, 'conc')).toBe('object');
});

testRedis('lone admissions, in one bucket (the fast path) and across buckets, count exactly and keep the hash alive past its window', async () => {
  const { state, admission } = await open('lone');
  const w = state.key('w', 'key:spend');
  const tickets: Ticket[] = [];
  for (let i = 0; i < 9; i++) {
    if (i % 3 === 0) await Bun.sleep(110); // a new 100 ms bucket: the first admission in it takes the general path
    const t = await admitted(admission, 'spend');
    expect(typeof t).toBe('object');
    tickets.push(t as Ticket);
    // Whatever path wrote it, the hash outlives the 60 s window of the buckets just written.
    expect(await state.client.pttl(w)).toBeGreaterThan(60_000);
  }
  const tokens = 30; // 10 prompt + 20 max output
  expect(tickets[8].headers['x-ratelimit-remaining-tokens']).toBe(String(1_000_000 - 9 * tokens));
  const fields = await state.client.hgetall(w);
  expect(Number(fields.ts)).toBe(9 * tokens);
  const slots = Object.entries(fields).filter(([f]) => f.startsWith('c:'));
  expect(slots.length).toBe(1);
  expect(Number(slots[0][1])).toBe(9);
  const budget = await state.client.hgetall(state.key('budget', 'spend'));
  const held = Object.entries(budget).filter(([f]) => f.startsWith('h:'));
  expect(held.map(([, v]) => Number(v))).toEqual([9 * 30]);
  for (const t of tickets) t.settle({ costMicros: 0 });
  for (let i = 0; i < 50 && admission.unsettled > 0; i++) await Bun.sleep(10);
  const after = await state.client.hgetall(w);
  expect(Object.keys(after).filter((f) => f.startsWith('c:'))).toEqual([]);
});

testRedis('settles of many requests go out as one script call, and the account is exact', async () => {
  const { state, admission } = await open('batch');
  const tickets = [];
  for (let i = 0; i < 50; i++) tickets.push(await admitted(admission, 'spend') as Ticket);
  const calls = async () => Number(/cmdstat_evalsha:calls=(\d+)/.exec(await state.client.info('commandstats'))?.[1] ?? 0);
  const before = await calls();
  for (const t of tickets) t.settle({ usage: { prompt_tokens: 10, completion_tokens: 2, total_tokens: 12 }, costMicros: 12 });
  for (let i = 0; i < 50 && admission.unsettled > 0; i++) await Bun.sleep(10);
  expect(admission.unsettled).toBe(0);
  expect((await calls()) - before).toBeLessThanOrEqual(3); // the INFO reads themselves are not scripts
  const account = await state.client.hgetall(state.key('budget', 'spend'));
  expect(Number(account.spent)).toBe(600);
  expect(Object.keys(account).filter((f) => f.startsWith('h:'))).toEqual([]); // no reservation left
  const window = await state.client.hgetall(state.key('w', 'key:spend'));
  expect(Number(window.ts)).toBe(600); // 50 × 30 reserved, corrected to 50 × 12
  expect(Object.keys(window).filter((f) => f.startsWith('c:'))).toEqual([]); // every slot given back
});

testRedis('a settle batch replayed after a lost reply counts once', async () => {
  const { state } = await open('replay');
  const account = state.key('budget', 'x');
  await state.client.hset(account, { spent: 0, adjust: 0 });
  const keys = [state.key('sq', 'p1'), account];
  const args = [1, 0, 1, 25, 0]; // seq 1, no rule hash, one budget: cost 25, no reservation released
  await state.run(SETTLE, keys, args);
  await state.run(SETTLE, keys, args);
  expect(await state.client.hget(account, 'spent')).toBe('25');
  await state.run(SETTLE, keys, [2, ...args.slice(1)]);
  expect(await state.client.hget(account, 'spent')).toBe('50');
});

testRedis('a flushed Redis: the process takes a new node id and admits; its slots from before do not count', async () => {
  const { state, admission } = await open('flush');
  const held = await admitted(admission, 'conc');
  expect(typeof held).toBe('object');
  expect(await admitted(admission, 'conc')).toBe(429);
  await state.client.flushdb();
  const again = await admitted(admission, 'conc');
  expect(typeof again).toBe('object');
  (held as Ticket).settle({ costMicros: 0 }); // the old slot's release must not free the new one
  for (let i = 0; i < 50 && admission.unsettled > 0; i++) await Bun.sleep(10);
  expect(await admitted(admission, 'conc')).toBe(429);
  (again as Ticket).settle({ costMicros: 0 });
  for (let i = 0; i < 50 && admission.unsettled > 0; i++) await Bun.sleep(10);
  expect(typeof await admitted(admission, 'conc')).toBe('object');
});
