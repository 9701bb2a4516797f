// Admission = rate limits, then budget (DESIGN §3 steps 5 and 6). Limits are checked and committed
// atomically by the RateLimiter; then the budget reservation is taken synchronously. If the budget
// refuses, the limiter lease is cancelled, so a refused request counts against nothing. The Ticket
// settles both exactly once: actual cost replaces the reservation, actual tokens correct tpm, and
// concurrency slots are freed. A key in a group with a budget (groups.<name>.budget) holds the same
// reservation on the group's account too (runtime/budgets.ts); other requests take no extra step.

import type { Admission, AdmissionRequest, Ticket } from '../runtime/contracts.ts';
import type { BudgetHold, BudgetTracker, GroupBudget } from '../runtime/budgets.ts';
import type { Usage } from '../contracts/canonical.ts';
import { rateLimitError, rateLimitHeaders } from './headers.ts';
import type { AcquireResult, Lease, RateLimiter } from './rate-limiter.ts';
import { rulesFor } from './rules.ts';

const noLease: Lease = { release: () => {}, cancel: () => {} };
const NO_HEADERS: Record<string, string> = Object.freeze({}) as Record<string, string>;

export function createAdmission(limiter: RateLimiter, budgets: BudgetTracker): Admission {
  return {
    admit(request: AdmissionRequest): Ticket | Promise<Ticket> {
      const rules = rulesFor(request.gw, request.key, request.model);
      if (rules.length === 0) return reserve(request, budgets, noLease, NO_HEADERS);
      // promptTokens may be computed lazily by the caller: read it only when a tpm rule needs it.
      const tokens = tokensFor(rules, request);
      const result = limiter.acquire({ rules, tokens });
      return result instanceof Promise ? result.then((r) => admitted(request, budgets, r)) : admitted(request, budgets, result);
    },
  };
}

function admitted(request: AdmissionRequest, budgets: BudgetTracker, result: AcquireResult): Ticket {
  if (!result.ok) throw rateLimitError(result.denial, result.snapshot);
  return reserve(request, budgets, result.lease, rateLimitHeaders(result.snapshot));
}

/** Tokens a request reserves on tpm rules (prompt estimate + max output; 0 when no rule counts tokens). */
export function tokensFor(rules: readonly { tpm?: number }[], request: AdmissionRequest): number {
  for (const r of rules) if (r.tpm !== undefined) return request.promptTokens + request.maxOutputTokens;
  return 0;
}

function reserve(request: AdmissionRequest, budgets: BudgetTracker, lease: Lease, headers: Record<string, string>): Ticket {
  const { key } = request;
  const group = request.gw.groups.get(key.group);
  const grouped = group?.budget !== undefined ? (group as GroupBudget) : undefined;
  const amount = key.budgetMicros !== undefined || grouped ? request.reservationMicros : 0;
  let hold: BudgetHold;
  try {
    hold = budgets.reserve(key, amount, grouped);
  } catch (err) {
    lease.cancel();
    throw err;
  }
  return new AdmissionTicket(headers, hold, lease, grouped?.name);
}

/** An admitted request's ticket: settles its budget hold and its limiter lease once (a class: no closures). */
class AdmissionTicket implements Ticket {
  #settled = false;

  constructor(readonly headers: Record<string, string>, private readonly hold: BudgetHold, private readonly lease: Lease, readonly budgetGroup: string | undefined) {}

  settle({ usage, costMicros }: { usage?: Usage; costMicros: number }): void {
    if (this.#settled) return;
    this.#settled = true;
    this.hold.settle(costMicros);
    const tokens = usage ? usage.total_tokens || usage.prompt_tokens + usage.completion_tokens : 0;
    this.lease.release(tokens);
  }
}
