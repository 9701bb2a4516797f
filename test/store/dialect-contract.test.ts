// Store contract on both dialects (libsql file and a real PostgreSQL): the ledger writer (batched,
// idempotent by request id, spend exactly once across an ambiguous retry, no poison rows), spend and
// top-ups, runtime keys, image jobs, the response cache, stored responses and the usage report (UTC day
// buckets). Every repo is written once (src/store/dialect.ts); this suite is what keeps that honest.

import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { createHash } from 'node:crypto';
import { cacheStats, getCached, pruneCache, putCached } from '../../src/store/cache-repo.ts';
import { createJob, failStaleJobs, getJob, updateJob } from '../../src/store/jobs-repo.ts';
import { findByDigest, getKey, insertKey, KeyConflictError, listKeys, revokeKey, updateKey } from '../../src/store/keys-repo.ts';
import { LedgerWriter, type LedgerTarget, type RequestRow } from '../../src/store/ledger.ts';
import { pgLedgerTarget } from '../../src/store/ledger-pg.ts';
import { sqliteLedgerTarget } from '../../src/store/ledger-sqlite.ts';
import type { Store } from '../../src/store/open.ts';
import { ResponseStore } from '../../src/store/responses-repo.ts';
import { adjustBudget, getSpend, loadSpend } from '../../src/store/spend.ts';
import { usageReport } from '../../src/store/usage-report.ts';
import { sharedPostgres } from '../helpers/postgres.ts';
import { count, DIALECTS, dialectAvailable, freshStore, rows } from '../helpers/store-dialects.ts';

const opened: Store[] = [];
// initdb and the first start take a few seconds on a busy machine: not part of any test's time budget.
beforeAll(async () => {
  if (dialectAvailable('postgres')) await sharedPostgres();
}, 60_000);
afterAll(async () => {
  for (const s of opened) await s.close().catch(() => {});
});
async function open(d: (typeof DIALECTS)[number]): Promise<Store> {
  const s = await freshStore(d);
  opened.push(s);
  return s;
}

const sha = (s: string): string => createHash('sha256').update(s).digest('hex');
const BIG = 5_000_000_000; // micro-dollars beyond int4 ($5000)
const row = (id: string, over: Partial<RequestRow> = {}): RequestRow => ({
  id, ts: Date.UTC(2025, 0, 1, 12), keyName: 'k', model: 'gpt', provider: 'openai', promptTokens: 10, completionTokens: 5,
  costMicros: 100, status: 200, ...over,
});
const targetOf = (s: Store): LedgerTarget => (s.dialect === 'pg' ? pgLedgerTarget(s.pool) : sqliteLedgerTarget(s.client));

for (const dialect of DIALECTS) {
  describe.skipIf(!dialectAvailable(dialect))(`store contract on ${dialect}`, () => {
    test('ledger: rows, attempts, spend; duplicates and odd values never poison the queue', async () => {
      const s = await open(dialect);
      const w = new LedgerWriter(s, { flushMs: 10_000 });
      for (let i = 0; i < 300; i++) {
        w.record(row(`r${i}`, { stream: i % 2 === 0, partial: i === 1, usageSource: i === 2 ? 'estimated' : 'upstream' }), [
          { n: 1, provider: 'openai', ts: 1, status: 500, latencyMs: 12.7 },
          { n: 2, provider: 'azure', ts: 2, status: 200 },
        ]);
      }
      w.record(row('r0')); // the same id again: a duplicate by definition
      w.record(row('big', { costMicros: BIG, ts: 4_102_444_800_000, model: 'nul\u0000model', latencyMs: 3.5 }));
      await w.flush();
      expect(w.pending).toBe(0);
      expect(await count(s, 'requests')).toBe(301);
      expect(await count(s, 'attempts')).toBe(600);
      expect((await loadSpend(s.db)).get('k')?.spentMicros).toBe(300 * 100 + BIG);
      const [one] = await rows(s, "SELECT stream, partial, usage_source FROM requests WHERE id = 'r1'");
      expect([Boolean(one?.stream), Boolean(one?.partial), one?.usage_source]).toEqual([false, true, 'upstream']);
      const [big] = await rows(s, "SELECT cost_micros, ts FROM requests WHERE id = 'big'");
      expect([Number(big?.cost_micros), Number(big?.ts)]).toEqual([BIG, 4_102_444_800_000]);

      // Recorded again by a later flush (e.g. a worker's batch replayed): nothing changes.
      w.record(row('r5'), [{ n: 1, provider: 'openai', ts: 1 }]);
      await w.close();
      expect(await count(s, 'requests')).toBe(301);
      expect(await count(s, 'attempts')).toBe(600);
      expect((await getSpend(s.db, 'k')).spentMicros).toBe(300 * 100 + BIG);
    });

    test('ledger: a flush that committed but reported failure is retried without double counting', async () => {
      const s = await open(dialect);
      const real = targetOf(s);
      let failures = 0;
      const errors: unknown[] = [];
      const flaky: LedgerTarget = {
        async write(batch, now) {
          const done = await real.write(batch, now);
          if (failures++ < 2) throw new Error('connection reset after COMMIT');
          return done;
        },
      };
      const w = new LedgerWriter({ target: flaky }, { flushMs: 5, onError: (e) => errors.push(e) });
      for (let i = 0; i < 50; i++) w.record(row(`a${i}`, { costMicros: 7 }), [{ n: 1, provider: 'p', ts: 1 }]);
      const deadline = Date.now() + 5000;
      while (w.pending > 0 && Date.now() < deadline) await Bun.sleep(5);
      expect(w.pending).toBe(0);
      expect(errors.length).toBeGreaterThanOrEqual(2);
      expect(w.health().failingSince).toBeUndefined();
      expect(await count(s, 'requests')).toBe(50);
      expect(await count(s, 'attempts')).toBe(50);
      expect((await getSpend(s.db, 'k')).spentMicros).toBe(350);
      await w.close();
    });

    test('group budget spend: rows that counted against a group add to its @group: account, exactly once across a retried flush', async () => {
      const s = await open(dialect);
      const real = targetOf(s);
      let failures = 0;
      const flaky: LedgerTarget = {
        async write(batch, now) {
          const done = await real.write(batch, now);
          if (failures++ < 1) throw new Error('connection reset after COMMIT');
          return done;
        },
      };
      const w = new LedgerWriter({ target: flaky }, { flushMs: 5, onError: () => {} });
      for (let i = 0; i < 20; i++) w.record(row(`g${i}`, { keyName: i % 2 ? 'a' : 'b', groupName: 'team', budgetGroup: i < 15 ? 'team' : null, costMicros: 10 }));
      w.record(row('g-free', { keyName: null, budgetGroup: 'team', costMicros: 5 })); // no key: the group still pays
      const deadline = Date.now() + 5000;
      while (w.pending > 0 && Date.now() < deadline) await Bun.sleep(5);
      await w.close();
      const spend = await loadSpend(s.db);
      expect(spend.get('@group:team')?.spentMicros).toBe(15 * 10 + 5);
      expect(spend.get('a')?.spentMicros).toBe(100);
      expect(spend.get('b')?.spentMicros).toBe(100);
      expect(spend.has('team')).toBe(false);
    });

    test('spend and top-ups', async () => {
      const s = await open(dialect);
      expect(await getSpend(s.db, 'nobody')).toEqual({ spentMicros: 0, adjustMicros: 0 });
      expect(await adjustBudget(s.db, 'x', 2_000_000)).toEqual({ spentMicros: 0, adjustMicros: 2_000_000 });
      expect(await adjustBudget(s.db, 'x', -500_000)).toEqual({ spentMicros: 0, adjustMicros: 1_500_000 });
      expect(await adjustBudget(s.db, 'x', BIG)).toEqual({ spentMicros: 0, adjustMicros: 1_500_000 + BIG });
      const w = new LedgerWriter(s);
      w.record(row('s1', { keyName: 'x', costMicros: 250 }));
      await w.close();
      expect((await loadSpend(s.db)).get('x')).toEqual({ spentMicros: 250, adjustMicros: 1_500_000 + BIG });
    });

    test('runtime keys', async () => {
      const s = await open(dialect);
      const base = { digest: sha('one'), prefix: 'sk-sy-one', group: 'team', budgetMicros: BIG, models: ['gpt-*'], allowIps: ['10.0.0.0/8'], limits: { rpm: 5 } };
      const k = await insertKey(s.db, { name: 'one', ...base, createdAt: 2 });
      expect(k).toMatchObject({ name: 'one', group: 'team', budgetMicros: BIG, models: ['gpt-*'], allowIps: ['10.0.0.0/8'], limits: { rpm: 5 }, revokedAt: null, createdAt: 2 });
      await expect(insertKey(s.db, { name: 'one', ...base, digest: sha('other') })).rejects.toBeInstanceOf(KeyConflictError);
      await expect(insertKey(s.db, { name: 'two', ...base })).rejects.toBeInstanceOf(KeyConflictError);
      await insertKey(s.db, { name: 'three', digest: sha('three'), prefix: 'sk-sy-thr', createdAt: 1 });
      expect((await findByDigest(s.db, sha('one').toUpperCase()))?.name).toBe('one');
      expect(await findByDigest(s.db, 'nope')).toBeNull();
      expect(await updateKey(s.db, 'one', { budgetMicros: null, models: [], limits: null, expiresAt: 99 })).toMatchObject({ budgetMicros: null, models: [], limits: null, expiresAt: 99 });
      expect(await updateKey(s.db, 'missing', { group: 'x' })).toBeNull();
      expect(await revokeKey(s.db, 'one', 1000)).toBe(true);
      expect(await revokeKey(s.db, 'one', 2000)).toBe(true);
      expect((await getKey(s.db, 'one'))?.revokedAt).toBe(1000);
      expect(await revokeKey(s.db, 'missing')).toBe(false);
      expect((await listKeys(s.db)).map((x) => x.name)).toEqual(['three']);
      expect((await listKeys(s.db, { includeRevoked: true })).map((x) => x.name)).toEqual(['three', 'one']);
    });

    test('image jobs', async () => {
      const s = await open(dialect);
      const job = await createJob(s.db, { id: 'j1', keyName: 'k', kind: 'images.generations', request: { prompt: 'x' }, createdAt: 1000 });
      expect(job).toMatchObject({ id: 'j1', status: 'queued', request: { prompt: 'x' }, result: null, createdAt: 1000 });
      expect(await getJob(s.db, 'j1', 'other')).toBeNull();
      expect((await getJob(s.db, 'j1', 'k'))?.id).toBe('j1');
      expect(await updateJob(s.db, 'j1', { status: 'succeeded', result: { data: [1] } }, 2000)).toMatchObject({ status: 'succeeded', result: { data: [1] }, updatedAt: 2000 });
      await createJob(s.db, { id: 'j2', kind: 'images.generations', status: 'running', request: {}, createdAt: 1000 });
      await createJob(s.db, { id: 'j3', kind: 'images.generations', status: 'running', request: {}, createdAt: 9000 });
      expect(await failStaleJobs(s.db, 5000, { code: 'job_interrupted' }, 10_000)).toBe(1);
      expect(await getJob(s.db, 'j2')).toMatchObject({ status: 'failed', error: { code: 'job_interrupted' } });
      expect((await getJob(s.db, 'j3'))?.status).toBe('running');
    });

    test('response cache: ttl, hits, size-bounded pruning, stats', async () => {
      const s = await open(dialect);
      expect(await putCached(s.db, { hash: 'a', body: '{"x":1}', ttlMs: 1000 }, { maxBytes: 1e6, now: 1000 })).toBe(true);
      expect((await getCached(s.db, 'a', 1500))?.hits).toBe(1);
      expect((await getCached(s.db, 'a', 1600))?.hits).toBe(2);
      expect(await getCached(s.db, 'a', 2000)).toBeNull();
      const body = 'x'.repeat(100);
      for (let i = 0; i < 10; i++) await putCached(s.db, { hash: `h${i}`, body, ttlMs: 60_000 }, { maxBytes: 350, now: 3000 + i });
      expect(await cacheStats(s.db)).toEqual({ entries: 3, bytes: 300 });
      expect(await getCached(s.db, 'h9', 4000)).not.toBeNull();
      expect(await getCached(s.db, 'h6', 4000)).toBeNull();
      expect(await pruneCache(s.db, 1e6, 1e12)).toBe(3);
    });

    test('stored responses are per key', async () => {
      const s = await open(dialect);
      const errors: string[] = [];
      const store = new ResponseStore(s.db, (e) => errors.push(e));
      const rec = { id: 'resp_1', keyName: 'k', createdAt: 5, model: 'gpt', previousResponseId: null, inputJson: '[]', responseJson: '{"a":1}' };
      await store.put(rec);
      await store.put({ ...rec, responseJson: '{"a":2}' });
      expect((await store.get('resp_1', 'k'))?.responseJson).toBe('{"a":2}');
      expect(await store.get('resp_1', 'other')).toBeUndefined();
      expect(await store.delete('resp_1', 'other')).toBe(false);
      expect(await store.delete('resp_1', 'k')).toBe(true);
      expect(errors).toEqual([]);
    });

    test('usage report: UTC day buckets, grouping, window, totals', async () => {
      const s = await open(dialect);
      const w = new LedgerWriter(s);
      const lastMs = Date.UTC(2025, 0, 1, 23, 59, 59, 999);
      w.record(row('u1', { ts: Date.UTC(2025, 0, 1, 0, 0, 0), keyName: 'alice', costMicros: 100 }));
      w.record(row('u2', { ts: lastMs, keyName: 'alice', model: 'claude', costMicros: BIG }));
      w.record(row('u3', { ts: lastMs + 1, keyName: 'bob', costMicros: 300, cachedTokens: 4 }));
      await w.close();
      const byDay = await usageReport(s.db, { groupBy: ['day'] });
      expect(byDay.rows.map((r) => [r.day, r.requests, r.cost_micros])).toEqual([['2025-01-01', 2, 100 + BIG], ['2025-01-02', 1, 300]]);
      expect(byDay.totals).toEqual({ requests: 3, prompt_tokens: 30, completion_tokens: 15, cached_tokens: 4, cost_micros: 400 + BIG });
      const byDayModel = await usageReport(s.db, { groupBy: ['day', 'model'], keyName: 'alice' });
      expect(byDayModel.rows.map((r) => [r.day, r.model, r.requests])).toEqual([['2025-01-01', 'claude', 1], ['2025-01-01', 'gpt', 1]]);
      const windowed = await usageReport(s.db, { groupBy: ['key'], from: lastMs, to: lastMs + 2 });
      expect(windowed.rows.map((r) => [r.key, r.requests])).toEqual([['alice', 1], ['bob', 1]]);
      expect((await usageReport(s.db, { groupBy: [], from: 0, to: 1 })).rows).toEqual([]);
    });
  });
}
