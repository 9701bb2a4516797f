// How a ledger row crosses from the request thread to the ledger worker: one flat array per request
// (the 20 request columns in INSERT order, the budget group, then 7 values per attempt), the batch as one JSON string.
// Without property names the batch is about half the size of the object form, cheaper to stringify on
// the request thread and to parse in the worker. undefined becomes null in JSON; decodeRow maps back.

import type { AttemptRow, Pending, RequestRow } from './ledger.ts';

/** A request row and its attempts, flattened (see encodeRow for the order). */
export type WireRow = Array<string | number | boolean | null | undefined>;

const REQUEST_FIELDS = 21;
const ATTEMPT_FIELDS = 7;

export function encodeRow(r: RequestRow, attempts: readonly AttemptRow[]): WireRow {
  const w: WireRow = [
    r.id, r.ts, r.keyName, r.groupName, r.route, r.model, r.provider, r.upstreamModel, r.promptTokens, r.completionTokens,
    r.cachedTokens, r.usageSource, r.costMicros, r.status, r.errorCode, r.latencyMs, r.ttftMs, r.stream, r.partial, r.configHash, r.budgetGroup,
  ];
  for (const a of attempts) w.push(a.n, a.provider, a.upstreamModel, a.status, a.errorCode, a.latencyMs, a.ts);
  return w;
}

export function decodeRow(w: WireRow): Pending {
  const v = w as unknown[];
  const row = {
    id: v[0], ts: v[1], keyName: v[2], groupName: v[3], route: v[4], model: v[5], provider: v[6], upstreamModel: v[7],
    promptTokens: v[8], completionTokens: v[9], cachedTokens: v[10] ?? undefined, usageSource: v[11] ?? undefined, costMicros: v[12],
    status: v[13], errorCode: v[14], latencyMs: v[15], ttftMs: v[16], stream: v[17] ?? undefined, partial: v[18] ?? undefined, configHash: v[19], budgetGroup: v[20] ?? undefined,
  } as RequestRow;
  const attempts: AttemptRow[] = [];
  for (let i = REQUEST_FIELDS; i + ATTEMPT_FIELDS <= v.length; i += ATTEMPT_FIELDS) {
    attempts.push({ n: v[i], provider: v[i + 1], upstreamModel: v[i + 2], status: v[i + 3], errorCode: v[i + 4], latencyMs: v[i + 5], ts: v[i + 6] } as AttemptRow);
  }
  return { row, attempts };
}
