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
import { badRequest, checkFields, checkTopUp, notAllowed, optBudget, readJsonObject, usd } from './admin-input.ts';
import { safeDecode } from './openai-paths.ts';


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
  checkTopUp(`group "${group.name}"`, budget, topUp);
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

