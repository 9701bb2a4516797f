// Spend per key name, persisted in key_spend. The ledger writer adds each request's cost in its flush
// transaction; at start the runtime seeds its in-memory budget counters from loadSpend(). Admin top-ups
// are kept apart in budget_adjust_micros so the configured budget stays the one in gateway.yaml:
// remaining = budget + adjust − spent.

import { eq, sql } from 'drizzle-orm';
import { view, type StoreDb } from './dialect.ts';

export interface KeySpend {
  spentMicros: number;
  adjustMicros: number;
}

/** All persisted spend, by key name. */
export async function loadSpend(store: StoreDb): Promise<Map<string, KeySpend>> {
  const { db, t: { keySpend } } = view(store);
  const rows = await db
    .select({ keyName: keySpend.keyName, spent: keySpend.spentMicros, adjust: keySpend.budgetAdjustMicros })
    .from(keySpend);
  const out = new Map<string, KeySpend>();
  for (const r of rows) out.set(r.keyName, { spentMicros: r.spent, adjustMicros: r.adjust });
  return out;
}

/** Spend of one key (zeros when it has none yet). */
export async function getSpend(store: StoreDb, keyName: string): Promise<KeySpend> {
  const { db, t: { keySpend } } = view(store);
  const rows = await db
    .select({ spent: keySpend.spentMicros, adjust: keySpend.budgetAdjustMicros })
    .from(keySpend)
    .where(eq(keySpend.keyName, keyName));
  const r = rows[0];
  return r ? { spentMicros: r.spent, adjustMicros: r.adjust } : { spentMicros: 0, adjustMicros: 0 };
}

/** Adds deltaMicros (negative to take back) to a key's budget adjustment; returns the new totals. */
export async function adjustBudget(store: StoreDb, keyName: string, deltaMicros: number): Promise<KeySpend> {
  const { db, t: { keySpend } } = view(store);
  if (!Number.isFinite(deltaMicros)) throw new RangeError('deltaMicros must be a finite number');
  const delta = Math.round(deltaMicros);
  const rows = await db
    .insert(keySpend)
    .values({ keyName, spentMicros: 0, budgetAdjustMicros: delta, updatedAt: Date.now() })
    .onConflictDoUpdate({
      target: keySpend.keyName,
      set: {
        budgetAdjustMicros: sql`${keySpend.budgetAdjustMicros} + excluded.budget_adjust_micros`,
        updatedAt: sql`excluded.updated_at`,
      },
    })
    .returning({ spent: keySpend.spentMicros, adjust: keySpend.budgetAdjustMicros });
  const r = rows[0];
  return { spentMicros: r?.spent ?? 0, adjustMicros: r?.adjust ?? delta };
}
