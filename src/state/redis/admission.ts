// Admission on Redis: rate limits (rpm/tpm sliding windows of 100 ms buckets, concurrency) and the
// budget check-and-reserve of every rule of a request in ONE atomic Lua evaluation on the Redis clock (the
// admissions of many requests share one script call: ./admit-batch.ts), so limits
// and budgets are exact across every gateway process sharing the Redis. Concurrency slots and budget
// reservations are held per process (node): the process heartbeats its node entry every third of the lease
// TTL, and a crashed process's slots and reservations stop counting once its entry lapses (within the TTL).
//
// Spend: the SQL ledger stays the truth; Redis holds the live counters. A key's account is seeded from
// the ledger the first time Redis has none (cold start, flushed Redis). Settles are fire-and-forget,
// batched (./settle-batch.ts: one script call for all settles of a few ms) and retried while Redis is away.
//
// A call that fails on the client (timeout, dropped connection) may still run in Redis later: its deadline on
// Redis's clock (./admit-batch.ts, ./clock.ts) makes it write nothing then; still, one sent before any clock
// estimate, or run in time with its reply lost, takes slots and reservations nobody will release: the process
// retires that node id and goes on under a new one. A retired id is heartbeaten only while requests admitted
// under it are unsettled, then lapses, and whatever a late call took under it stops counting within the TTL.
//
// A key in a group with a budget (groups.<name>.budget) reserves the same amount on the group's budget hash in
// the same script call (p:budget:@group:<name>, seeded and settled like a key's); other keys' calls are unchanged.
//
// Redis down: `reject` answers 503 state_unavailable; `allow` admits with this process's in-memory
// limits and budgets (same rules) and adds those requests' cost to the shared accounts when Redis returns.

import { GatewayError } from '../../contracts/errors.ts';
import { tokensFor } from '../../limits/admission.ts';
import { rateLimitError, rateLimitHeaders } from '../../limits/headers.ts';
import { type Denial, type LimitRule, ruleId } from '../../limits/rate-limiter.ts';
import { snapshotOf } from './admit-snapshot.ts';
import { rulesFor } from '../../limits/rules.ts';
import type { Logger } from '../../log.ts';
import { groupQuotaError, quotaError } from '../../runtime/budgets.ts';
import { groupAccount } from '../../store/spend-accounts.ts';
import type { Admission, AdmissionRequest, Ticket } from '../../runtime/contracts.ts';
import type { RedisState, ScriptReply } from './client.ts';
import { AdmitBatcher, type AdmitShape } from './admit-batch.ts';
import { HEARTBEAT, SEED, heartbeatTime } from './scripts.ts';
import { SettleBatcher } from './settle-batch.ts';

export interface RedisAdmissionOptions {
  /** How long a process's slots and reservations outlive its last heartbeat; it heartbeats at a third of it. */
  leaseTtlMs: number;
  /** This process's own admission, used while Redis is unavailable with on_unavailable: allow. */
  local: Admission;
  /** A key's persisted spend and top-ups, to seed its Redis account. */
  loadSpend: (name: string) => Promise<{ spentMicros: number; adjustMicros: number }>;
  log: Logger;
  /** Longest wait before a batch of settles is sent (default 5 ms). */
  settleDelayMs?: number;
}

/** A rule set's Redis keys for one key name, built once (rule sets are memoised per gateway × key × model). */
interface RuleKeys {
  /** The admission's keys and limits, as the batched admission script takes them. */
  shape: AdmitShape;
  /** Hashes of the rules with a concurrency limit (slots); of the rules with a tpm limit (token windows). */
  conc: string[];
  tpm: string[];
  budget: string;
  /** The group whose budget applies: its name, spend account and hash; absent when the group has none. */
  group?: string; groupAccount?: string; groupBudget?: string;
}

export class RedisAdmission implements Admission {
  private readonly keyMemo = new WeakMap<readonly LimitRule[], RuleKeys>();
  private readonly timer: ReturnType<typeof setInterval>;
  private readonly base = `${process.pid.toString(36)}${Date.now().toString(36)}${Math.random().toString(36).slice(2, 5)}`;
  private epoch = 0;
  /** This process's node id in Redis; a new one whenever the old one lapsed (stall, flushed Redis). */
  private node = `${this.base}.0`;
  private rotating: Promise<void> | undefined;
  /** Unsettled requests admitted under each node id (the current one and retired ones). */
  private readonly holding = new Map<string, number>();
  /** Node ids given up after a failed call; heartbeaten while requests admitted under them are unsettled. */
  private readonly retired = new Set<string>();
  private readonly live: string;
  /** How long a rule hash lives after its last renewal: past the 60 s window, and past 3 lease TTLs. */
  private readonly expireMs: number;
  /** Slots this process holds (under any of its ids) per rule hash: the heartbeat keeps those hashes alive. */
  private readonly slots = new Map<string, number>();
  private readonly settles: SettleBatcher;
  private readonly admissions: AdmitBatcher;
  /** Redis (re)connected: renew this process's entry and send what waited. */
  private readonly onReady = (): void => void this.tick();

  constructor(private readonly state: RedisState, private readonly options: RedisAdmissionOptions) {
    this.live = state.key('live');
    this.expireMs = Math.max(2 * 60_000 + 2000, 3 * options.leaseTtlMs);
    this.admissions = new AdmitBatcher(state, this.live, this.expireMs);
    this.settles = new SettleBatcher(state, state.key('sq', this.base), options.settleDelayMs ?? 5);
    this.timer = setInterval(() => void this.tick(), Math.max(50, Math.floor(options.leaseTtlMs / 3)));
    this.timer.unref?.();
    state.onReady(this.onReady);
    if (state.up) this.register();
  }

  admit(request: AdmissionRequest): Promise<Ticket> | Ticket {
    if (!this.state.up) return this.unavailable(request);
    return this.admitShared(request).catch((err: unknown) => {
      if (err instanceof GatewayError) throw err;
      return this.unavailable(request);
    });
  }

  /** Settles not yet acknowledged by Redis (tests, diagnostics). */
  get unsettled(): number {
    return this.settles.waiting;
  }

  close(): void {
    clearInterval(this.timer);
    this.state.offReady(this.onReady);
    this.settles.close();
  }

  private async admitShared(request: AdmissionRequest): Promise<Ticket> {
    const rules = rulesFor(request.gw, request.key, request.model);
    const tokens = Math.max(0, Math.ceil(tokensFor(rules, request)));
    const name = request.key.name;
    const rk = this.keysFor(rules, request);
    const amount = request.key.budgetMicros !== undefined || rk.groupBudget !== undefined ? Math.max(0, Math.ceil(request.reservationMicros)) : 0;
    let node = this.node;
    let reply: ScriptReply[];
    try {
      reply = await this.admissions.admit(rk.shape, node, tokens, amount);
      if (reply[0] === 'node') {
        await this.rotate(node);
        node = this.node;
        reply = await this.admissions.admit(rk.shape, node, tokens, amount);
      }
      // The key's account, then (with a group budget) the group's may each need seeding from the ledger.
      for (let i = 0; i < 2 && reply[0] === 'seed'; i++) {
        const group = reply[1] === 'g';
        const spend = await this.options.loadSpend(group ? rk.groupAccount! : name);
        await this.state.run(SEED, [group ? rk.groupBudget! : rk.budget], [spend.spentMicros, spend.adjustMicros]);
        reply = await this.admissions.admit(rk.shape, node, tokens, amount);
      }
    } catch (err) {
      this.retire(node);
      throw err;
    }
    if (reply[0] === 'deny') {
      const rule = rules[Number(reply[1]) - 1];
      const wait = Number(reply[4]);
      const denial: Denial = { rule, dimension: reply[2] as Denial['dimension'], limit: Number(reply[3]), retryAfterMs: wait < 0 ? undefined : wait };
      if (denial.dimension === 'tpm') denial.tokens = tokens;
      throw rateLimitError(denial, {});
    }
    if (reply[0] === 'quota') {
      const held = { spentMicros: Number(reply[2]), reservedMicros: Number(reply[3]) };
      throw reply[5] === 'g' ? groupQuotaError(rk.group!, Number(reply[1]), held, Number(reply[4])) : quotaError(name, Number(reply[1]), held, Number(reply[4]));
    }
    if (reply[0] !== 'ok') throw new Error(`unexpected admission reply ${String(reply[0])}`);

    const bucket = Number(reply[1]);
    const release = request.key.budgetMicros !== undefined ? amount : 0;
    let settled = false;
    this.holding.set(node, (this.holding.get(node) ?? 0) + 1);
    for (const k of rk.conc) this.slots.set(k, (this.slots.get(k) ?? 0) + 1);
    const groupBudget = rk.groupBudget;
    return {
      headers: rateLimitHeaders(snapshotOf(rules, reply)),
      budgetGroup: rk.group,
      settle: ({ usage, costMicros }) => {
        if (settled) return;
        settled = true;
        const left = (this.holding.get(node) ?? 1) - 1;
        if (left > 0) this.holding.set(node, left);
        else this.holding.delete(node);
        for (const k of rk.conc) {
          const n = (this.slots.get(k) ?? 1) - 1;
          if (n > 0) this.slots.set(k, n);
          else this.slots.delete(k);
        }
        const actual = usage ? Math.max(0, Math.ceil(usage.total_tokens || usage.prompt_tokens + usage.completion_tokens)) : -1;
        this.settles.add({
          node, conc: rk.conc, windows: rk.tpm, bucket, tokenDelta: tokens > 0 && actual >= 0 ? actual - tokens : 0,
          budget: rk.budget, release, cost: Math.max(0, Math.round(costMicros)), groupBudget, groupRelease: amount,
        });
      },
    };
  }

  /** The node id `lapsed` is no longer live in Redis: register a new one (once, however many requests saw it). */
  private rotate(lapsed: string): Promise<void> {
    if (lapsed === this.node && !this.rotating) {
      this.node = `${this.base}.${++this.epoch}`;
      this.register();
    }
    return this.rotating ?? Promise.resolve();
  }

  /**
   * A call under `failed` got no answer: it may still run in Redis and take what nobody releases. Go on
   * under a new id; the old one lapses once the requests admitted under it are settled (see tick).
   */
  private retire(failed: string): void {
    if (failed !== this.node) return;
    this.retired.add(failed);
    this.node = `${this.base}.${++this.epoch}`;
    this.options.log.warn('a Redis admission call failed; this process continues under a new node id, so anything the failed call may still take in Redis stops counting within lease_ttl_ms', { node: this.node });
    if (this.state.up) this.register();
  }

  private register(): void {
    const registering = this.beat(true).catch(() => {});
    this.rotating = registering;
    void registering.then(() => {
      if (this.rotating === registering) this.rotating = undefined;
    });
  }

  /** Renews this process's node entry; a lapsed one is replaced by a new id. */
  private async beat(fresh: boolean): Promise<void> {
    const node = this.node;
    const ok = await this.heartbeat(node, [this.live, ...this.slots.keys()], fresh);
    if (!ok && !fresh && node === this.node) await this.rotate(node);
  }

  /** One HEARTBEAT call (renewed?); its round trip and the TIME it ran at feed the Redis clock estimate. */
  private async heartbeat(node: string, keys: string[], fresh: boolean): Promise<boolean> {
    const sent = performance.now();
    const reply = await this.state.run(HEARTBEAT, keys, [node, this.options.leaseTtlMs, fresh ? 1 : 0, this.expireMs]);
    this.state.clock.learn(heartbeatTime(reply), sent, performance.now());
    return Array.isArray(reply) && Number(reply[0]) === 1;
  }

  /** Redis is down (or failed this call): refuse, or admit on this process's own counters. */
  private unavailable(request: AdmissionRequest): Ticket | Promise<Ticket> {
    if (this.state.settings.onUnavailable === 'reject') {
      throw new GatewayError({
        status: 503, type: 'api_error', code: 'state_unavailable', retryAfterMs: 2000,
        message: 'The gateway cannot reach its shared state store (Redis), so it cannot check limits and budgets right now. Retry shortly; the operator sees the cause on /ready.',
      });
    }
    const budget = this.state.key('budget', request.key.name);
    const reconcile = (ticket: Ticket): Ticket => ({
      headers: ticket.headers,
      budgetGroup: ticket.budgetGroup,
      settle: (actual) => {
        ticket.settle(actual);
        // The shared accounts learn this spend once Redis is back (only if they are seeded then).
        const groupBudget = ticket.budgetGroup !== undefined ? this.state.key('budget', groupAccount(ticket.budgetGroup)) : undefined;
        this.settles.add({ node: '-', conc: [], windows: [], bucket: 0, tokenDelta: 0, budget, release: 0, cost: Math.max(0, Math.round(actual.costMicros)), groupBudget });
      },
    });
    const local = this.options.local.admit(request);
    return local instanceof Promise ? local.then(reconcile) : reconcile(local);
  }

  /**
   * The Redis keys and fixed script arguments of a rule set, built once: rule sets are memoised per gateway ×
   * key × model (limits/rules.ts), so the key (its name and budget) and its group's budget (from the same
   * gateway snapshot: a reload makes new rule sets) are fixed for a rule set and this is decided
   * at compile time in effect. Shared arrays: never mutated.
   */
  private keysFor(rules: readonly LimitRule[], request: AdmissionRequest): RuleKeys {
    let entry = this.keyMemo.get(rules);
    if (!entry) {
      const { key } = request;
      const budget = this.state.key('budget', key.name);
      const group = request.gw.groups.get(key.group);
      const groupBudget = group?.budget ? this.state.key('budget', group.budget.name) : undefined;
      const ruleKeys: string[] = [];
      const ruleLimits: number[] = [];
      const conc: string[] = [];
      const tpm: string[] = [];
      for (const r of rules) {
        const w = this.state.key('w', ruleId(r));
        ruleKeys.push(w);
        ruleLimits.push(r.rpm ?? -1, r.tpm ?? -1, r.concurrency ?? -1);
        if (r.concurrency !== undefined) conc.push(w);
        if (r.tpm !== undefined) tpm.push(w);
      }
      const shape: AdmitShape = { budget, ruleKeys, ruleLimits, limit: key.budgetMicros ?? -1 };
      entry = { shape, conc, tpm, budget };
      if (group?.budget && groupBudget) {
        Object.assign(shape, { groupBudget, groupLimit: group.budget.budgetMicros });
        Object.assign(entry, { group: group.name, groupAccount: group.budget.name, groupBudget });
      }
      this.keyMemo.set(rules, entry);
    }
    return entry;
  }

  private async tick(): Promise<void> {
    if (!this.state.up) return;
    try {
      await (this.rotating ?? this.beat(false));
      for (const id of this.retired) {
        if (!this.holding.has(id)) this.retired.delete(id); // nothing unsettled under it: let it lapse
        else await this.heartbeat(id, [this.live], false);
      }
    } catch {
      // Redis went away mid-beat: the next tick retries.
    }
    this.settles.retry();
  }
}
