// The stateful services attached to a Runtime (store, ledger writer, budgets, runtime keys, limiter),
// reachable from the admin API and the balance endpoints without widening the Runtime class.
// Type-only imports keep this module free of cycles.

import type { Store } from '../store/open.ts';
import type { LedgerSink } from '../store/worker-ledger.ts';
import type { RateLimiter } from '../limits/rate-limiter.ts';
import type { BudgetTracker } from './budgets.ts';
import type { Runtime } from './runtime.ts';
import type { RuntimeKeyRegistry } from './runtime-keys.ts';

export interface LedgerServices {
  readonly store: Store;
  readonly writer: LedgerSink;
  readonly budgets: BudgetTracker;
  readonly keys: RuntimeKeyRegistry;
  readonly limiter: RateLimiter;
  /** With shared state (storage.redis): mirrors these keys' live budget counters before a view reads them. */
  syncBudgets?: (names: string[]) => Promise<void>;
}

const attached = new WeakMap<Runtime, LedgerServices>();

export function bindServices(rt: Runtime, services: LedgerServices | undefined): void {
  if (services) attached.set(rt, services);
  else attached.delete(rt);
}

export function servicesOf(rt: Runtime): LedgerServices | undefined {
  return attached.get(rt);
}
