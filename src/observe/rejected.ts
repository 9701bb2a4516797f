// API requests refused before they got past authentication (a missing, wrong, revoked or expired key, an
// address a key may not be used from, an unknown path, a bad Host, a draining gateway): they have no
// ledger row (the ledger records authenticated requests only), so the observed ledger never sees them.
// Here they are counted (switchyard_rejected_requests_total) and failed key checks go to the per-address
// authentication warning (auth-failures.ts). They get no request log line: anyone can send them at any rate,
// so a line each would let a stranger fill the log; the counter and the warning (one line per address per
// interval) are their record.
// Runs only on the refused path; a served request never gets here.

import type { Exchange } from '../pipeline/types.ts';
import type { Runtime } from '../runtime/runtime.ts';
import { API_AUTH_FAILURE_CODES } from './auth-failures.ts';

export function observeRejected(rt: Runtime, ex: Exchange, status: number, errorCode: string | undefined): void {
  try {
    const surface = ex.surface ?? 'openai';
    const code = errorCode ?? '';
    rt.metrics?.rejected(surface, status, code);
    if (API_AUTH_FAILURE_CODES.has(code)) rt.authFailures.fail(ex.clientIp, code, surface);
  } catch {
    // Observability must never fail a request.
  }
}
