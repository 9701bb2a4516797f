// Admission = rate limits, then budget (DESIGN §3 steps 5 and 6). Limits are checked and committed
// atomically by the RateLimiter; then the budget reservation is taken synchronously. If the budget
// refuses, the limiter lease is cancelled, so a refused request counts against nothing. The Ticket
// settles both exactly once: actual cost replaces the reservation, actual tokens correct tpm, and
// concurrency slots are freed.

import type { Admission, AdmissionRequest, Ticket } from '../runtime/contracts.ts';
import type { BudgetTracker } from '../runtime/budgets.ts';
import { rateLimitError, rateLimitHeaders } from './headers.ts';
import type { AcquireResult, Lease, RateLimiter } from './rate-limiter.ts';
import { rulesFor } from './rules.ts';

const noLease: Lease = { release: () => {}, cancel: () => {} };

export function createAdmission(limiter: RateLimiter, budgets: BudgetTracker): Admission {
  return {
    admit(request: AdmissionRequest): Ticket | Promise<Ticket> {
      const rules = rulesFor(request.gw, request.key, request.model);
      if (rules.length === 0) return reserve(request, budgets, noLease, {});
      // promptTokens may be computed lazily by the caller: read it only when a tpm rule needs it.
      const tokens = rules.some((r) => r.tpm !== undefined) ? request.promptTokens + request.maxOutputTokens : 0;
      const result = limiter.acquire({ rules, tokens });
      return result instanceof Promise ? result.then((r) => admitted(request, budgets, r)) : admitted(request, budgets, result);
    },
  };
}

function admitted(request: AdmissionRequest, budgets: BudgetTracker, result: AcquireResult): Ticket {
  if (!result.ok) throw rateLimitError(result.denial, result.snapshot);
  return reserve(request, budgets, result.lease, rateLimitHeaders(result.snapshot));
}

function reserve(request: AdmissionRequest, budgets: BudgetTracker, lease: Lease, headers: Record<string, string>): Ticket {
  const { key } = request;
  const amount = key.budgetMicros !== undefined ? request.reservationMicros : 0;
  let hold;
  try {
    hold = budgets.reserve(key, amount);
  } catch (err) {
    lease.cancel();
    throw err;
  }
  let settled = false;
  return {
    headers,
    settle({ usage, costMicros }) {
      if (settled) return;
      settled = true;
      hold.settle(costMicros);
      const tokens = usage ? usage.total_tokens || usage.prompt_tokens + usage.completion_tokens : 0;
      lease.release(tokens);
    },
  };
}
