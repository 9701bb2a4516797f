// Budgets per key NAME, in integer micro-dollars. A key's budget is its configured (or runtime) budget
// plus admin top-ups (key_spend.budget_adjust_micros). `spent` is what settled requests cost (seeded
// from key_spend at start; the ledger persists each request's cost in the same transaction as its row,
// so this in-memory counter and the database move together without double counting). `reserved` is the
// worst-case cost of requests in flight and lives only in memory.
//
// reserve() is a synchronous check-and-reserve: JS runs one callback at a time, so N concurrent
// requests cannot all see the same remaining budget. A request is admitted only if
//   spent + reserved + its reservation <= budget,
// so overspend is bounded by how far actual usage exceeds the estimate (never by concurrency).
//
// A group budget (groups.<name>.budget) is one more account, named `@group:<name>` (store/spend-accounts.ts):
// a request of a key in such a group must fit both its key's budget (if any) and the group's; the same
// amount is held on both in the same synchronous step, and settled or released on both.

import { GatewayError } from '../contracts/errors.ts';
import type { KeySpend } from '../store/spend.ts';

export interface BudgetAccount {
  spentMicros: number;
  adjustMicros: number;
  reservedMicros: number;
}

export interface BudgetView {
  /** Total budget (configured + top-ups); undefined = unlimited. */
  budgetMicros?: number;
  spentMicros: number;
  reservedMicros: number;
  /** budget − spent (never below 0); undefined = unlimited. */
  remainingMicros?: number;
}

/** A reservation held by an admitted request. */
export interface BudgetHold {
  /** The actual cost replaces the reservation (idempotent). */
  settle(actualMicros: number): void;
  /** The request never ran: drop the reservation, spend nothing (idempotent). */
  cancel(): void;
}

export interface BudgetedKey {
  readonly name: string;
  readonly budgetMicros?: number;
}

/** USD with at least 2 and at most 6 decimals: 5 → "$5.00", 0.0123 → "$0.0123". */
export function formatUsd(micros: number): string {
  const fixed = (micros / 1e6).toFixed(6).replace(/0{1,4}$/, '');
  return `${micros < 0 ? '-' : ''}$${fixed.replace('-', '')}`;
}

export class BudgetTracker {
  private readonly accounts = new Map<string, BudgetAccount>();

  /** Seeds spend and top-ups from the store (at start). */
  seed(spend: ReadonlyMap<string, KeySpend>): void {
    for (const [name, s] of spend) {
      const a = this.account(name);
      a.spentMicros = s.spentMicros;
      a.adjustMicros = s.adjustMicros;
    }
  }

  account(name: string): BudgetAccount {
    let a = this.accounts.get(name);
    if (!a) {
      a = { spentMicros: 0, adjustMicros: 0, reservedMicros: 0 };
      this.accounts.set(name, a);
    }
    return a;
  }

  /** Told after a top-up changed a key's adjustment (shared state applies it everywhere). */
  onAdjust?: (name: string, adjustMicros: number) => void;

  /** Sets the persisted top-up total after the store changed it. */
  setAdjust(name: string, adjustMicros: number): void {
    this.account(name).adjustMicros = adjustMicros;
    this.onAdjust?.(name, adjustMicros);
  }

  /** Mirrors a key's live counters from shared state (admin views, balance endpoints). */
  mirror(name: string, values: { spentMicros: number; adjustMicros: number; reservedMicros: number }): void {
    Object.assign(this.account(name), values);
  }

  view(key: BudgetedKey): BudgetView {
    const a = this.accounts.get(key.name) ?? { spentMicros: 0, adjustMicros: 0, reservedMicros: 0 };
    if (key.budgetMicros === undefined) return { spentMicros: a.spentMicros, reservedMicros: a.reservedMicros };
    const budgetMicros = key.budgetMicros + a.adjustMicros;
    return { budgetMicros, spentMicros: a.spentMicros, reservedMicros: a.reservedMicros, remainingMicros: Math.max(0, budgetMicros - a.spentMicros) };
  }

  /**
   * Reserves `amountMicros` for a request of `key`, or throws 429 insufficient_quota. Keys without a
   * budget are never refused; their spend is still counted.
   */
  reserve(key: BudgetedKey, amountMicros: number, group?: GroupBudget): BudgetHold {
    const a = this.account(key.name);
    const amount = Math.max(0, Math.ceil(amountMicros));
    const limited = key.budgetMicros !== undefined;
    if (limited) {
      const budget = key.budgetMicros! + a.adjustMicros;
      if (a.spentMicros + a.reservedMicros + amount > budget) throw quotaError(key.name, budget, a, amount);
    }
    let g: BudgetAccount | null = null;
    if (group) {
      g = this.account(group.budget.name);
      const budget = group.budget.budgetMicros + g.adjustMicros;
      if (g.spentMicros + g.reservedMicros + amount > budget) throw groupQuotaError(group.name, budget, g, amount);
      g.reservedMicros += amount;
    }
    if (limited) a.reservedMicros += amount;
    return new Reservation(a, limited ? amount : 0, g, amount);
  }
}

/** A group with a budget, as admission passes it (the compiled group: no object per request). */
export interface GroupBudget {
  readonly name: string;
  readonly budget: BudgetedKey & { readonly budgetMicros: number };
}

/** One request's hold on a key's budget (a class: one object per request, no closures). */
class Reservation implements BudgetHold {
  #done = false;

  /**
   * `amount`: what is held in the key's `reservedMicros` (0 for a key without a budget); `group`: the group
   * budget's account (null when the key's group has none), holding `groupAmount`.
   */
  constructor(private readonly account: BudgetAccount, private readonly amount: number, private readonly group: BudgetAccount | null, private readonly groupAmount: number) {}

  settle(actualMicros: number): void {
    if (this.#done) return;
    this.#done = true;
    const a = this.account;
    const cost = Math.max(0, Math.round(actualMicros));
    a.reservedMicros = Math.max(0, a.reservedMicros - this.amount);
    a.spentMicros += cost;
    const g = this.group;
    if (g) {
      g.reservedMicros = Math.max(0, g.reservedMicros - this.groupAmount);
      g.spentMicros += cost;
    }
  }

  cancel(): void {
    if (this.#done) return;
    this.#done = true;
    this.account.reservedMicros = Math.max(0, this.account.reservedMicros - this.amount);
    if (this.group) this.group.reservedMicros = Math.max(0, this.group.reservedMicros - this.groupAmount);
  }
}

const ESTIMATE = '(prompt + max_tokens × n, or per image, at the price of the dearest model that may answer, fallbacks included; without max_tokens, the model\'s max_output_tokens, 4096 unless the operator set it)';

/**
 * The 429 for a refused reservation. Two different situations: the key's budget cannot cover the request at
 * all (spent + amount > budget: only a top-up or a smaller request helps), or it could, but other requests of
 * the key in flight hold the difference (their reservations are released when they finish: retry then).
 */
export function quotaError(name: string, budget: number, a: Pick<BudgetAccount, 'spentMicros' | 'reservedMicros'>, amount: number): GatewayError {
  const remaining = Math.max(0, budget - a.spentMicros);
  const heldByOthers = a.reservedMicros > 0 && a.spentMicros + amount <= budget;
  const message = heldByOthers
    ? `The API key "${name}" has ${formatUsd(remaining)} left of its ${formatUsd(budget)} budget, but requests of this key still in flight ` +
      `hold ${formatUsd(a.reservedMicros)} of it, leaving ${formatUsd(Math.max(0, remaining - a.reservedMicros))}, and this request may cost up to ${formatUsd(amount)} ${ESTIMATE}. ` +
      'Retry when those requests finish (each then holds only what it actually cost), send fewer requests at once, or lower max_tokens or n.'
    : `The API key "${name}" has ${formatUsd(remaining)} left of its ${formatUsd(budget)} budget, and this request may cost up to ${formatUsd(amount)} ${ESTIMATE}. ` +
      'Send a smaller max_tokens (or n), or ask this gateway\'s operator to top up the key ' +
      `(PATCH /admin/keys/${name} {"top_up": <USD>}), raise its budget, or set the model's max_output_tokens.`;
  return new GatewayError({ status: 429, type: 'insufficient_quota', code: 'insufficient_quota', message });
}

/**
 * The 429 for a request its group's shared budget cannot cover (the key's own budget, if any, could). Names the
 * group (its key holders see it on /v1/balance), never another key of it.
 */
export function groupQuotaError(group: string, budget: number, a: Pick<BudgetAccount, 'spentMicros' | 'reservedMicros'>, amount: number): GatewayError {
  const remaining = Math.max(0, budget - a.spentMicros);
  const heldByOthers = a.reservedMicros > 0 && a.spentMicros + amount <= budget;
  const head = `The budget of this key's group "${group}", shared by all keys of the group, is exhausted for this request: it has ${formatUsd(remaining)} left of ${formatUsd(budget)}`;
  const message = heldByOthers
    ? `${head}, but requests of the group's keys still in flight hold ${formatUsd(a.reservedMicros)} of it, leaving ${formatUsd(Math.max(0, remaining - a.reservedMicros))}, and this request may cost up to ${formatUsd(amount)} ${ESTIMATE}. ` +
      'Retry when those requests finish (each then holds only what it actually cost), or lower max_tokens or n.'
    : `${head}, and this request may cost up to ${formatUsd(amount)} ${ESTIMATE}. ` +
      'Lower max_tokens or n, or ask this gateway\'s operator to top up the group ' +
      `(PATCH /admin/groups/${group} {"top_up": <USD>}) or raise groups.${group}.budget.`;
  return new GatewayError({ status: 429, type: 'insufficient_quota', code: 'insufficient_quota', message });
}
