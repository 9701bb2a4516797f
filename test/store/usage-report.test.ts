// usageReport: grouping by key / model / provider / day, time window, totals.

import { afterAll, describe, expect, test } from 'bun:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LedgerWriter, type RequestRow } from '../../src/store/ledger.ts';
import { openStore, type Store } from '../../src/store/open.ts';
import { usageReport } from '../../src/store/usage-report.ts';

const dir = mkdtempSync(join(tmpdir(), `switchyard-usage-${Math.random().toString(36).slice(2)}-`));
let store: Store;
afterAll(async () => {
  await store?.close();
  rmSync(dir, { recursive: true, force: true });
});

const DAY1 = Date.UTC(2025, 0, 1, 12);
const DAY2 = Date.UTC(2025, 0, 2, 12);
const r = (id: string, ts: number, key: string, model: string, provider: string, cost: number): RequestRow => ({
  id, ts, keyName: key, model, provider, promptTokens: 10, completionTokens: 2, cachedTokens: 1, costMicros: cost, status: 200,
});

describe('usageReport', () => {
  test('groups and totals', async () => {
    store = await openStore(`file:${join(dir, 'usage.db')}`);
    const w = new LedgerWriter(store);
    w.record(r('1', DAY1, 'alice', 'gpt', 'openai', 100));
    w.record(r('2', DAY1 + 1, 'alice', 'claude', 'anthropic', 200));
    w.record(r('3', DAY2, 'bob', 'gpt', 'azure', 300));
    w.record(r('4', DAY2 + 1, 'bob', 'gpt', 'openai', 400));
    await w.close();

    const all = await usageReport(store.db, { groupBy: [] });
    expect(all.rows).toEqual([{ requests: 4, prompt_tokens: 40, completion_tokens: 8, cached_tokens: 4, cost_micros: 1000 }]);
    expect(all.totals.cost_micros).toBe(1000);

    const byKey = await usageReport(store.db, { groupBy: ['key'] });
    expect(byKey.rows.map((x) => [x.key, x.requests, x.cost_micros])).toEqual([['alice', 2, 300], ['bob', 2, 700]]);
    expect(byKey.totals).toEqual({ requests: 4, prompt_tokens: 40, completion_tokens: 8, cached_tokens: 4, cost_micros: 1000 });

    const byDayModel = await usageReport(store.db, { groupBy: ['day', 'model'] });
    expect(byDayModel.rows.map((x) => [x.day, x.model, x.requests])).toEqual([
      ['2025-01-01', 'claude', 1],
      ['2025-01-01', 'gpt', 1],
      ['2025-01-02', 'gpt', 2],
    ]);

    const byProvider = await usageReport(store.db, { groupBy: ['provider'], from: DAY2 });
    expect(byProvider.rows.map((x) => [x.provider, x.cost_micros])).toEqual([['azure', 300], ['openai', 400]]);
    expect(byProvider.from).toBe(DAY2);

    const window = await usageReport(store.db, { groupBy: ['key'], from: DAY1, to: DAY2 });
    expect(window.rows.map((x) => x.key)).toEqual(['alice']);

    const mine = await usageReport(store.db, { groupBy: ['model'], keyName: 'bob' });
    expect(mine.rows).toEqual([{ model: 'gpt', requests: 2, prompt_tokens: 20, completion_tokens: 4, cached_tokens: 2, cost_micros: 700 }]);

    const empty = await usageReport(store.db, { groupBy: [], from: DAY2 * 2 });
    expect(empty.rows).toEqual([]);
    expect(empty.totals.requests).toBe(0);
  });
});
