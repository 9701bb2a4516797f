// The ledger rows' wire form between the request thread and the ledger worker: a JSON round trip keeps
// every field of the row and of each attempt (absent optional fields come back null or absent, never 0).

import { expect, test } from 'bun:test';
import type { AttemptRow, RequestRow } from '../../src/store/ledger.ts';
import { decodeRow, encodeRow, type WireRow } from '../../src/store/ledger-wire.ts';

const full: RequestRow = {
  id: 'req-1', ts: 1_700_000_000_000, keyName: 'k "quoted"', groupName: 'g', route: '/v1', model: 'm', provider: 'p', upstreamModel: 'um',
  promptTokens: 10, completionTokens: 5, cachedTokens: 2, usageSource: 'estimated', costMicros: 12.5, status: 502, errorCode: 'upstream_error',
  latencyMs: 40, ttftMs: 7, stream: true, partial: true, configHash: 'h', budgetGroup: 'g',
};
const attempts: AttemptRow[] = [
  { n: 1, provider: 'p0', status: 503, errorCode: 'upstream_error', latencyMs: 4, ts: 1 },
  { n: 2, provider: 'p1', upstreamModel: 'um', status: 200, latencyMs: 8, ts: 2 },
];
const roundTrip = (r: RequestRow, a: AttemptRow[]) => decodeRow((JSON.parse(JSON.stringify([encodeRow(r, a)])) as WireRow[])[0]!);

test('a full row and its attempts survive the round trip', () => {
  const { row, attempts: back } = roundTrip(full, attempts);
  expect(row).toEqual(full);
  expect(back).toEqual([{ ...attempts[0]!, upstreamModel: null }, { ...attempts[1]!, errorCode: null }]);
});

test('a minimal row: optional fields come back null or absent', () => {
  const minimal: RequestRow = { id: 'req-2', ts: 5, promptTokens: 0, completionTokens: 0, costMicros: 0, status: 200 };
  const { row, attempts: back } = roundTrip(minimal, []);
  expect(back).toEqual([]);
  expect({ id: row.id, ts: row.ts, status: row.status, costMicros: row.costMicros }).toEqual({ id: 'req-2', ts: 5, status: 200, costMicros: 0 });
  for (const k of ['keyName', 'groupName', 'route', 'model', 'provider', 'upstreamModel', 'errorCode', 'latencyMs', 'ttftMs', 'configHash'] as const) expect(row[k] ?? null).toBeNull();
  for (const k of ['cachedTokens', 'usageSource', 'stream', 'partial', 'budgetGroup'] as const) expect(row[k]).toBeUndefined();
});
