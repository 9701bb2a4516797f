// An exact sliding-window log: every admitted request adds one entry (1 for rpm, its tokens for tpm)
// that counts for WINDOW_MS. Entries are kept in arrival order, so expiry is a pointer walk from the
// head and the running sum is O(1) to read. An entry can be corrected (tpm: actual tokens at settle)
// or zeroed (cancelled admission) while it is still in the window.

export const WINDOW_MS = 60_000;

export interface WindowEntry {
  readonly ts: number;
  amount: number;
  live: boolean;
}

export class SlidingWindow {
  private entries: WindowEntry[] = [];
  private head = 0;
  private sum = 0;

  /** Amount counted in the window ending at `now`. */
  used(now: number): number {
    this.prune(now);
    return this.sum;
  }

  /**
   * ms until `need` more fits under `limit` (0 = fits now). Infinity when it can never fit
   * (need alone is larger than the limit).
   */
  waitFor(need: number, limit: number, now: number): number {
    this.prune(now);
    if (this.sum + need <= limit) return 0;
    if (need > limit) return Infinity;
    let freed = 0;
    for (let i = this.head; i < this.entries.length; i++) {
      const e = this.entries[i];
      if (e.amount <= 0) continue;
      freed += e.amount;
      if (this.sum - freed + need <= limit) return Math.max(1, e.ts + WINDOW_MS - now);
    }
    return WINDOW_MS; // unreachable: freeing everything always fits need <= limit
  }

  /** ms until the oldest counted entry leaves the window (0 when the window is empty). */
  nextFreeMs(now: number): number {
    this.prune(now);
    for (let i = this.head; i < this.entries.length; i++) {
      const e = this.entries[i];
      if (e.amount > 0) return Math.max(0, e.ts + WINDOW_MS - now);
    }
    return 0;
  }

  add(amount: number, now: number): WindowEntry {
    const entry: WindowEntry = { ts: now, amount, live: true };
    this.entries.push(entry);
    this.sum += amount;
    return entry;
  }

  /** Replaces an entry's amount; an entry that already left the window changes nothing. */
  adjust(entry: WindowEntry, amount: number): void {
    if (entry.live) this.sum += amount - entry.amount;
    entry.amount = amount;
  }

  /** True when nothing is counted (the window may be dropped). */
  idle(now: number): boolean {
    this.prune(now);
    return this.head >= this.entries.length;
  }

  private prune(now: number): void {
    const entries = this.entries;
    while (this.head < entries.length && entries[this.head].ts + WINDOW_MS <= now) {
      const e = entries[this.head];
      this.sum -= e.amount;
      e.live = false;
      this.head++;
    }
    if (this.head === entries.length) {
      this.entries = [];
      this.head = 0;
      this.sum = 0;
    } else if (this.head > 256 && this.head * 2 > entries.length) {
      this.entries = entries.slice(this.head);
      this.head = 0;
    }
  }
}
