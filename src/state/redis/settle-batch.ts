// Settles of admitted requests, sent to Redis in batches: every settle is added to an aggregate per rule
// hash (concurrency slots per node, token corrections per window bucket) and per budget account
// (reservation releases per node, spend), and ONE script call applies the aggregate. One batch is in flight at a time;
// the next is sent when it is acknowledged and at most every `delayMs`, so under load a batch carries
// many requests' settles at the cost of one. Batches carry increasing sequence numbers and Redis applies
// each once, so a batch whose reply was lost is retried (by `retry()`, on the heartbeat and when Redis
// returns) without counting twice. While Redis is away the aggregate keeps growing by distinct keys only
// (not by requests), so nothing is dropped however long the outage.

import type { RedisState } from './client.ts';
import { BUCKET_MS } from './scripts.ts';
import { SETTLE } from './settle-script.ts';

/** A settle as the aggregate takes it: what to give back and what to add. */
export interface SettleEntry {
  node: string;
  /** Concurrency hashes of the request's rules holding a slot. */
  conc: readonly string[];
  /** Window hashes of the rules that counted tokens, the bucket and the correction (actual − reserved). */
  windows: readonly string[];
  bucket: number;
  tokenDelta: number;
  budget: string;
  release: number;
  cost: number;
  /** The group budget's hash when the request counted against it: `cost` is added there too. */
  groupBudget?: string;
  /** The reservation held on the group budget (released there). */
  groupRelease?: number;
}

interface Batch {
  keys: string[];
  args: Array<string | number>;
}

/** What a batch does to one rule hash: slots to release per node, token corrections per bucket. */
interface RuleAggregate {
  conc: Map<string, number>;
  tokens: Map<number, number>;
}

/** What a batch does to one budget account: cost to add, reservations to release per node. */
interface BudgetAggregate {
  cost: number;
  release: Map<string, number>;
}

const SLOTS = 60_000 / BUCKET_MS;

export class SettleBatcher {
  private rules = new Map<string, RuleAggregate>();
  private budgets = new Map<string, BudgetAggregate>();
  private size = 0;
  private inFlight: Batch | undefined;
  private failed = false;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private seq = 0;

  constructor(private readonly state: RedisState, private readonly seqKey: string, private readonly delayMs: number) {}

  add(e: SettleEntry): void {
    for (const k of e.conc) bump(this.rule(k).conc, e.node, 1);
    if (e.tokenDelta !== 0) for (const k of e.windows) bump(this.rule(k).tokens, e.bucket, e.tokenDelta);
    if (e.release > 0 || e.cost !== 0) {
      let b = this.budgets.get(e.budget);
      if (!b) this.budgets.set(e.budget, (b = { cost: 0, release: new Map() }));
      b.cost += e.cost;
      if (e.release > 0) bump(b.release, e.node, e.release);
    }
    if (e.groupBudget !== undefined) this.addGroup(e);
    this.size++;
    if (!this.timer && !this.inFlight) this.timer = setTimeout(() => this.flush(), this.delayMs);
  }
  /** Settles not yet acknowledged by Redis (tests, diagnostics). */
  get waiting(): number {
    return this.size + (this.inFlight ? 1 : 0);
  }

  /** Resends a batch whose reply never came, then sends what accumulated (heartbeat, Redis back). */
  retry(): void {
    if (!this.state.up) return;
    if (this.inFlight && this.failed) this.send(this.inFlight);
    else if (!this.inFlight) this.flush();
  }

  close(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private flush(): void {
    this.timer = undefined;
    if (this.inFlight || this.size === 0 || !this.state.up) return;
    this.send(this.take());
  }

  private send(batch: Batch): void {
    this.inFlight = batch;
    this.failed = false;
    this.state.run(SETTLE, batch.keys, batch.args).then(() => {
      this.inFlight = undefined;
      if (this.size && !this.timer) this.timer = setTimeout(() => this.flush(), this.delayMs);
    }, () => {
      this.failed = true;
    });
  }

  /** Turns the aggregate into one SETTLE call (the script's argument layout: ./settle-script.ts). */
  private take(): Batch {
    const keys = [this.seqKey];
    const ruleArgs: Array<string | number> = [];
    const budgetArgs: Array<string | number> = [];
    let nh = 0;
    let nb = 0;
    for (const [k, r] of this.rules) {
      const tokens: Array<string | number> = [];
      for (const [bucket, d] of r.tokens) if (d !== 0) tokens.push(`t${bucket % SLOTS}`, bucket, d);
      if (r.conc.size === 0 && tokens.length === 0) continue;
      keys.push(k);
      nh++;
      ruleArgs.push(r.conc.size, tokens.length / 3);
      for (const [node, n] of r.conc) ruleArgs.push(`c:${node}`, n);
      for (const t of tokens) ruleArgs.push(t);
    }
    for (const [k, b] of this.budgets) {
      keys.push(k);
      nb++;
      budgetArgs.push(b.cost, b.release.size);
      for (const [node, n] of b.release) budgetArgs.push(`h:${node}`, n);
    }
    this.rules = new Map();
    this.budgets = new Map();
    this.size = 0;
    return { keys, args: [++this.seq, nh, nb, ...ruleArgs, ...budgetArgs] };
  }

  /** A group budget's share of a settle: the same cost, and the group's own reservation released. */
  private addGroup(e: SettleEntry): void {
    const k = e.groupBudget!;
    let g = this.budgets.get(k);
    if (!g) this.budgets.set(k, (g = { cost: 0, release: new Map() }));
    g.cost += e.cost;
    if (e.groupRelease !== undefined && e.groupRelease > 0) bump(g.release, e.node, e.groupRelease);
  }

  private rule(k: string): RuleAggregate {
    let r = this.rules.get(k);
    if (!r) this.rules.set(k, (r = { conc: new Map(), tokens: new Map() }));
    return r;
  }
}

function bump<K>(map: Map<K, number>, sub: K, n: number): void {
  map.set(sub, (map.get(sub) ?? 0) + n);
}
