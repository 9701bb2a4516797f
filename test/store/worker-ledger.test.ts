// The ledger worker: rows committed through the worker thread; if the worker dies, nothing it had not
// confirmed is lost and writing continues on the main thread; a batch it cannot commit stays counted as
// pending (the outage buffer) until its retry commits it.

import { expect, test } from 'bun:test';
import { join } from 'node:path';
import { LedgerWriter } from '../../src/store/ledger.ts';
import { openStore, sqliteStore } from '../../src/store/open.ts';
import { WorkerLedger } from '../../src/store/worker-ledger.ts';
import { tempDir } from '../helpers/gateway.ts';

const row = (id: string) => ({ id, ts: Date.now(), keyName: 'k', promptTokens: 1, completionTokens: 1, costMicros: 5, status: 200 });

async function count(store: ReturnType<typeof sqliteStore>): Promise<number> {
  return Number((await store.client.execute('SELECT count(*) FROM requests')).rows[0][0]);
}

// A file is written with prepared statements in the worker; `client` is the @libsql/client batch (remote URLs).
test.each(['prepared', 'client'] as const)('rows flushed through the worker (%s) are in the database; close() confirms', async (driver) => {
  const url = `file:${join(tempDir(), 'l.db')}`;
  const store = sqliteStore(await openStore(url));
  const errors: string[] = [];
  const ledger = await WorkerLedger.start({ url, flushMs: 50, driver, onError: (m) => errors.push(m), fallback: () => new LedgerWriter(store) });
  for (let i = 0; i < 100; i++) ledger.record(row(`a${i}`), [{ n: 1, provider: 'p', ts: Date.now(), status: 200 }]);
  await ledger.flush();
  expect(await count(store)).toBe(100);
  ledger.record(row('last'));
  await ledger.close();
  expect(await count(store)).toBe(101);
  expect(errors).toEqual([]);
  await store.close();
});

test('a worker that dies: unconfirmed and later rows are written from the main thread', async () => {
  const url = `file:${join(tempDir(), 'l.db')}`;
  const store = sqliteStore(await openStore(url));
  const errors: string[] = [];
  const ledger = await WorkerLedger.start({ url, flushMs: 10_000, onError: (m) => errors.push(m), fallback: () => new LedgerWriter(store, { flushMs: 20 }) });
  for (let i = 0; i < 10; i++) ledger.record(row(`b${i}`));
  const posted = ledger.flush(); // posted to the worker, which dies before confirming
  ledger.killWorker();
  await posted;
  ledger.record(row('after'));
  await ledger.flush();
  expect(await count(store)).toBe(11);
  expect(errors.some((m) => m.includes('writing from the main thread'))).toBe(true);
  await ledger.close();
  await store.close();
});

// The outage buffer (ledger-guard.ts) reads `pending`: a batch the worker could not commit (the file is
// locked) must stay counted until the worker has written it, or the gateway would never refuse requests.
test.each(['prepared', 'client'] as const)('a batch the worker cannot commit stays pending until its retry commits it (%s)', async (driver) => {
  const url = `file:${join(tempDir(), 'l.db')}`;
  const store = sqliteStore(await openStore(url));
  const errors: string[] = [];
  const ledger = await WorkerLedger.start({ url, flushMs: 30, driver, busyTimeoutMs: 20, onError: (m) => errors.push(m), fallback: () => new LedgerWriter(store) });
  // Another writer (the main thread's own connection) holds the write lock.
  const tx = await store.client.transaction('write');
  await tx.execute("INSERT INTO key_spend (key_name, spent_micros, budget_adjust_micros, updated_at) VALUES ('x', 0, 0, 0)");
  const release = () => tx.commit();
  for (let i = 0; i < 10; i++) ledger.record(row(`c${i}`));
  const outcome = await ledger.flush().then(() => 'committed', (e: Error) => e.message);
  expect(outcome).toMatch(/locked|busy/i);
  expect(ledger.pending).toBe(10);
  expect(ledger.health().failingSince).toBeDefined();
  await Bun.sleep(100); // the worker's retries fail too: still pending
  expect(ledger.pending).toBe(10);
  await release();
  const deadline = Date.now() + 5000;
  while (ledger.pending > 0 && Date.now() < deadline) await Bun.sleep(10);
  expect(ledger.pending).toBe(0);
  expect(ledger.health().failingSince).toBeUndefined();
  expect(await count(store)).toBe(10);
  expect(errors.length).toBeGreaterThan(0);
  await ledger.close();
  expect(await count(store)).toBe(10);
  await store.close();
});
