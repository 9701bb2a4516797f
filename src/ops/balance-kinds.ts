// The vendor APIs a provider balance check can read (providers.<name>.balance.kind), each checked against
// the vendor's current documentation (2026-12):
//   openai_billing      GET {root}/dashboard/billing/subscription → hard_limit_usd, and
//                       GET {root}/dashboard/billing/usage?start_date&end_date → total_usage in cents,
//                       balance = hard_limit_usd − total_usage/100, USD: One API's reading of OpenAI-compatible
//                       aggregators (One API / new-api based ones answer these for a token)
//   deepseek            GET https://api.deepseek.com/user/balance → balance_infos[].{currency,total_balance}
//   moonshot            GET {root}/users/me/balance → data.available_balance (CNY on .cn, USD on .ai)
//   siliconflow         GET {root}/user/info → data.totalBalance (CNY on .cn, USD on .com)
//   openrouter_key      GET {root}/key → data.limit_remaining of this key (null when the key has no limit), USD
//   openrouter_credits  GET {root}/credits → data.total_credits − data.total_usage, USD (management key)
// {root} is the provider's API root as its adapter uses it (base_url, or the preset's default).

import type { CompiledProvider } from '../compile/types.ts';
import type { BalanceConfig } from '../config/types.ts';
import { PRESETS, presetRoot } from '../../adapters/openai/preset.ts';
import { apiRoot } from '../../adapters/openai/request.ts';
import { BalanceError } from '../upstream/balance-fetch.ts';

export type BalanceKind = NonNullable<BalanceConfig['kind']>;
export const BALANCE_KINDS: readonly BalanceKind[] = ['openai_billing', 'deepseek', 'moonshot', 'siliconflow', 'openrouter_key', 'openrouter_credits'];

export const DEFAULT_EVERY_MS = 600_000;
export const MIN_EVERY_MS = 60_000;
/** The longest interval a timer holds (2^31-1 ms, about 24.8 days). */
export const MAX_EVERY_MS = 2_147_483_647;

export interface BalanceReading {
  amount: number;
  currency: string;
}

/** What one provider's check needs, resolved from its config block. */
export interface BalanceSettings {
  kind: BalanceKind;
  everyMs: number;
  warnBelow?: number;
  currency?: string;
  apiKey?: string;
}

/** The kind `balance: true` uses for an adapter (undefined: the config must name one). */
export function defaultKind(adapterId: string): BalanceKind | undefined {
  if (adapterId === 'openai') return 'openai_billing';
  const kind = PRESETS[adapterId]?.balance;
  return BALANCE_KINDS.includes(kind as BalanceKind) ? (kind as BalanceKind) : undefined;
}

/** The provider's balance settings, or undefined when it has no (valid) balance check. */
export function balanceSettings(provider: CompiledProvider): BalanceSettings | undefined {
  const raw = provider.view.options.balance as boolean | BalanceConfig | undefined;
  if (!raw) return undefined;
  const cfg: BalanceConfig = raw === true ? {} : raw;
  const kind = cfg.kind ?? defaultKind(provider.adapter.id);
  if (!kind) return undefined;
  return {
    // Timers hold at most 2^31-1 ms (24.8 days): a longer delay fires at once, and would call the vendor in a loop.
    kind, everyMs: Math.min(MAX_EVERY_MS, Math.max(MIN_EVERY_MS, cfg.every_ms ?? DEFAULT_EVERY_MS)),
    warnBelow: cfg.warn_below, currency: cfg.currency, apiKey: cfg.api_key,
  };
}

/** The API root the provider's adapter sends to: base_url (with /v1 added to a bare host) or the preset's default. */
export function apiRootOf(provider: CompiledProvider): string {
  // The openai adapter's own rules, so a balance check asks where the provider's requests go.
  const base = provider.view.baseUrl;
  if (base) return apiRoot(base);
  const preset = PRESETS[provider.adapter.id];
  if (preset) {
    try {
      return presetRoot(provider.adapter.id, preset, provider.view);
    } catch {
      return ''; // a placeholder the config does not fill: the provider's requests fail the same way
    }
  }
  return provider.adapter.id === 'openai' ? apiRoot('') : '';
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A finite number, or a numeric string ("110.00"), else undefined. */
function num(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string' && /^\s*-?\d+(\.\d+)?\s*$/.test(v)) return Number(v);
  return undefined;
}

const unexpected = (what: string) => new BalanceError(`unexpected answer: ${what}`);

/** CNY for a mainland-China host (*.cn), else USD. */
function regionCurrency(root: string): string {
  try {
    return new URL(root).hostname.endsWith('.cn') ? 'CNY' : 'USD';
  } catch {
    return 'USD';
  }
}

const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** Reads the balance with `get` (one GET → parsed JSON, or a BalanceError). */
export async function readBalance(kind: BalanceKind, root: string, s: BalanceSettings, get: (url: string) => Promise<unknown>, now = Date.now()): Promise<BalanceReading> {
  switch (kind) {
    case 'openai_billing': {
      const sub = await get(`${root}/dashboard/billing/subscription`);
      const limit = isObject(sub) ? num(sub.hard_limit_usd) : undefined;
      if (limit === undefined) throw unexpected('no hard_limit_usd in /dashboard/billing/subscription');
      // One API and new-api answer 100000000 for a token with unlimited quota: there is no balance to read.
      if (limit >= 1e8) throw new BalanceError('the token has unlimited quota (hard_limit_usd 100000000): no balance to read');
      // As One API asks: this month, or the last 100 days for an account without a payment method.
      const start = isObject(sub) && sub.has_payment_method === true ? `${day(now).slice(0, 7)}-01` : day(now - 100 * 86_400_000);
      // end_date is exclusive (OpenAI's and One API's billing API): tomorrow, so today's spend counts.
      const usage = await get(`${root}/dashboard/billing/usage?start_date=${start}&end_date=${day(now + 86_400_000)}`);
      const cents = isObject(usage) ? num(usage.total_usage) : undefined;
      if (cents === undefined) throw unexpected('no total_usage in /dashboard/billing/usage');
      return { amount: round(limit - cents / 100), currency: s.currency ?? 'USD' };
    }
    case 'deepseek': {
      const body = await get(`${root.replace(/\/v1$/, '')}/user/balance`);
      const infos = isObject(body) && Array.isArray(body.balance_infos) ? body.balance_infos.filter(isObject) : undefined;
      if (!infos) throw unexpected('no balance_infos');
      const info = s.currency ? infos.find((i) => i.currency === s.currency) : infos[0];
      if (!info) throw new BalanceError(s.currency ? `no ${s.currency} balance in balance_infos` : 'balance_infos is empty');
      const amount = num(info.total_balance);
      if (amount === undefined || typeof info.currency !== 'string' || !/^[A-Z]{3}$/.test(info.currency)) throw unexpected('balance_infos[] without currency and total_balance');
      return { amount, currency: info.currency };
    }
    case 'moonshot': {
      const body = await get(`${root}/users/me/balance`);
      if (isObject(body) && typeof body.code === 'number' && body.code !== 0) throw new BalanceError(`the vendor answered code ${body.code}`);
      const amount = isObject(body) && isObject(body.data) ? num(body.data.available_balance) : undefined;
      if (amount === undefined) throw unexpected('no data.available_balance');
      return { amount, currency: s.currency ?? regionCurrency(root) };
    }
    case 'siliconflow': {
      const body = await get(`${root}/user/info`);
      if (isObject(body) && body.status === false) throw new BalanceError(`the vendor answered code ${String(body.code)}`);
      const amount = isObject(body) && isObject(body.data) ? num(body.data.totalBalance) : undefined;
      if (amount === undefined) throw unexpected('no data.totalBalance');
      return { amount, currency: s.currency ?? regionCurrency(root) };
    }
    case 'openrouter_key': {
      const body = await get(`${root}/key`);
      const data = isObject(body) && isObject(body.data) ? body.data : undefined;
      if (!data || !('limit_remaining' in data)) throw unexpected('no data.limit_remaining');
      if (data.limit_remaining === null) throw new BalanceError('this key has no credit limit (limit_remaining is null); use kind openrouter_credits with a management key for the account');
      const amount = num(data.limit_remaining);
      if (amount === undefined) throw unexpected('data.limit_remaining is not a number');
      return { amount, currency: s.currency ?? 'USD' };
    }
    case 'openrouter_credits': {
      const body = await get(`${root}/credits`);
      const data = isObject(body) && isObject(body.data) ? body.data : undefined;
      const credits = num(data?.total_credits);
      const used = num(data?.total_usage);
      if (credits === undefined || used === undefined) throw unexpected('no data.total_credits and data.total_usage');
      return { amount: round(credits - used), currency: s.currency ?? 'USD' };
    }
  }
}

/** Rounds away float noise of a subtraction (1e-9 of a currency unit). */
const round = (n: number) => Math.round(n * 1e9) / 1e9;
