// The prepared-statement ledger target (the worker's path for a database file): the same rows, attempts and
// spend as the @libsql/client target, exactly once across retried flushes, and locks shared with the main
// thread's connection (one SQLite library in the process).

import { afterAll, expect, test } from 'bun:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSyncLedgerFile, syncSqliteLedgerTarget } from '../../src/store/ledger-sync-sqlite.ts';
import { LedgerWriter, type AttemptRow, type LedgerTarget, type RequestRow } from '../../src/store/ledger.ts';
import { openStore, type SqliteStore } from '../../src/store/open.ts';
import { loadSpend } from '../../src/store/spend.ts';
import { usageReport } from '../../src/store/usage-report.ts';

const dir = mkdtempSync(join(tmpdir(), `switchyard-bunledger-${Math.random().toString(36).slice(2)}-`));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

async function fresh(): Promise<{ store: SqliteStore; path: string }> {
  const path = join(dir, `l${n++}.db`);
  return { store: await openStore(`file:${path}`), path };
}

function row(i: number, key: string | null = `key-${i % 3}`): RequestRow {
  return {
    id: `req-${i}`, ts: 1_700_000_000_000 + i * 1000, keyName: key, groupName: i % 4 ? 'default' : null, route: '/v1', model: 'gpt-x',
    provider: 'p1', upstreamModel: i % 5 ? 'gpt-x-2024' : null, promptTokens: 10 + i, completionTokens: 5, cachedTokens: i % 2,
    usageSource: i % 3 === 0 ? 'estimated' : 'upstream', costMicros: 100.4 + (i % 7), status: i % 9 ? 200 : 502,
    errorCode: i % 9 ? null : 'upstream_error', latencyMs: 12, ttftMs: i % 2 ? 3 : null, stream: i % 2 === 0, partial: i % 11 === 0,
    configHash: 'abc', budgetGroup: i % 4 === 1 ? 'team' : null,
  };
}
const attempts = (i: number): AttemptRow[] => [
  { n: 1, provider: 'p0', status: 503, errorCode: 'upstream_error', latencyMs: 4, ts: 1_700_000_000_000 + i },
  { n: 2, provider: 'p1', upstreamModel: 'gpt-x-2024', status: 200, latencyMs: 8, ts: 1_700_000_000_001 + i },
];
const all = async (s: SqliteStore, sql: string) => (await s.client.execute(sql)).rows.map((r) => ({ ...r }));

test('writes the same requests, attempts and spend as the libsql target', async () => {
  const viaLibsql = await fresh();
  const viaPrepared = await fresh();
  const db = openSyncLedgerFile(viaPrepared.path);
  const writers = [new LedgerWriter(viaLibsql.store, { flushMs: 10 }), new LedgerWriter({ target: syncSqliteLedgerTarget(db) }, { flushMs: 10 })];
  for (let i = 0; i < 300; i++) for (const w of writers) w.record(row(i), i % 2 ? attempts(i) : attempts(i).slice(1));
  for (const w of writers) await w.close();
  db.close();
  for (const sql of ['SELECT * FROM requests ORDER BY id', 'SELECT request_id, n, provider, upstream_model, status, error_code, latency_ms, ts FROM attempts ORDER BY request_id, n', 'SELECT key_name, spent_micros, budget_adjust_micros FROM key_spend ORDER BY key_name']) {
    const expected = await all(viaLibsql.store, sql);
    expect(expected.length).toBeGreaterThan(0);
    expect(await all(viaPrepared.store, sql)).toEqual(expected);
  }
  const report = await usageReport(viaPrepared.store.db, { groupBy: ['key', 'day'] });
  expect(report.totals.requests).toBe(300);
  // Rows that counted against a group budget: the group's spend account on both targets.
  let group = 0;
  for (let i = 1; i < 300; i += 4) group += Math.round(row(i).costMicros);
  expect((await loadSpend(viaPrepared.store.db)).get('@group:team')?.spentMicros).toBe(group);
  for (const s of [viaLibsql.store, viaPrepared.store]) await s.close();
});

test('a flush that committed but reported failure is retried without duplicate rows or spend', async () => {
  const { store, path } = await fresh();
  const db = openSyncLedgerFile(path);
  const real = syncSqliteLedgerTarget(db);
  let failAfterCommit = true;
  const flaky: LedgerTarget = {
    async write(batch, now) {
      const res = await real.write(batch, now);
      if (failAfterCommit) {
        failAfterCommit = false;
        throw new Error('reported failure after commit');
      }
      return res;
    },
  };
  const errors: unknown[] = [];
  const w = new LedgerWriter({ target: flaky }, { flushMs: 10, onError: (e) => errors.push(e) });
  for (let i = 0; i < 50; i++) w.record(row(i, 'k'), attempts(i));
  await Bun.sleep(80);
  w.record(row(3, 'k'), attempts(3)); // an id already written, recorded again later
  await w.close();
  db.close();
  expect(errors.length).toBe(1);
  expect((await all(store, 'SELECT count(*) AS c FROM requests'))[0]?.c).toBe(50);
  expect((await all(store, 'SELECT count(*) AS c FROM attempts'))[0]?.c).toBe(100);
  let sum = 0;
  for (let i = 0; i < 50; i++) sum += Math.round(row(i).costMicros);
  expect((await loadSpend(store.db)).get('k')?.spentMicros).toBe(sum);
  await store.close();
});

// The guard against two SQLite copies in one process (bun:sqlite beside libsql ignore each other's locks):
// while the main thread's @libsql/client connection holds the write lock, the worker's flush must wait.
test("a write lock held by the main thread's client connection fails the flush; the rows stay queued", async () => {
  const { store, path } = await fresh();
  const db = openSyncLedgerFile(path, 50);
  const w = new LedgerWriter({ target: syncSqliteLedgerTarget(db) }, { flushMs: 60_000 });
  const tx = await store.client.transaction('write');
  await tx.execute({ sql: 'INSERT INTO key_spend (key_name, spent_micros, budget_adjust_micros, updated_at) VALUES (?, 0, 0, 0)', args: ['other'] });
  for (let i = 0; i < 10; i++) w.record(row(i, 'k'), attempts(i));
  await expect(w.flush()).rejects.toThrow(/locked|busy/i);
  expect(w.pending).toBe(10);
  await tx.commit();
  await w.close();
  db.close();
  expect((await all(store, 'SELECT count(*) AS c FROM requests'))[0]?.c).toBe(10);
  expect((await all(store, 'SELECT count(*) AS c FROM attempts'))[0]?.c).toBe(20);
  expect((await loadSpend(store.db)).get('k')?.spentMicros).toBe([...Array(10).keys()].reduce((s, i) => s + Math.round(row(i).costMicros), 0));
  expect((await loadSpend(store.db)).has('other')).toBe(true);
  await store.close();
});
