// The settle script on a real redis-server: random windows, slot fields and budget accounts, settled by
// random batches, end exactly as the reference below says (the rules of the in-memory window: a bucket
// that left the window changes nothing, `to` stays the oldest bucket holding tokens; a released slot or
// reservation that reaches zero is deleted; spend only on a seeded account), and a batch sent twice is
// applied once. Then a lone request's settle through RedisAdmission leaves exactly what it should.

import { afterAll, beforeAll, expect } from 'bun:test';
import type { CompiledGateway } from '../../src/compile/types.ts';
import type { Ticket } from '../../src/runtime/contracts.ts';
import { createLogger } from '../../src/log.ts';
import { RedisState } from '../../src/state/redis/client.ts';
import { SETTLE } from '../../src/state/redis/settle-script.ts';
import { type OpenRedisAdmission, admissionRequest, gatewayWithKeys, openRedisAdmission } from '../helpers/admission.ts';
import { redisTests, startRedis, type TestRedis } from '../helpers/redis.ts';

const { available: REDIS_BIN, testRedis } = redisTests('the Redis settle tests');

const SLOTS = 600;
let redis: TestRedis;
let state: RedisState;
let gw: CompiledGateway;
const opened: OpenRedisAdmission[] = [];

beforeAll(async () => {
  if (!REDIS_BIN) return;
  redis = await startRedis();
  state = new RedisState({ url: redis.url, prefix: 'settle', onUnavailable: 'reject', timeoutMs: 2000 }, createLogger('silent'));
  await state.connect();
  gw = await gatewayWithKeys(`  - { name: lone, key: sk-settle-lone-0123456789, budget: 1, limits: { rpm: 100, tpm: 1000000, concurrency: 10 } }`);
});
afterAll(async () => {
  if (!REDIS_BIN) return;
  for (const o of opened) await o.close();
  await state.close();
  await redis.close();
});

type Fields = Map<string, number>;
interface RuleBatch { key: string; conc: Array<[node: string, slots: number]>; tokens: Array<[bucket: number, delta: number]> }
interface BudgetBatch { key: string; cost: number; release: Array<[node: string, amount: number]> }

/** The script's arguments for a batch (the layout SettleBatcher sends). */
function call(seqKey: string, seq: number, rules: RuleBatch[], budgets: BudgetBatch[]): [string[], Array<string | number>] {
  const keys = [seqKey];
  const args: Array<string | number> = [seq, rules.length, budgets.length];
  for (const r of rules) {
    keys.push(r.key);
    args.push(r.conc.length, r.tokens.length);
    for (const [node, n] of r.conc) args.push(`c:${node}`, n);
    for (const [b, d] of r.tokens) args.push(`t${b % SLOTS}`, b, d);
  }
  for (const b of budgets) {
    keys.push(b.key);
    args.push(b.cost, b.release.length);
    for (const [node, n] of b.release) args.push(`h:${node}`, n);
  }
  return [keys, args];
}

/** The reference: each entry applied on its own, in order (what the settle did before it was one read and one write per hash). */
function reference(rule: Fields, r: RuleBatch, cur: number): void {
  const release = (f: Fields, field: string, n: number) => {
    const v = f.get(field);
    if (v === undefined) return;
    if (v - n > 0) f.set(field, v - n);
    else f.delete(field);
  };
  for (const [node, n] of r.conc) release(rule, `c:${node}`, n);
  for (const [bucket, delta] of r.tokens) {
    const lv = rule.get('lv');
    const field = `t${bucket % SLOTS}`;
    let amount = rule.get(field);
    if (lv === undefined || amount === undefined || bucket < lv || delta === 0) continue;
    amount += delta;
    rule.set(field, amount);
    rule.set('ts', (rule.get('ts') ?? 0) + delta);
    const to = rule.get('to');
    if (amount > 0 && (to === undefined || bucket < to)) rule.set('to', bucket);
    else if (amount <= 0 && bucket === to) {
      let next = cur + 1;
      for (let b = bucket; b <= cur; b++) if ((rule.get(`t${b % SLOTS}`) ?? 0) > 0) { next = b; break; }
      rule.set('to', next);
    }
  }
}

function referenceBudget(account: Fields, b: BudgetBatch): void {
  for (const [node, n] of b.release) {
    const v = account.get(`h:${node}`);
    if (v === undefined) continue;
    if (v - n > 0) account.set(`h:${node}`, v - n);
    else account.delete(`h:${node}`);
  }
  const spent = account.get('spent');
  if (b.cost !== 0 && spent !== undefined) account.set('spent', spent + b.cost);
}

async function read(key: string, cur: number): Promise<Fields> {
  const all = await state.client.hgetall(key);
  return normal(new Map(Object.entries(all).map(([k, v]) => [k, Number(v)])), cur);
}

/** Absent and 0 are the same sum; "no bucket holds tokens" is any `to` past the current bucket (the script's clock may have moved on). */
function normal(f: Fields, cur: number): Fields {
  f.set('ts', f.get('ts') ?? 0);
  if ((f.get('to') ?? 0) > cur) f.set('to', cur + 1);
  return f;
}

async function write(key: string, fields: Fields): Promise<void> {
  await state.client.del(key);
  if (fields.size) await state.client.hset(key, Object.fromEntries(fields));
}

/** A deterministic pseudo-random sequence (a failing case can be replayed by its seed). */
function rng(seed: number): (n: number) => number {
  let s = seed >>> 0;
  return (n) => { // mulberry32
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), s | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) % n);
  };
}

const NODES = ['n1', 'n2', 'n3'];

testRedis('random batches settle exactly as each entry applied on its own would, and a batch sent twice counts once', async () => {
  for (let seed = 1; seed <= 150; seed++) {
    const r = rng(seed);
    const [s, us] = await state.client.time();
    const cur = Math.floor((Number(s) * 1000 + Math.floor(Number(us) / 1000)) / 100);
    const rules: RuleBatch[] = [];
    const expected = new Map<string, Fields>();
    const nRules = 1 + r(3);
    for (let h = 0; h < nRules; h++) {
      const key = state.key('w', `case${seed}`, String(h));
      // The window as the admission leaves it: lv, the buckets (some emptied), ts their sum, to the oldest non-empty.
      const fields: Fields = new Map();
      const lv = cur - 590 + r(5);
      const held = new Map<number, number>();
      if (r(8) > 0) {
        fields.set('lv', lv);
        for (let k = r(seed % 7 === 0 ? 400 : 6); k >= 0; k--) held.set(lv + r(cur - lv + 1), r(5) === 0 ? 0 : 1 + r(60));
        let ts = 0;
        let to: number | undefined;
        for (const [b, v] of held) { fields.set(`t${b % SLOTS}`, v); ts += v; if (v > 0 && (to === undefined || b < to)) to = b; }
        fields.set('ts', ts);
        if (to !== undefined) fields.set('to', to);
        else if (r(2)) fields.set('to', cur + 1);
      }
      for (const n of NODES) if (r(3)) fields.set(`c:${n}`, r(4));
      await write(key, fields);
      const batch: RuleBatch = { key, conc: [], tokens: [] };
      for (const n of NODES) if (r(2)) batch.conc.push([n, 1 + r(3)]);
      const used = new Set<number>();
      const add = (b: number, d: number) => { if (!used.has(b) && d !== 0) { used.add(b); batch.tokens.push([b, d]); } };
      const to = fields.get('to');
      if (to !== undefined && held.has(to) && r(2)) add(to, -held.get(to)!); // the oldest bucket emptied
      for (let k = r(seed % 11 === 0 ? 1200 : 4); k >= 0; k--) {
        const pick = r(4);
        const b = pick === 0 ? lv - 1 - r(600) : pick === 1 ? lv + r(cur - lv + 1) : [...held.keys()][r(held.size || 1)] ?? cur;
        add(b, held.has(b) ? r(held.get(b)! + 20) - held.get(b)! : 1 + r(9));
      }
      // Now and then a batch grown by a long outage: more fields than one HMGET/HSET takes (the script splits it).
      if (seed % 50 === 0) for (let b = lv - 600; b <= cur; b++) add(b, held.has(b) ? r(held.get(b)! + 20) - held.get(b)! : 1 + r(9));
      rules.push(batch);
      const model = new Map(fields);
      reference(model, batch, cur);
      expected.set(key, normal(model, cur));
    }
    const budgets: BudgetBatch[] = [];
    if (r(4)) {
      const key = state.key('budget', `case${seed}`);
      const fields: Fields = new Map();
      if (r(5)) fields.set('spent', r(1000));
      for (const n of NODES) if (r(2)) fields.set(`h:${n}`, r(100));
      await write(key, fields);
      const batch: BudgetBatch = { key, cost: r(3) ? r(200) : 0, release: NODES.filter(() => r(2)).map((n) => [n, 1 + r(60)] as [string, number]) };
      budgets.push(batch);
      const model = new Map(fields);
      referenceBudget(model, batch);
      expected.set(key, normal(model, cur));
    }
    const seqKey = state.key('sq', `case${seed}`);
    const [keys, args] = call(seqKey, 7, rules, budgets);
    expect(await state.run(SETTLE, keys, args)).toBe(1);
    for (const [key, model] of expected) {
      expect({ seed, key, fields: Object.fromEntries([...(await read(key, cur))].sort()) }).toEqual({ seed, key, fields: Object.fromEntries([...model].sort()) });
    }
    // The same batch again (a retry after a lost reply), and an older one: nothing changes.
    expect(await state.run(SETTLE, keys, args)).toBe(0);
    expect(await state.run(SETTLE, keys, [6, ...args.slice(1)])).toBe(0);
    expect(await state.run(SETTLE, keys, args)).toBe(0); // the older number did not replace the newer one
    for (const [key, model] of expected) expect(Object.fromEntries([...(await read(key, cur))].sort())).toEqual(Object.fromEntries([...model].sort()));
  }
});

async function drained(o: OpenRedisAdmission): Promise<void> {
  for (let i = 0; i < 100 && o.admission.unsettled > 0; i++) await Bun.sleep(5);
  expect(o.admission.unsettled).toBe(0);
}

testRedis('a lone settle gives back its slot and reservation, corrects its tokens and adds its cost, once', async () => {
  const o = await openRedisAdmission(redis.url, 'lone');
  opened.push(o);
  const request = admissionRequest(gw, 'lone'); // 10 + 20 tokens reserved, 30 micro-dollars
  const first = (await o.admission.admit(request)) as Ticket;
  const second = (await o.admission.admit(request)) as Ticket;
  const window = o.state.key('w', 'key:lone');
  const account = o.state.key('budget', 'lone');
  const slots = async () => Object.entries(await o.state.client.hgetall(window)).filter(([f]) => f.startsWith('c:')).map(([, v]) => v);
  const reserved = async () => Object.entries(await o.state.client.hgetall(account)).filter(([f]) => f.startsWith('h:')).map(([, v]) => v);
  expect(await slots()).toEqual(['2']);
  expect(await reserved()).toEqual(['60']);
  first.settle({ usage: { prompt_tokens: 10, completion_tokens: 2, total_tokens: 12 }, costMicros: 12 });
  first.settle({ usage: { prompt_tokens: 10, completion_tokens: 2, total_tokens: 12 }, costMicros: 12 }); // settled once
  await drained(o);
  expect(await slots()).toEqual(['1']);
  expect(await reserved()).toEqual(['30']);
  expect(Number(await o.state.client.hget(window, 'ts'))).toBe(12 + 30);
  expect(await o.state.client.hget(account, 'spent')).toBe('12');
  second.settle({ usage: { prompt_tokens: 10, completion_tokens: 20, total_tokens: 30 }, costMicros: 30 });
  await drained(o);
  expect(await slots()).toEqual([]); // the field is deleted, not left at 0
  expect(await reserved()).toEqual([]);
  expect(Number(await o.state.client.hget(window, 'ts'))).toBe(12 + 30);
  const buckets = Object.entries(await o.state.client.hgetall(window)).filter(([f]) => /^t\d+$/.test(f)).reduce((n, [, v]) => n + Number(v), 0);
  expect(buckets).toBe(42);
  expect(await o.state.client.hget(account, 'spent')).toBe('42');
});
