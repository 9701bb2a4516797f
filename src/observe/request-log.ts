// The request log: one line per finished request, built from the same ledger row the metrics and the
// ledger get (id, key name, model, provider, status, tokens, cost, latency, TTFT, attempts, cache hit).
// It goes through the logger, so redaction applies as on every line; key values never appear (the row
// holds key names only).

import type { LogFields, Logger } from '../log.ts';
import type { AttemptRow, RequestRow } from '../runtime/contracts.ts';

export function requestLogFields(row: RequestRow, attempts: readonly AttemptRow[]): LogFields {
  const fields: LogFields = {
    id: row.id,
    surface: row.surface ?? 'openai',
    key: row.keyName,
    model: row.model,
    provider: row.provider,
    status: row.status,
    prompt_tokens: row.promptTokens,
    completion_tokens: row.completionTokens,
    cost_usd: row.costMicros / 1e6,
    latency_ms: row.latencyMs,
    attempts: attempts.length,
  };
  if (row.cachedTokens) fields.cached_tokens = row.cachedTokens;
  if (row.ttftMs !== null) fields.ttft_ms = row.ttftMs;
  if (row.stream) fields.stream = true;
  if (row.errorCode === 'cache_hit') fields.cache = 'hit';
  else if (row.errorCode) fields.code = row.errorCode;
  if (row.usageSource === 'estimated') fields.usage = 'estimated';
  return fields;
}

export function logRequest(log: Logger, row: RequestRow, attempts: readonly AttemptRow[]): void {
  const level = row.status >= 500 ? 'warn' : 'info';
  log[level]('request', requestLogFields(row, attempts));
}
