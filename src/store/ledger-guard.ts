// The ledger's outage buffer, seen from the request path. While the database is unreachable, rows wait in
// the writer's queue; once `bufferRows` are waiting, new billable requests are refused with 503
// `ledger_unavailable` (rows are never dropped to make room), and admitted again as soon as the queue
// drains below the bound. readiness() tells /ready: ready while writes succeed or rows are only buffered
// (every replica shares the database, so pulling all of them out of the load balancer would turn an outage
// of the ledger into an outage of the gateway), not ready while refusing.

import { GatewayError } from '../contracts/errors.ts';
import type { LedgerHealth } from './ledger.ts';

/** Error code of a request refused because the ledger buffer is full. */
export const LEDGER_UNAVAILABLE = 'ledger_unavailable';

export interface LedgerReadiness {
  [detail: string]: unknown;
  ready: boolean;
  /** ok | buffering | refusing */
  status: 'ok' | 'buffering' | 'refusing';
  pending: number;
  buffer_rows: number;
  /** When writes started failing (ISO 8601), while they fail. */
  failing_since?: string;
  message?: string;
}

export interface LedgerGuard {
  /** Throws a 503 `ledger_unavailable` GatewayError while the buffer is full. */
  check(): void;
  readiness(): LedgerReadiness;
}

export function ledgerGuard(sink: { readonly pending: number; health(): LedgerHealth }, bufferRows: number): LedgerGuard {
  const bound = Math.max(1, Math.floor(bufferRows));
  const health = () => sink.health();
  return {
    check() {
      if (sink.pending < bound) return; // the hot path: one getter, no allocation
      const h = health();
      throw new GatewayError({
        status: 503,
        type: 'api_error',
        code: LEDGER_UNAVAILABLE,
        message: `The gateway cannot record usage right now: its ledger database is unreachable and ${h.pending} rows are waiting to be written (storage.buffer_rows is ${bound}). New requests are refused until the database is back; retry shortly.`,
        retryAfterMs: 5000,
      });
    },
    readiness() {
      const h = health();
      const failing = h.failingSince !== undefined ? { failing_since: new Date(h.failingSince).toISOString() } : {};
      if (h.pending >= bound) {
        return { ready: false, status: 'refusing', pending: h.pending, buffer_rows: bound, ...failing, message: 'ledger database unreachable and the row buffer is full: new requests are refused (503 ledger_unavailable)' };
      }
      if (h.failingSince !== undefined) {
        return { ready: true, status: 'buffering', pending: h.pending, buffer_rows: bound, ...failing, message: 'ledger database unreachable: rows are buffered and written when it returns' };
      }
      return { ready: true, status: 'ok', pending: h.pending, buffer_rows: bound };
    },
  };
}
