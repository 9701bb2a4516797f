// The ledger worker: rows committed through the worker thread; if the worker dies, nothing it had not
// confirmed is lost and writing continues on the main thread.

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
