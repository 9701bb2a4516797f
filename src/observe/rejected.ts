// API requests refused before they got past authentication (a missing, wrong, revoked or expired key, an
// address a key may not be used from, an unknown path, a bad Host, a draining gateway): they have no
// ledger row (the ledger records authenticated requests only), so the observed ledger never sees them.
// Here they are counted (switchyard_rejected_requests_total), written to the request log while it is on,
// and failed key checks go to the per-address authentication warning (auth-failures.ts).
// Runs only on the refused path; a served request never gets here.

import type { Exchange } from '../pipeline/types.ts';
import type { RequestRow } from '../runtime/contracts.ts';
import type { Runtime } from '../runtime/runtime.ts';
import { API_AUTH_FAILURE_CODES } from './auth-failures.ts';
import { logRequest } from './request-log.ts';

export function observeRejected(rt: Runtime, ex: Exchange, status: number, errorCode: string | undefined): void {
  try {
    const surface = ex.surface ?? 'openai';
    const code = errorCode ?? '';
    rt.metrics?.rejected(surface, status, code);
    if (API_AUTH_FAILURE_CODES.has(code)) rt.authFailures.fail(ex.clientIp, code, surface);
    if (rt.current().config.server?.request_log !== false) logRequest(rt.log, rejectedRow(ex, surface, status, code), []);
  } catch {
    // Observability must never fail a request.
  }
}

/** The request log's view of a refused request: no model or provider (and no key, unless one was found); nothing billed. */
function rejectedRow(ex: Exchange, surface: string, status: number, code: string): RequestRow {
  return {
    id: ex.id, ts: ex.startedAt, keyName: ex.key?.name ?? null, group: ex.key?.group ?? null, route: ex.route.path || '/v1', model: null, provider: null, upstreamModel: null,
    promptTokens: 0, completionTokens: 0, cachedTokens: 0, usageSource: 'none', costMicros: 0, status, errorCode: code || null,
    latencyMs: Date.now() - ex.startedAt, ttftMs: null, stream: false, partial: false, configHash: ex.gw.hash, surface,
  };
}
