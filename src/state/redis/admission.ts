// Admission on Redis: rate limits (rpm/tpm sliding windows, concurrency leases) and the budget
// check-and-reserve of every rule of a request in ONE atomic Lua call on the Redis clock, so limits and
// budgets are exact across every gateway process sharing the Redis. Live requests renew their leases
// and reservations; a crashed process's slots and reservations expire within the lease TTL.
//
// Spend: the SQL ledger stays the truth; Redis holds the live counters. A key's account is seeded from
// the ledger the first time Redis has none (cold start, flushed Redis). Settles are fire-and-forget and
// retried while Redis is away; if too many pile up, the affected accounts are dropped so they are
// re-seeded from the ledger instead of drifting.
//
// Redis down: `reject` answers 503 state_unavailable; `allow` admits with this process's in-memory
// limits and budgets (same rules) and adds those requests' cost to the shared accounts when Redis returns.

import { GatewayError } from '../../contracts/errors.ts';
import { tokensFor } from '../../limits/admission.ts';
import { rateLimitError, rateLimitHeaders } from '../../limits/headers.ts';
import { type Denial, type FamilyStatus, type LimitRule, type LimitSnapshot, ruleId } from '../../limits/rate-limiter.ts';
import { rulesFor } from '../../limits/rules.ts';
import type { Logger } from '../../log.ts';
import { quotaError } from '../../runtime/budgets.ts';
import type { Admission, AdmissionRequest, Ticket } from '../../runtime/contracts.ts';
import type { RedisState, ScriptReply } from './client.ts';
import { ADMIT, RENEW, SEED, SETTLE } from './scripts.ts';

export interface RedisAdmissionOptions {
  /** Lease and reservation TTL; live requests renew at a third of it. */
  leaseTtlMs: number;
  /** This process's own admission, used while Redis is unavailable with on_unavailable: allow. */
  local: Admission;
  /** A key's persisted spend and top-ups, to seed its Redis account. */
  loadSpend: (name: string) => Promise<{ spentMicros: number; adjustMicros: number }>;
  log: Logger;
}

interface Pending {
  keys: string[];
  args: Array<string | number>;
  /** Budget hash, dropped (re-seeded later) if this settle is given up. */
  account: string;
}

const MAX_PENDING = 10_000;

/** A rule set's Redis keys: ADMIT/SETTLE keys, and the lease keys a live request renews (without / with its budget). */
interface RuleKeys {
  keys: string[];
  renewConc: string[];
  renewAll: string[];
}

export class RedisAdmission implements Admission {
  private readonly live = new Map<string, string[]>();
  private readonly keyMemo = new WeakMap<readonly LimitRule[], Map<string, RuleKeys>>();
  private readonly pending: Pending[] = [];
  private readonly timer: ReturnType<typeof setInterval>;
  private seq = 0;
  private readonly node = `${process.pid.toString(36)}${Date.now().toString(36)}`;

  constructor(private readonly state: RedisState, private readonly options: RedisAdmissionOptions) {
    this.timer = setInterval(() => void this.tick(), Math.max(50, Math.floor(options.leaseTtlMs / 3)));
    this.timer.unref?.();
  }

  admit(request: AdmissionRequest): Promise<Ticket> | Ticket {
    if (!this.state.up) return this.unavailable(request);
    return this.admitShared(request).catch((err: unknown) => {
      if (err instanceof GatewayError) throw err;
      return this.unavailable(request);
    });
  }

  /** Requests holding leases on this process (tests, diagnostics). */
  get leases(): number {
    return this.live.size;
  }

  close(): void {
    clearInterval(this.timer);
  }

  private async admitShared(request: AdmissionRequest): Promise<Ticket> {
    const rules = rulesFor(request.gw, request.key, request.model);
    const tokens = Math.max(0, Math.ceil(tokensFor(rules, request)));
    const amount = request.key.budgetMicros !== undefined ? Math.max(0, Math.ceil(request.reservationMicros)) : 0;
    const name = request.key.name;
    const id = `${this.node}.${(++this.seq).toString(36)}`;
    const { keys, renewConc, renewAll } = this.keysFor(rules, name);
    const args: Array<string | number> = [id, tokens, this.options.leaseTtlMs, rules.length];
    for (const r of rules) args.push(r.rpm ?? -1, r.tpm ?? -1, r.concurrency ?? -1);
    args.push(request.key.budgetMicros ?? -1, amount, 1);

    let reply = (await this.state.run(ADMIT, keys, args)) as ScriptReply[];
    if (reply[0] === 'seed') {
      const spend = await this.options.loadSpend(name);
      await this.state.run(SEED, [keys[keys.length - 3]], [spend.spentMicros, spend.adjustMicros]);
      reply = (await this.state.run(ADMIT, keys, args)) as ScriptReply[];
    }
    if (reply[0] === 'deny') {
      const rule = rules[Number(reply[1]) - 1];
      const wait = Number(reply[4]);
      const denial: Denial = { rule, dimension: reply[2] as Denial['dimension'], limit: Number(reply[3]), retryAfterMs: wait < 0 ? undefined : wait };
      if (denial.dimension === 'tpm') denial.tokens = tokens;
      throw rateLimitError(denial, {});
    }
    if (reply[0] === 'quota') {
      throw quotaError(name, Number(reply[1]), { spentMicros: Number(reply[2]), reservedMicros: Number(reply[3]) }, Number(reply[4]));
    }
    if (reply[0] !== 'ok') throw new Error(`unexpected admission reply ${String(reply[0])}`);

    const renewKeys = request.key.budgetMicros !== undefined ? renewAll : renewConc;
    if (renewKeys.length) this.live.set(id, renewKeys);
    let settled = false;
    return {
      headers: rateLimitHeaders(snapshotOf(rules, reply.slice(1).map(Number))),
      settle: ({ usage, costMicros }) => {
        if (settled) return;
        settled = true;
        this.live.delete(id);
        const actual = usage ? usage.total_tokens || usage.prompt_tokens + usage.completion_tokens : -1;
        this.send({ keys, args: [id, rules.length, tokens > 0 ? Math.max(0, Math.ceil(actual)) : -1, Math.max(0, Math.round(costMicros)), 1], account: keys[keys.length - 3] });
      },
    };
  }

  /** Redis is down (or failed this call): refuse, or admit on this process's own counters. */
  private unavailable(request: AdmissionRequest): Ticket | Promise<Ticket> {
    if (this.state.settings.onUnavailable === 'reject') {
      throw new GatewayError({
        status: 503, type: 'api_error', code: 'state_unavailable', retryAfterMs: 2000,
        message: 'The gateway cannot reach its shared state store (Redis), so it cannot check limits and budgets right now. Retry shortly; the operator sees the cause on /ready.',
      });
    }
    const reconcile = (ticket: Ticket): Ticket => ({
      headers: ticket.headers,
      settle: (actual) => {
        ticket.settle(actual);
        // The shared account learns this spend once Redis is back (only if it is seeded then).
        const { keys } = this.keysFor([], request.key.name);
        this.send({ keys, args: ['-', 0, -1, Math.max(0, Math.round(actual.costMicros)), 1], account: keys[0] });
      },
    });
    const local = this.options.local.admit(request);
    return local instanceof Promise ? local.then(reconcile) : reconcile(local);
  }

  /**
   * The Redis keys of a rule set and key name, built once: rule sets are memoised per gateway × key × model
   * (limits/rules.ts), so this is decided at compile time in effect, not per request. Shared arrays: never mutated.
   */
  private keysFor(rules: readonly LimitRule[], name: string): RuleKeys {
    let byName = this.keyMemo.get(rules);
    if (!byName) this.keyMemo.set(rules, (byName = new Map()));
    let entry = byName.get(name);
    if (!entry) {
      const keys: string[] = [];
      for (const r of rules) {
        const base = ['rl', ruleId(r)];
        keys.push(this.state.key(...base, 'rpm'), this.state.key(...base, 'tpmz'), this.state.key(...base, 'tpmh'), this.state.key(...base, 'conc'));
      }
      keys.push(this.state.key('budget', name), this.state.key('budget', name, 'resz'), this.state.key('budget', name, 'resh'));
      const renewConc = rules.filter((r) => r.concurrency !== undefined).map((r) => this.state.key('rl', ruleId(r), 'conc'));
      entry = { keys, renewConc, renewAll: [...renewConc, keys[keys.length - 2]!] };
      if (byName.size < 10_000) byName.set(name, entry);
    }
    return entry;
  }


  private send(p: Pending): void {
    if (this.state.up && this.pending.length === 0) {
      this.state.run(SETTLE, p.keys, p.args).catch(() => this.queue(p));
      return;
    }
    this.queue(p);
  }

  private queue(p: Pending): void {
    this.pending.push(p);
    if (this.pending.length > MAX_PENDING) {
      const dropped = this.pending.splice(0, this.pending.length - MAX_PENDING);
      this.options.log.error('redis settle backlog full; affected budget accounts will be rebuilt from the ledger', { dropped: dropped.length });
      const accounts = new Set(dropped.map((d) => d.account));
      this.resetOnReturn.push(...accounts);
    }
  }

  private readonly resetOnReturn: string[] = [];

  private async tick(): Promise<void> {
    if (!this.state.up) return;
    try {
      if (this.resetOnReturn.length) await this.state.client.del(...this.resetOnReturn.splice(0));
      while (this.pending.length) {
        await this.state.run(SETTLE, this.pending[0].keys, this.pending[0].args);
        this.pending.shift();
      }
      if (this.live.size) {
        const keys: string[] = [];
        const ids: string[] = [];
        for (const [id, list] of this.live) for (const k of list) { keys.push(k); ids.push(id); }
        await this.state.run(RENEW, keys, [this.options.leaseTtlMs, ...ids]);
      }
    } catch {
      // Redis went away mid-tick: the next tick retries.
    }
  }
}

/** The tightest rpm and tpm status from the script's per-rule numbers (used, reset ms). */
function snapshotOf(rules: readonly LimitRule[], nums: number[]): LimitSnapshot {
  let requests: FamilyStatus | undefined;
  let tokens: FamilyStatus | undefined;
  rules.forEach((r, i) => {
    const [rpmUsed, rpmReset, tpmUsed, tpmReset] = nums.slice(i * 4, i * 4 + 4);
    if (r.rpm !== undefined) requests = tighter(requests, { limit: r.rpm, remaining: Math.max(0, r.rpm - rpmUsed), resetMs: rpmReset });
    if (r.tpm !== undefined) tokens = tighter(tokens, { limit: r.tpm, remaining: Math.max(0, r.tpm - tpmUsed), resetMs: tpmReset });
  });
  return { requests, tokens };
}

function tighter(a: FamilyStatus | undefined, b: FamilyStatus): FamilyStatus {
  if (!a) return b;
  if (b.remaining !== a.remaining) return b.remaining < a.remaining ? b : a;
  return b.limit < a.limit ? b : a;
}
