// The floor ladder's admission (issue 13): rate limits and a budget in their cheapest form, written
// directly for bench/floor-ladder.ts. Limits: per rule (the key's and its group's) an rpm and a tpm sliding
// 60 s window as a ring of 100 ms buckets (the algorithm of src/limits/sliding-window.ts, inlined and
// without its clock clamp and waitFor/reset walks: a refusal is never taken here) and a concurrency counter;
// checked and counted before the call, tpm corrected to the actual tokens after it. Budget: a synchronous
// check-and-reserve of the worst-case cost before, settled with the actual cost after (as src/runtime/budgets.ts).
// Nothing here imports src/: this is what the runtime leaves, not what the gateway does.

const WINDOW_MS = 60_000;
const BUCKET_MS = 100;
const SLOTS = WINDOW_MS / BUCKET_MS;

export class Ring {
  readonly amounts = new Float64Array(SLOTS);
  readonly buckets = new Float64Array(SLOTS).fill(-1);
  sum = 0;
  firstLive = 0;

  /** Drops the buckets that left the window ending at `now`; returns the amount still counted. */
  used(now: number): number {
    const firstLive = Math.floor((now - WINDOW_MS) / BUCKET_MS) + 1;
    if (firstLive > this.firstLive) {
      if (firstLive - this.firstLive >= SLOTS) {
        this.amounts.fill(0);
        this.buckets.fill(-1);
        this.sum = 0;
      } else {
        for (let b = this.firstLive; b < firstLive; b++) {
          const slot = b % SLOTS;
          if (this.buckets[slot] === b) {
            this.sum -= this.amounts[slot]!;
            this.amounts[slot] = 0;
            this.buckets[slot] = -1;
          }
        }
      }
      this.firstLive = firstLive;
    }
    return this.sum;
  }

  /** Adds `amount` at `now` (after used(now)); returns the bucket number, to correct it later. */
  add(amount: number, now: number): number {
    const bucket = Math.floor(now / BUCKET_MS);
    const slot = bucket % SLOTS;
    if (this.buckets[slot] !== bucket) {
      this.buckets[slot] = bucket;
      this.amounts[slot] = 0;
    }
    this.amounts[slot] += amount;
    this.sum += amount;
    return bucket;
  }

  /** Replaces `from` (added in `bucket`) by `to`, if that bucket is still in the window. */
  adjust(bucket: number, from: number, to: number): void {
    const slot = bucket % SLOTS;
    if (bucket >= this.firstLive && this.buckets[slot] === bucket) {
      this.amounts[slot] += to - from;
      this.sum += to - from;
    }
  }
}

export interface Rule {
  rpm: number;
  tpm: number;
  concurrency: number;
  requests: Ring;
  tokens: Ring;
  inFlight: number;
}

export const rule = (rpm: number, tpm: number, concurrency: number): Rule => ({ rpm, tpm, concurrency, requests: new Ring(), tokens: new Ring(), inFlight: 0 });

/** Which check refused, or '' when both rules admit; counts the request in both when admitted. */
export function admit(key: Rule, group: Rule, estimate: number, now: number): string {
  if (key.inFlight >= key.concurrency || group.inFlight >= group.concurrency) return 'concurrency';
  if (key.requests.used(now) + 1 > key.rpm || group.requests.used(now) + 1 > group.rpm) return 'rpm';
  if (key.tokens.used(now) + estimate > key.tpm || group.tokens.used(now) + estimate > group.tpm) return 'tpm';
  key.requests.add(1, now);
  group.requests.add(1, now);
  key.tokens.add(estimate, now);
  group.tokens.add(estimate, now);
  key.inFlight++;
  group.inFlight++;
  return '';
}

/** After the call: the token estimate counted at `admittedAt` becomes the actual count; one fewer in flight. */
export function release(key: Rule, group: Rule, admittedAt: number, estimate: number, actual: number): void {
  const bucket = Math.floor(admittedAt / BUCKET_MS);
  key.tokens.adjust(bucket, estimate, actual);
  group.tokens.adjust(bucket, estimate, actual);
  key.inFlight--;
  group.inFlight--;
}

export interface Account {
  budgetMicros: number;
  spentMicros: number;
  reservedMicros: number;
}

/** Reserves the worst case; false when it does not fit (spent + reserved + worst case > budget). */
export function reserve(a: Account, worstMicros: number): boolean {
  if (a.spentMicros + a.reservedMicros + worstMicros > a.budgetMicros) return false;
  a.reservedMicros += worstMicros;
  return true;
}

export function settle(a: Account, worstMicros: number, actualMicros: number): void {
  a.reservedMicros -= worstMicros;
  a.spentMicros += actualMicros;
}

/** Integer micro-dollars for a price per million tokens (input, output). */
export const costMicros = (inPerM: number, outPerM: number, prompt: number, completion: number) => Math.round(prompt * inPerM + completion * outPerM);

/** Undoes an admission whose request never ran (the budget refused it): counts nothing, frees its slot. */
export function cancel(key: Rule, group: Rule, admittedAt: number, estimate: number): void {
  const bucket = Math.floor(admittedAt / BUCKET_MS);
  key.requests.adjust(bucket, 1, 0);
  group.requests.adjust(bucket, 1, 0);
  release(key, group, admittedAt, estimate, 0);
}

/** ms until the oldest live bucket leaves the window (the reset headers' cheapest form). */
export const resetMs = (r: Ring, now: number) => Math.max(0, r.firstLive * BUCKET_MS + WINDOW_MS - now);
