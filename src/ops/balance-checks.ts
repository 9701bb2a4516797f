// Upstream account balances (providers.<name>.balance; One API's CHANNEL_UPDATE_FREQUENCY): every
// `every_ms` each provider with a balance check reads its vendor's balance API (src/ops/balance-kinds.ts)
// in the background, on its own unref'd timer, never on a request's path. A check is not traffic: it
// writes no ledger row and does not touch circuit breakers. The last good value is kept (with its time)
// when a later check fails; the failure is kept as a short, sanitized message. `warn_below` logs one
// warning when the balance drops below it. One instance per running gateway: configure() at start and
// after every reload (timers of unchanged providers keep running), stop() at shutdown.

import type { CompiledProvider } from '../compile/types.ts';
import type { Runtime } from '../runtime/runtime.ts';
import { BalanceError, getBalanceJson } from '../upstream/balance-fetch.ts';
import { type BalanceKind, type BalanceSettings, apiRootOf, balanceSettings, readBalance } from './balance-kinds.ts';

/** Delay of a provider's first check after start or after its balance settings changed. */
const FIRST_CHECK_MS = 250;
/** Longest wait for one balance answer (less when the provider's timeout_ms is shorter). */
const MAX_TIMEOUT_MS = 15_000;

/** One provider's balance as GET /admin/providers shows it. */
export interface BalanceView {
  kind: BalanceKind;
  every_ms: number;
  /** The last good reading (kept when later checks fail); null before the first success. */
  amount: number | null;
  currency: string | null;
  /** When the last good reading was taken (ISO), and its age in seconds. */
  checked_at: string | null;
  age_s: number | null;
  warn_below: number | null;
  /** The latest check's failure (absent when it succeeded), short and sanitized, and when it happened. */
  error?: string;
  error_at?: string;
}

interface Entry {
  readonly signature: string;
  settings: BalanceSettings;
  timer?: ReturnType<typeof setTimeout>;
  running?: Promise<void>;
  last?: { amount: number; currency: string; at: number };
  error?: { message: string; at: number };
  /** Was the last reading below warn_below (so the warning is logged once per drop)? */
  below: boolean;
}

export class BalanceChecks {
  private readonly entries = new Map<string, Entry>();
  private stopped = false;
  private readonly cancel = new AbortController();

  constructor(private readonly rt: Runtime) {}

  /** (Re)schedules from the active config; call at start and after every reload. */
  configure(): void {
    if (this.stopped) return;
    const seen = new Set<string>();
    for (const provider of this.rt.current().providers.values()) {
      const settings = balanceSettings(provider);
      if (!settings) continue;
      seen.add(provider.name);
      const signature = signatureOf(provider, settings);
      const entry = this.entries.get(provider.name);
      if (entry?.signature === signature) {
        entry.settings = settings; // warn_below may change without a new check
        continue;
      }
      if (entry) clearTimeout(entry.timer);
      const fresh: Entry = { signature, settings, below: false };
      this.entries.set(provider.name, fresh);
      this.schedule(provider.name, fresh, FIRST_CHECK_MS);
    }
    for (const [name, entry] of this.entries) {
      if (seen.has(name)) continue;
      clearTimeout(entry.timer);
      this.entries.delete(name);
    }
  }

  /** The provider's balance for the admin API, or null when it has no balance check. */
  view(provider: string, now = Date.now()): BalanceView | null {
    const e = this.entries.get(provider);
    if (!e) return null;
    const iso = (ms: number) => new Date(ms).toISOString();
    return {
      kind: e.settings.kind, every_ms: e.settings.everyMs,
      amount: e.last?.amount ?? null, currency: e.last?.currency ?? null,
      checked_at: e.last ? iso(e.last.at) : null, age_s: e.last ? Math.max(0, Math.round((now - e.last.at) / 1000)) : null,
      warn_below: e.settings.warnBelow ?? null,
      ...(e.error ? { error: e.error.message, error_at: iso(e.error.at) } : {}),
    };
  }

  /** Last good readings, for the switchyard_provider_balance gauge (configured providers only). */
  gauges(): Array<{ provider: string; currency: string; amount: number }> {
    return [...this.entries].flatMap(([provider, e]) => (e.last ? [{ provider, currency: e.last.currency, amount: e.last.amount }] : []));
  }

  /** Stops every timer and cancels the checks in progress. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.cancel.abort();
    const running = [...this.entries.values()].map((e) => {
      clearTimeout(e.timer);
      return e.running;
    });
    await Promise.all(running);
  }

  /** Checks one provider now (POST /admin/providers/{name}/balance) and restarts its interval; null without a check. */
  async checkNow(name: string): Promise<BalanceView | null> {
    const entry = this.entries.get(name);
    if (!entry) return null;
    if (!entry.running && !this.stopped) {
      clearTimeout(entry.timer);
      this.run(name, entry);
    }
    await entry.running;
    return this.view(name);
  }

  private schedule(name: string, entry: Entry, delayMs: number): void {
    if (this.stopped || this.entries.get(name) !== entry) return;
    entry.timer = setTimeout(() => this.run(name, entry), delayMs);
    entry.timer.unref?.();
  }

  private run(name: string, entry: Entry): void {
    entry.running = this.check(name, entry).finally(() => {
      entry.running = undefined;
      this.schedule(name, entry, entry.settings.everyMs);
    });
  }

  /** One check of one provider; never throws. */
  private async check(name: string, entry: Entry): Promise<void> {
    const gw = this.rt.current();
    const provider = gw.providers.get(name);
    if (!provider) return;
    const { settings } = entry;
    const apiKey = settings.apiKey ?? provider.view.apiKey;
    const secrets = apiKey ? [apiKey, ...gw.secrets] : gw.secrets;
    try {
      const headers = authHeaders(provider, apiKey);
      const root = apiRootOf(provider);
      if (!root) throw new BalanceError(`provider "${name}" has no base_url to read its balance from`);
      const get = { provider: name, headers, timeoutMs: Math.min(MAX_TIMEOUT_MS, provider.timeoutMs), signal: this.cancel.signal, secrets };
      const reading = await readBalance(settings.kind, root, settings, (url) => getBalanceJson(url, get));
      if (this.entries.get(name) !== entry) return; // replaced by a reload meanwhile
      if (entry.error) this.rt.log.info('provider balance check recovered', { provider: name, kind: settings.kind });
      entry.last = { ...reading, at: Date.now() };
      entry.error = undefined;
      this.alert(name, entry);
    } catch (err) {
      if (this.stopped || this.entries.get(name) !== entry) return;
      const message = err instanceof BalanceError ? err.message : 'the balance could not be read';
      // One line per change of the failure, not one per check.
      if (entry.error?.message !== message) this.rt.log.warn('provider balance check failed', { provider: name, kind: settings.kind, error: message });
      entry.error = { message, at: Date.now() };
    }
  }

  private alert(name: string, entry: Entry): void {
    const threshold = entry.settings.warnBelow;
    const last = entry.last;
    if (threshold === undefined || !last) return;
    const below = last.amount < threshold;
    if (below && !entry.below) {
      this.rt.log.warn('provider balance below warn_below', { provider: name, amount: last.amount, currency: last.currency, warn_below: threshold });
    }
    entry.below = below;
  }
}

/** The provider's headers with `Authorization: Bearer <key>` (replacing one from headers); a header-only credential as is. */
function authHeaders(provider: CompiledProvider, apiKey: string | undefined): Record<string, string> {
  const headers = { ...provider.view.headers };
  const given = Object.keys(headers).filter((h) => h.toLowerCase() === 'authorization');
  if (!apiKey) {
    if (given.length) return headers;
    throw new BalanceError(`provider "${provider.name}" has no api_key (nor balance.api_key) to authenticate the balance call`);
  }
  for (const h of given) delete headers[h];
  headers.authorization = `Bearer ${apiKey}`;
  return headers;
}

/** What identifies one account's check: a change restarts it (and drops the old reading). */
function signatureOf(provider: CompiledProvider, s: BalanceSettings): string {
  return JSON.stringify([provider.adapter.id, apiRootOf(provider), provider.view.apiKey ?? '', provider.view.headers, s.kind, s.everyMs, s.currency ?? '', s.apiKey ?? '']);
}
