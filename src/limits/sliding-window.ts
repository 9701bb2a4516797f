// A sliding 60 s window kept as a ring of 100 ms buckets: fixed memory and O(1) work per request, with
// no per-request objects kept alive for a minute (an entry log costs GC time at thousands of requests a
// second). Counts are exact; only time is quantised: an amount added at t leaves the window at
// floor(t / 100 ms) × 100 ms + 60 s, at most 100 ms before t + 60 s. An amount can be corrected (tpm:
// actual tokens at settle) or zeroed (a cancelled admission) while its bucket is still in the window.

export const WINDOW_MS = 60_000;
const BUCKET_MS = 100;
const SLOTS = WINDOW_MS / BUCKET_MS;

export class SlidingWindow {
  private readonly amounts = new Float64Array(SLOTS);
  /** The bucket number each slot currently holds (-1: empty). */
  private readonly buckets = new Float64Array(SLOTS).fill(-1);
  private sum = 0;
  /** Every bucket below this number has left the window. */
  private firstLive = 0;
  private lastNow = 0;
  /** No bucket below this number holds an amount (only moves forward: the walks stay amortised O(1)). */
  private firstUsed = 0;

  /** Amount counted in the window ending at `now`. */
  used(now: number): number {
    now = this.clamp(now);
    this.prune(now);
    return this.sum;
  }

  /**
   * ms until `need` more fits under `limit` (0 = fits now). Infinity when it can never fit
   * (need alone is larger than the limit).
   */
  waitFor(need: number, limit: number, now: number): number {
    now = this.clamp(now);
    this.prune(now);
    if (this.sum + need <= limit) return 0;
    if (need > limit) return Infinity;
    let freed = 0;
    for (let b = this.oldestUsed(now); b <= this.current(now); b++) {
      const slot = b % SLOTS;
      if (this.buckets[slot] !== b || this.amounts[slot] <= 0) continue;
      freed += this.amounts[slot];
      if (this.sum - freed + need <= limit) return Math.max(1, b * BUCKET_MS + WINDOW_MS - now);
    }
    return WINDOW_MS; // unreachable: freeing everything always fits need <= limit
  }

  /** ms until the oldest counted amount leaves the window (0 when the window is empty). */
  nextFreeMs(now: number): number {
    now = this.clamp(now);
    this.prune(now);
    if (this.sum <= 0) return 0;
    const b = this.oldestUsed(now);
    return b <= this.current(now) ? Math.max(0, b * BUCKET_MS + WINDOW_MS - now) : 0;
  }

  /** The oldest live bucket holding a positive amount (current + 1 when none). */
  private oldestUsed(now: number): number {
    const last = this.current(now);
    let b = Math.max(this.firstUsed, this.firstLive);
    while (b <= last) {
      const slot = b % SLOTS;
      if (this.buckets[slot] === b && this.amounts[slot] > 0) break;
      b++;
    }
    this.firstUsed = b;
    return b;
  }

  /** Counts `amount` at `now`; returns its bucket, for a later adjust(). */
  add(amount: number, now: number): number {
    now = this.clamp(now);
    this.prune(now);
    const bucket = this.current(now);
    const slot = bucket % SLOTS;
    if (this.buckets[slot] !== bucket) {
      this.buckets[slot] = bucket;
      this.amounts[slot] = 0;
    }
    this.amounts[slot] += amount;
    this.sum += amount;
    if (bucket < this.firstUsed) this.firstUsed = bucket;
    return bucket;
  }

  /** Replaces `was`, counted in `bucket` by add(), with `amount`; a bucket that already left the window changes nothing. */
  adjust(bucket: number, was: number, amount: number): void {
    const slot = bucket % SLOTS;
    if (bucket >= this.firstLive && this.buckets[slot] === bucket) {
      this.amounts[slot] += amount - was;
      this.sum += amount - was;
      if (this.amounts[slot] > 0 && bucket < this.firstUsed) this.firstUsed = bucket;
    }
  }

  /** True when nothing is counted (the window may be dropped). */
  idle(now: number): boolean {
    now = this.clamp(now);
    this.prune(now);
    return this.sum <= 0;
  }

  /** Time never runs backwards here: a wall clock stepped back keeps the window where it was. */
  private clamp(now: number): number {
    if (now < this.lastNow) return this.lastNow;
    this.lastNow = now;
    return now;
  }

  private current(now: number): number {
    return Math.floor(now / BUCKET_MS);
  }

  private prune(now: number): void {
    const firstLive = Math.floor((now - WINDOW_MS) / BUCKET_MS) + 1;
    if (firstLive <= this.firstLive) return;
    if (firstLive - this.firstLive >= SLOTS) {
      this.amounts.fill(0);
      this.buckets.fill(-1);
      this.sum = 0;
    } else {
      for (let b = this.firstLive; b < firstLive; b++) {
        const slot = b % SLOTS;
        if (this.buckets[slot] === b) {
          this.sum -= this.amounts[slot];
          this.amounts[slot] = 0;
          this.buckets[slot] = -1;
        }
      }
    }
    this.firstLive = firstLive;
  }
}
