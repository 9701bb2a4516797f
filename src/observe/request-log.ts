// The request log: one line per finished request, built from the same ledger row the metrics and the
// ledger get (id, key name, model, provider, status, tokens, cost, latency, TTFT, attempts, cache hit).
// Redaction applies as on every line; key values never appear (the row holds key names only).
// JSON lines take the logger's fast path: the line is one template over the row, string values come
// from `json.str()` (redacted once per distinct name, memoised), numbers need no scan. The field order
// and values are those of `requestLogFields` (pretty format and wrapped loggers use that).

import type { LogFields, Logger } from '../log.ts';
import type { AttemptRow, RequestRow } from '../runtime/contracts.ts';

/**
 * The provider the line names: the row's (the one that answered and billed), else the last one tried (an
 * upstream error is not billed, so its row names no provider, but the provider answered it). The log may
 * name providers whatever server.expose_upstream says (that setting hides them from clients only).
 */
function providerOf(row: RequestRow, attempts: readonly AttemptRow[]): string | null {
  return row.provider ?? (attempts.length ? attempts[attempts.length - 1].provider : null);
}

export function requestLogFields(row: RequestRow, attempts: readonly AttemptRow[]): LogFields {
  const fields: LogFields = {
    id: row.id,
    surface: row.surface ?? 'openai',
    key: row.keyName,
    model: row.model,
    provider: providerOf(row, attempts),
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

/** A number as JSON.stringify writes it (finite numbers print alike; NaN and Infinity are null). */
const num = (n: number): string => (Number.isFinite(n) ? `${n}` : 'null');

/** `"id":…,"surface":…,…`: the JSON of requestLogFields without its braces. */
export function requestLogJson(str: (s: string, memo?: boolean) => string, row: RequestRow, attempts: readonly AttemptRow[]): string {
  const name = (s: string | null) => (s === null ? 'null' : str(s));
  let line = `"id":${str(row.id, false)},"surface":${str(row.surface ?? 'openai')},"key":${name(row.keyName)},"model":${name(row.model)},"provider":${name(providerOf(row, attempts))},"status":${num(row.status)},"prompt_tokens":${num(row.promptTokens)},"completion_tokens":${num(row.completionTokens)},"cost_usd":${num(row.costMicros / 1e6)},"latency_ms":${num(row.latencyMs)},"attempts":${attempts.length}`;
  if (row.cachedTokens) line += `,"cached_tokens":${num(row.cachedTokens)}`;
  if (row.ttftMs !== null) line += `,"ttft_ms":${num(row.ttftMs)}`;
  if (row.stream) line += ',"stream":true';
  if (row.errorCode === 'cache_hit') line += ',"cache":"hit"';
  else if (row.errorCode) line += `,"code":${str(row.errorCode)}`;
  if (row.usageSource === 'estimated') line += ',"usage":"estimated"';
  return line;
}

export function logRequest(log: Logger, row: RequestRow, attempts: readonly AttemptRow[]): void {
  const level = row.status >= 500 ? 'warn' : 'info';
  const json = log.json;
  if (!json) log[level]('request', requestLogFields(row, attempts));
  else if (json.enabled(level)) json.write(level, 'request', requestLogJson(json.str, row, attempts));
}
