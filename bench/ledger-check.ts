// After a "ledger on" gateway stopped (drained and flushed), counts what its ledger file holds, so
// the bench shows the ledger really was written during the run and not silently skipped.

import { Database } from 'bun:sqlite';
import { existsSync } from 'node:fs';

export interface LedgerCheck {
  rows: number;
  costMicros: number;
}

export function readLedger(dbPath: string): LedgerCheck | string {
  if (!existsSync(dbPath)) return `no ledger file at ${dbPath}`;
  let db: Database | undefined;
  try {
    db = new Database(dbPath, { readonly: true });
    const row = db.query('SELECT COUNT(*) AS n, COALESCE(SUM(cost_micros), 0) AS cost FROM requests').get() as { n: number; cost: number };
    return { rows: row.n, costMicros: row.cost };
  } catch (err) {
    return `could not read the ledger: ${(err as Error).message}`;
  } finally {
    db?.close();
  }
}
