// Settles of admitted requests, sent to Redis in batches: every settle is added to an aggregate
// (concurrency slots per rule and node, token corrections per window bucket, reservation releases and
// spend per budget account), and ONE script call applies the aggregate. One batch is in flight at a time;
// the next is sent when it is acknowledged and at most every `delayMs`, so under load a batch carries
// many requests' settles at the cost of one. Batches carry increasing sequence numbers and Redis applies
// each once, so a batch whose reply was lost is retried (by `retry()`, on the heartbeat and when Redis
// returns) without counting twice. While Redis is away the aggregate keeps growing by distinct keys only
// (not by requests), so nothing is dropped however long the outage.

import type { RedisState } from './client.ts';
import { SETTLE } from './scripts.ts';

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
}

interface Batch {
  keys: string[];
  args: Array<string | number>;
}

export class SettleBatcher {
  private conc = new Map<string, Map<string, number>>();
  private tokens = new Map<string, Map<number, number>>();
  private budgets = new Map<string, Map<string, [number, number]>>();
  private size = 0;
  private inFlight: Batch | undefined;
  private failed = false;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private seq = 0;

  constructor(private readonly state: RedisState, private readonly live: string, private readonly seqKey: string, private readonly delayMs: number) {}

  add(e: SettleEntry): void {
    for (const k of e.conc) bump(this.conc, k, e.node, 1);
    if (e.tokenDelta !== 0) for (const k of e.windows) bump(this.tokens, k, e.bucket, e.tokenDelta);
    if (e.release > 0 || e.cost !== 0) {
      let byNode = this.budgets.get(e.budget);
      if (!byNode) this.budgets.set(e.budget, (byNode = new Map()));
      const v = byNode.get(e.node);
      if (v) { v[0] += e.release; v[1] += e.cost; } else byNode.set(e.node, [e.release, e.cost]);
    }
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

  /** Turns the aggregate into one SETTLE call and starts a new aggregate. */
  private take(): Batch {
    const keys = [this.live, this.seqKey];
    const index = new Map<string, number>();
    const ref = (k: string) => {
      let i = index.get(k);
      if (i === undefined) index.set(k, (i = keys.push(k)));
      return i;
    };
    const body: Array<string | number> = [];
    let nc = 0;
    let nt = 0;
    let nb = 0;
    for (const [k, byNode] of this.conc) for (const [node, n] of byNode) { body.push(ref(k), node, n); nc++; }
    for (const [k, byBucket] of this.tokens) for (const [bucket, d] of byBucket) if (d !== 0) { body.push(ref(k), bucket, d); nt++; }
    for (const [k, byNode] of this.budgets) for (const [node, [release, cost]] of byNode) { body.push(ref(k), node, release, cost); nb++; }
    this.conc = new Map();
    this.tokens = new Map();
    this.budgets = new Map();
    this.size = 0;
    return { keys, args: [++this.seq, nc, nt, nb, ...body] };
  }
}

function bump<K>(map: Map<string, Map<K, number>>, key: string, sub: K, n: number): void {
  let inner = map.get(key);
  if (!inner) map.set(key, (inner = new Map()));
  inner.set(sub, (inner.get(sub) ?? 0) + n);
}
