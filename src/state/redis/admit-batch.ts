// Admissions sent to Redis in batches: ONE script call (./admit-script.ts) evaluates many requests'
// admissions in order, each atomically and independently, with the same outcome as one call per request.
// An admission is sent at once when no batch is in flight (a lone request at a low rate never waits);
// while one is in flight, the admissions that arrive queue and go together as the next batch as soon as it
// is answered (at most MAX_BATCH per call; more go to the batches after). A failed call fails each of its
// admissions, as a failed single call would, and the admissions queued behind it with it (so a slow Redis
// costs a request at most one command timeout, as before batching). Each call carries a deadline on Redis's
// clock (./clock.ts): run after the process gave up on it (a stalled Redis resuming), it writes nothing.

import type { RedisState, ScriptReply } from './client.ts';
import { LONE_ARGS } from './admit-lone.ts';
import { ADMIT } from './admit-script.ts';

/** Admissions per script call at most: bounds the request to Redis and the time the script blocks it. */
export const MAX_BATCH = 96;

/** One admission's fixed part, built once per rule set (keys, limits). */
export interface AdmitShape {
  budget: string;
  /** Per rule: the rule's hash (windows and concurrency slots). */
  ruleKeys: readonly string[];
  /** Per rule: rpm, tpm, conc (-1 = none). */
  ruleLimits: readonly number[];
  /** Budget limit in micros, -1 = unlimited. */
  limit: number;
  /** The key's group's budget hash and limit (micros) when the group has a budget (groups.<name>.budget). */
  groupBudget?: string;
  groupLimit?: number;
}

/** A call's script keys and the arguments known before its admissions (built once per shape for a lone call). */
interface LoneCall {
  keys: string[];
  head: Array<string | number>;
  /** The lone layout (./admit-lone.ts): head is every argument, node, tokens and amount still to be set. */
  flat: boolean;
}

interface Pending {
  shape: AdmitShape;
  node: string;
  tokens: number;
  amount: number;
  resolve: (reply: ScriptReply[]) => void;
  reject: (err: unknown) => void;
}

export class AdmitBatcher {
  private queue: Pending[] = [];
  private inFlight = false;
  private readonly lone = new WeakMap<AdmitShape, LoneCall>();

  /** `expireMs`: how long a rule hash outlives its last renewal (the script pushes it out at half of it). */
  constructor(private readonly state: RedisState, private readonly live: string, private readonly expireMs: number) {}

  /** This admission's reply (ok / deny / quota / seed / node), from the batch it rode in. */
  admit(shape: AdmitShape, node: string, tokens: number, amount: number): Promise<ScriptReply[]> {
    return new Promise((resolve, reject) => {
      this.queue.push({ shape, node, tokens, amount, resolve, reject });
      if (!this.inFlight) this.send();
    });
  }

  private send(): void {
    const batch = this.queue.length <= MAX_BATCH ? this.queue : this.queue.slice(0, MAX_BATCH);
    this.queue = batch === this.queue ? [] : this.queue.slice(MAX_BATCH);
    if (batch.length === 0) return;
    this.inFlight = true;
    this.call(batch, true);
  }

  /** One script call for `batch`; `timed`: with a deadline on Redis's clock (when the process knows it). */
  private call(batch: Pending[], timed: boolean): void {
    let keys: string[];
    let args: Array<string | number>;
    let flat = false;
    if (batch.length === 1) {
      // The usual case at a low rate: the shape's prebuilt keys and arguments, plus this admission's three.
      const p = batch[0];
      let call = this.lone.get(p.shape);
      if (!call) this.lone.set(p.shape, (call = this.buildLone(p.shape)));
      keys = call.keys;
      flat = call.flat;
      if (flat) {
        args = call.head.slice();
        args[LONE_ARGS.node - 1] = p.node;
        args[LONE_ARGS.tokens - 1] = p.tokens;
        args[LONE_ARGS.amount - 1] = p.amount;
      } else {
        args = call.head.concat(1, p.node, p.tokens, p.amount);
      }
    } else {
      const shapes = new Map<AdmitShape, number>();
      for (const p of batch) if (!shapes.has(p.shape)) shapes.set(p.shape, shapes.size + 1);
      const call = this.build([...shapes.keys()]);
      keys = call.keys;
      args = call.head;
      args[1] = batch.length;
      for (const p of batch) args.push(shapes.get(p.shape)!, p.node, p.tokens, p.amount);
    }
    // The process gives up on the call after timeoutMs (the clients' command timeout, never earlier): a
    // call still queued in Redis then must write nothing (./admit-script.ts, ./clock.ts).
    const sentAt = performance.now();
    const deadline = timed ? this.state.clock.deadline(this.state.settings.timeoutMs, sentAt) : 0;
    args.push(deadline);
    let call: Promise<ScriptReply>;
    try {
      call = this.state.run(ADMIT, keys, args);
    } catch (err) {
      call = Promise.reject(err); // never leave the batcher stuck "in flight"
    }
    call.then((replies) => {
      if (deadline > 0 && (replies as ScriptReply[])[0] === 'expired') return this.expired(batch, sentAt);
      if (flat) return void this.resolveLone(batch[0], replies as ScriptReply[]);
      const list = replies as ScriptReply[][];
      for (let i = 0; i < batch.length; i++) batch[i].resolve(list[i]);
      this.next();
    }, (err: unknown) => {
      // The admissions that waited for this call fail with it: a Redis that just failed (usually timed out)
      // would make each of them wait a whole timeout more; so no request waits longer than one timeout.
      const waiting = this.queue;
      this.queue = [];
      for (const p of batch) p.reject(err);
      for (const p of waiting) p.reject(err);
      this.inFlight = false;
    });
  }

  /**
   * The call found its deadline passed, yet its reply reached a process still waiting for it: nothing was
   * written, so it is sent again, without a deadline (a healthy admission is never refused for a clock).
   * Answered within the timeout, the estimate itself was wrong (Redis's clock stepped forward): forget it
   * until the next heartbeat; later than that, the reply just beat the coarse timeout timer.
   */
  private expired(batch: Pending[], sentAt: number): void {
    if (performance.now() - sentAt < this.state.settings.timeoutMs) this.state.clock.forget();
    this.call(batch, false);
  }

  private resolveLone(p: Pending, reply: ScriptReply[]): void {
    p.resolve(reply);
    this.next();
  }

  /**
   * A lone call of this shape: the lone layout (./admit-lone.ts: fewer arguments, a flat reply, decided
   * here rather than in every call) when its rule hashes are distinct, else a batch of one.
   */
  private buildLone(s: AdmitShape): LoneCall {
    // The lone fast path knows one budget: a shape with a group budget goes as a batch of one (same round trip).
    if (s.groupBudget !== undefined) return this.build([s]);
    if (new Set([s.budget, ...s.ruleKeys]).size !== s.ruleKeys.length + 1) return this.build([s]);
    const conc = s.ruleLimits.some((v, i) => i % 3 === 2 && v >= 0);
    // Numbers as strings once here, so a call converts only its own three.
    const head: Array<string | number> = [conc ? 'c' : 'n', '', 0, 0, String(s.limit), String(this.expireMs)];
    for (const v of s.ruleLimits) head.push(String(v));
    return { keys: [this.live, s.budget, ...s.ruleKeys], head, flat: true };
  }

  /** KEYS and the ARGV head (counts, expiry, each shape once) of a call over these shapes; the admission count is 1 (set it for a batch). */
  private build(shapes: readonly AdmitShape[]): LoneCall {
    const keys = [this.live];
    const index = new Map<string, number>();
    const ref = (k: string): number => {
      let i = index.get(k);
      if (i === undefined) index.set(k, (i = keys.push(k)));
      return i;
    };
    const head: Array<string | number> = [shapes.length, 1, this.expireMs]; // [1]: admissions in the call
    for (const s of shapes) {
      const n = s.ruleKeys.length;
      head.push(ref(s.budget), n);
      for (let i = 0; i < n; i++) head.push(ref(s.ruleKeys[i]), s.ruleLimits[i * 3], s.ruleLimits[i * 3 + 1], s.ruleLimits[i * 3 + 2]);
      head.push(s.limit, s.groupBudget !== undefined ? ref(s.groupBudget) : 0, s.groupLimit ?? -1);
    }
    return { keys, head, flat: false };
  }

  private next(): void {
    this.inFlight = false;
    if (this.queue.length) this.send();
  }
}
