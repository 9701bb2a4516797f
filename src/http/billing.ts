// Balance endpoints for the caller's own key (already authenticated as ex.key):
//   /v1/dashboard/billing/subscription   OpenAI's legacy shape, polled by NextChat, Chatbox and similar UIs
//   /v1/dashboard/billing/usage          ?start_date=YYYY-MM-DD&end_date=YYYY-MM-DD (end exclusive), in CENTS
//   /v1/dashboard/billing/credit_grants  the older credit summary some UIs still read
//   /v1/balance                          native: name, group, budget, spent, remaining, expiry, limits
// All also answer without the /v1 prefix. Spend comes from the in-memory budget counters (exact,
// including requests not yet flushed); the daily breakdown comes from the ledger after a flush.
// A key in a group with a budget (groups.<name>.budget) can spend at most the smaller of what its own budget
// and the group's have left: the views report that effective figure and say which one applies.

import { GatewayError } from '../contracts/errors.ts';
import type { CompiledKey } from '../compile/types.ts';
import type { Exchange } from '../pipeline/types.ts';
import { servicesOf, type LedgerServices } from '../runtime/ledger-services.ts';
import type { Runtime } from '../runtime/runtime.ts';
import { usageReport } from '../store/usage-report.ts';

/** hard_limit_usd reported for a key without a budget. */
export const UNLIMITED_USD = 100_000_000;
/** access_until for a key that never expires (2100-01-01). */
const FAR_FUTURE_S = 4_102_444_800;
const DAY_MS = 86_400_000;
const MAX_DAYS = 366;

export async function handleBilling(rt: Runtime, ex: Exchange, path: string, search = ''): Promise<Response> {
  const s = servicesOf(rt);
  const key = ex.key!;
  const respond = (body: unknown) => new Response(JSON.stringify(body), { status: 200, headers: { 'content-type': 'application/json', 'x-request-id': ex.id } });
  if (!s) throw new GatewayError({ status: 503, type: 'api_error', code: 'ledger_unavailable', message: 'Balance is not available: this gateway runs without its ledger.' });
  const groupBudget = ex.gw.groups.get(key.group)?.budget;
  await s.syncBudgets?.(groupBudget ? [key.name, groupBudget.name] : [key.name]);
  const view = s.budgets.view(key);
  const group = groupBudget ? s.budgets.view(groupBudget) : undefined;
  // Which budget bounds the key now: the group's when it has less left than the key's own (or the key has none).
  const byGroup = group?.remainingMicros !== undefined && (view.remainingMicros === undefined || group.remainingMicros < view.remainingMicros);
  const remaining = byGroup ? group!.remainingMicros : view.remainingMicros;
  // The OpenAI shapes: a "hard limit" whose difference to the key's spend is what the key may still spend.
  const limitMicros = remaining === undefined ? undefined : view.spentMicros + remaining;
  switch (path.replace(/\/+$/, '')) {
    case '/dashboard/billing/subscription': {
      const limit = limitMicros === undefined ? UNLIMITED_USD : limitMicros / 1e6;
      return respond({
        object: 'billing_subscription', has_payment_method: true,
        hard_limit_usd: limit, soft_limit_usd: limit, system_hard_limit_usd: limit,
        access_until: key.expiresAt !== undefined ? Math.floor(key.expiresAt / 1000) : FAR_FUTURE_S,
        plan: { title: key.group, id: key.group }, account_name: key.name,
      });
    }
    case '/dashboard/billing/credit_grants': {
      const granted = limitMicros === undefined ? UNLIMITED_USD : limitMicros / 1e6;
      return respond({ object: 'credit_summary', total_granted: granted, total_used: view.spentMicros / 1e6, total_available: Math.max(0, granted - view.spentMicros / 1e6) });
    }
    case '/dashboard/billing/usage':
      return respond(await dailyUsage(s, key, new URLSearchParams(search)));
    case '/balance':
      return respond({
        object: 'balance', name: key.name, group: key.group, source: key.source, currency: 'USD',
        budget_usd: view.budgetMicros === undefined ? null : view.budgetMicros / 1e6,
        spent_usd: view.spentMicros / 1e6,
        remaining_usd: remaining === undefined ? null : remaining / 1e6,
        reserved_usd: view.reservedMicros / 1e6,
        // What bounds remaining_usd: the key's own budget, its group's shared one, or nothing (null).
        limited_by: remaining === undefined ? null : byGroup ? 'group' : 'key',
        group_budget: group ? {
          budget_usd: (group.budgetMicros ?? 0) / 1e6, spent_usd: group.spentMicros / 1e6,
          remaining_usd: (group.remainingMicros ?? 0) / 1e6, reserved_usd: group.reservedMicros / 1e6,
        } : null,
        expires_at: key.expiresAt !== undefined ? new Date(key.expiresAt).toISOString() : null,
        limits: key.limits ?? null,
        group_limits: ex.gw.groups.get(key.group)?.limits ?? null,
      });
    default:
      throw new GatewayError({ status: 404, type: 'invalid_request_error', code: 'unknown_route', message: `${path} is not available on this gateway. Balance endpoints: /v1/balance, /v1/dashboard/billing/subscription, /v1/dashboard/billing/usage.` });
  }
}

async function dailyUsage(s: LedgerServices, key: CompiledKey, q: URLSearchParams) {
  const now = new Date();
  const monthStart = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1);
  const start = parseDay(q.get('start_date'), 'start_date') ?? monthStart;
  const end = parseDay(q.get('end_date'), 'end_date') ?? Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()) + DAY_MS;
  if (end <= start) throw badDate('end_date', 'end_date must be after start_date (end_date is exclusive).');
  if ((end - start) / DAY_MS > MAX_DAYS) throw badDate('end_date', `The range may span at most ${MAX_DAYS} days.`);
  await s.writer.flush().catch(() => {});
  const report = await usageReport(s.store.db, { from: start, to: end, groupBy: ['day', 'model'], keyName: key.name });
  const byDay = new Map<string, Array<{ name: string; cost: number }>>();
  for (const row of report.rows) {
    const items = byDay.get(row.day ?? '') ?? [];
    if (row.cost_micros > 0) items.push({ name: row.model ?? 'unknown', cost: row.cost_micros / 1e4 });
    byDay.set(row.day ?? '', items);
  }
  const daily: Array<{ timestamp: number; line_items: Array<{ name: string; cost: number }> }> = [];
  for (let t = start; t < end; t += DAY_MS) {
    daily.push({ timestamp: t / 1000, line_items: byDay.get(new Date(t).toISOString().slice(0, 10)) ?? [] });
  }
  return { object: 'list', total_usage: report.totals.cost_micros / 1e4, daily_costs: daily };
}

function parseDay(v: string | null, param: string): number | undefined {
  if (v === null || v === '') return undefined;
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(v);
  const ms = m ? Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) : NaN;
  if (!m || Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 10) !== v) throw badDate(param, `${param} must be a date like 2025-01-31.`);
  return ms;
}

function badDate(param: string, message: string): GatewayError {
  return new GatewayError({ status: 400, type: 'invalid_request_error', code: 'invalid_value', param, message });
}
