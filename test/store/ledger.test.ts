// LedgerWriter: batched flushes, exactly-once rows, spend in the same transaction, retry safety.

import { afterAll, describe, expect, test } from 'bun:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from '@libsql/client';
import { LedgerWriter, type AttemptRow, type RequestRow } from '../../src/store/ledger.ts';
import { openStore, type SqliteStore as Store } from '../../src/store/open.ts';
import { loadSpend } from '../../src/store/spend.ts';

const dir = mkdtempSync(join(tmpdir(), `switchyard-ledger-${Math.random().toString(36).slice(2)}-`));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const freshStore = (): Promise<Store> => openStore(`file:${join(dir, `l${n++}.db`)}`);

function row(i: number, key: string | null = `key-${i % 3}`): RequestRow {
  return {
    id: `req-${i}`,
    ts: 1_700_000_000_000 + i,
    keyName: key,
    groupName: 'default',
    route: '/v1/chat/completions',
    model: 'gpt-x',
    provider: 'p1',
    upstreamModel: 'gpt-x-2024',
    promptTokens: 10,
    completionTokens: 5,
    cachedTokens: 1,
    usageSource: i % 2 === 0 ? 'upstream' : 'estimated',
    costMicros: 100 + (i % 7),
    status: 200,
    latencyMs: 12,
    ttftMs: 3,
    stream: i % 2 === 0,
    partial: false,
    configHash: 'abc',
  };
}
const attempts = (i: number): AttemptRow[] => [
  { n: 1, provider: 'p0', status: 503, errorCode: 'upstream_error', latencyMs: 4, ts: 1_700_000_000_000 + i },
  { n: 2, provider: 'p1', upstreamModel: 'gpt-x-2024', status: 200, latencyMs: 8, ts: 1_700_000_000_001 + i },
];
const count = async (s: Store, sql: string): Promise<number> => Number((await s.client.execute(sql)).rows[0]?.[0]);

describe('LedgerWriter', () => {
  test('1000 rows across several flushes: each exactly once, attempts and spend summed', async () => {
    const store = await freshStore();
    const flushes: number[] = [];
    const w = new LedgerWriter(store, { flushMs: 10, onFlush: (f) => flushes.push(f.rows) });
    const expected = new Map<string, number>();
    for (let i = 0; i < 1000; i++) {
      const r = row(i);
      w.record(r, attempts(i));
      expected.set(r.keyName ?? '', (expected.get(r.keyName ?? '') ?? 0) + r.costMicros);
      if (i % 100 === 99) await Bun.sleep(15);
    }
    await w.close();
    expect(flushes.length).toBeGreaterThan(1);
    expect(flushes.reduce((a, b) => a + b, 0)).toBe(1000);
    expect(await count(store, 'SELECT count(*) FROM requests')).toBe(1000);
    expect(await count(store, 'SELECT count(DISTINCT id) FROM requests')).toBe(1000);
    expect(await count(store, 'SELECT count(*) FROM attempts')).toBe(2000);
    const spend = await loadSpend(store.db);
    for (const [k, v] of expected) expect(spend.get(k)?.spentMicros).toBe(v);
    const one = (await store.client.execute("SELECT stream, partial, usage_source FROM requests WHERE id = 'req-0'")).rows[0];
    expect(Number(one?.[0])).toBe(1);
    expect(Number(one?.[1])).toBe(0);
    expect(String(one?.[2])).toBe('upstream');
    await store.close();
  });

  test('re-recording a flushed id neither duplicates the row nor double-counts spend', async () => {
    const store = await freshStore();
    const w = new LedgerWriter(store, { flushMs: 1000 });
    w.record(row(1, 'k'), attempts(1));
    w.record(row(1, 'k'), attempts(1)); // same id twice in one batch
    await w.flush();
    w.record(row(1, 'k'), attempts(1)); // and again in a later batch
    await w.close();
    expect(await count(store, 'SELECT count(*) FROM requests')).toBe(1);
    expect(await count(store, 'SELECT count(*) FROM attempts')).toBe(2);
    expect((await loadSpend(store.db)).get('k')?.spentMicros).toBe(row(1).costMicros);
    await store.close();
  });

  test('a flush that committed but reported failure is retried without duplicates', async () => {
    const store = await freshStore();
    let failAfterCommit = true;
    const flaky = new Proxy(store.client, {
      get(target, prop, receiver) {
        if (prop === 'batch') {
          return async (...args: Parameters<Client['batch']>) => {
            const res = await target.batch(...args);
            if (failAfterCommit) {
              failAfterCommit = false;
              throw new Error('connection reset after commit');
            }
            return res;
          };
        }
        const v: unknown = Reflect.get(target, prop, receiver);
        return typeof v === 'function' ? v.bind(target) : v;
      },
    });
    const errors: unknown[] = [];
    const w = new LedgerWriter({ client: flaky, db: store.db }, { flushMs: 10, onError: (e) => errors.push(e) });
    for (let i = 0; i < 50; i++) w.record(row(i, 'k'), attempts(i));
    await Bun.sleep(80);
    await w.close();
    expect(errors.length).toBe(1);
    expect(w.pending).toBe(0);
    expect(await count(store, 'SELECT count(*) FROM requests')).toBe(50);
    expect(await count(store, 'SELECT count(*) FROM attempts')).toBe(100);
    let sum = 0;
    for (let i = 0; i < 50; i++) sum += row(i).costMicros;
    expect((await loadSpend(store.db)).get('k')?.spentMicros).toBe(sum);
    await store.close();
  });

  test('a failed flush keeps rows queued and a later tick writes them', async () => {
    const store = await freshStore();
    let down = true;
    const flaky = new Proxy(store.client, {
      get(target, prop, receiver) {
        if (prop === 'batch') {
          return async (...args: Parameters<Client['batch']>) => {
            if (down) throw new Error('database unavailable');
            return target.batch(...args);
          };
        }
        const v: unknown = Reflect.get(target, prop, receiver);
        return typeof v === 'function' ? v.bind(target) : v;
      },
    });
    const errors: unknown[] = [];
    const w = new LedgerWriter({ client: flaky, db: store.db }, { flushMs: 10, onError: (e) => errors.push(e) });
    for (let i = 0; i < 10; i++) w.record(row(i));
    await Bun.sleep(50);
    expect(errors.length).toBeGreaterThan(0);
    expect(w.pending).toBe(10);
    expect(await count(store, 'SELECT count(*) FROM requests')).toBe(0);
    await expect(w.flush()).rejects.toThrow('database unavailable');
    down = false;
    await Bun.sleep(50);
    expect(w.pending).toBe(0);
    expect(await count(store, 'SELECT count(*) FROM requests')).toBe(10);
    await w.close();
    await store.close();
  });

  test('malformed rows are refused at record time; rows after close are dropped', async () => {
    const store = await freshStore();
    const errors: unknown[] = [];
    const w = new LedgerWriter(store, { flushMs: 1000, onError: (e) => errors.push(e) });
    w.record({ ...row(1), status: Number.NaN });
    w.record(row(2), [{ n: 1, provider: 'p', ts: Number.NaN }]);
    w.record(row(3));
    await w.close();
    w.record(row(4));
    expect(w.dropped).toBe(3);
    expect(errors.length).toBe(3);
    expect(await count(store, 'SELECT count(*) FROM requests')).toBe(1);
    await store.close();
  });

  test('rows without a key or cost write no spend', async () => {
    const store = await freshStore();
    const w = new LedgerWriter(store);
    w.record(row(1, null));
    w.record({ ...row(2, 'free'), costMicros: 0 });
    await w.close();
    expect((await loadSpend(store.db)).size).toBe(0);
    expect(await count(store, 'SELECT count(*) FROM requests')).toBe(2);
    await store.close();
  });
});
