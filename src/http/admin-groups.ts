// Admin API for group budgets (groups.<name>.budget, shared by every key of the group), registered beside
// the key endpoints by admin-api.ts:
//   GET   /admin/groups           every group with its budget, spent, remaining and reserved (USD)
//   GET   /admin/groups/:name     one group
//   PATCH /admin/groups/:name     {"top_up": <USD>} (negative takes back, down to a budget of zero)
// The budget itself is gateway.yaml's; top-ups are kept in the group's spend account (`@group:<name>`,
// store/spend-accounts.ts) and apply on every process, as a key's do.

import { GatewayError } from '../contracts/errors.ts';
import type { CompiledGroup } from '../compile/types.ts';
import type { LedgerServices } from '../runtime/ledger-services.ts';
import type { Runtime } from '../runtime/runtime.ts';
import { adjustBudget } from '../store/spend.ts';
import { json } from './admin.ts';
import { MAX_BUDGET_MICROS, badRequest, checkFields, optBudget, readJsonObject } from './admin-input.ts';
import { safeDecode } from './openai-paths.ts';

const usd = (micros: number | undefined) => (micros === undefined ? null : micros / 1e6);

/** Answers /admin/groups[/:name]; undefined for any other path. */
export async function handleGroups(rt: Runtime, s: LedgerServices, request: Request, path: string): Promise<Response | undefined> {
  if (path !== '/admin/groups' && !path.startsWith('/admin/groups/')) return undefined;
  const gw = rt.current();
  const method = request.method;
  // With shared state, the views read the live counters every process shares.
  await s.syncBudgets?.([...gw.groups.values()].filter((g) => g.budget).map((g) => g.budget!.name));
  if (path === '/admin/groups') {
    if (method !== 'GET') throw notAllowed(method, path);
    return json(200, { object: 'list', data: [...gw.groups.values()].map((g) => groupEntry(s, g)) });
  }
  const m = /^\/admin\/groups\/([^/]+)$/.exec(path);
  const group = m ? gw.groups.get(safeDecode(m[1])) : undefined;
  if (!m) return undefined;
  if (!group) {
    throw new GatewayError({ status: 404, type: 'invalid_request_error', code: 'group_not_found', message: `There is no group named "${safeDecode(m[1])}". GET /admin/groups lists every group.` });
  }
  if (method === 'GET') return json(200, groupEntry(s, group));
  if (method !== 'PATCH') throw notAllowed(method, path);
  const body = await readJsonObject(request);
  checkFields(body, ['top_up']);
  const topUp = body.top_up === null ? null : optBudget(body.top_up, 'top_up', true);
  if (topUp === undefined || topUp === null) throw badRequest('top_up', '"top_up" is required: a number of US dollars to add (negative to take back).');
  if (!group.budget) {
    throw badRequest('top_up', `Group "${group.name}" has no budget, so there is nothing to top up. Set groups.${group.name}.budget in gateway.yaml first.`);
  }
  const account = group.budget.name;
  const budget = s.budgets.view(group.budget).budgetMicros ?? group.budget.budgetMicros;
  if (topUp < 0 && budget + topUp < 0) {
    throw badRequest('top_up', `Taking back ${usd(-topUp)} USD would leave group "${group.name}" a budget below zero (it is ${usd(budget)} USD); take back at most ${usd(budget)}.`);
  }
  if (topUp > 0 && budget + topUp > MAX_BUDGET_MICROS) {
    throw badRequest('top_up', `A top-up of ${usd(topUp)} USD would raise group "${group.name}" to ${usd(budget + topUp)} USD, above the largest budget a group may have (${usd(MAX_BUDGET_MICROS)} USD); add at most ${usd(Math.max(0, MAX_BUDGET_MICROS - budget))}.`);
  }
  const spend = await adjustBudget(s.store.db, account, topUp);
  s.budgets.setAdjust(account, spend.adjustMicros);
  return json(200, groupEntry(s, group));
}

/** A group's listing entry: its budget figures are null when it has no budget. */
function groupEntry(s: LedgerServices, g: CompiledGroup) {
  const view = g.budget ? s.budgets.view(g.budget) : undefined;
  return {
    name: g.name, multiplier: g.multiplier, limits: g.limits ?? null,
    budget_usd: usd(view?.budgetMicros), spent_usd: usd(view?.spentMicros), remaining_usd: usd(view?.remainingMicros), reserved_usd: usd(view?.reservedMicros),
  };
}

function notAllowed(method: string, path: string): GatewayError {
  return new GatewayError({ status: 405, type: 'invalid_request_error', code: 'method_not_allowed', message: `${method} is not supported on ${path}. See README "Admin API".` });
}
