// One coarse timer wheel for the hot path's deadlines (upstream timeouts, body read limits): a
// per-request setTimeout + clearTimeout costs a native timer object and two heap operations each; here a
// deadline is one small object in a slot set, and one unref'd interval (TICK_MS, idle-interval.ts) serves
// them all while any are pending. A deadline fires within TICK_MS after it is due (plus event-loop delay), never before.
// Process-wide like the runtime's own timers: it holds callbacks (or the objects to call) until they fire or are
// cancelled, no configuration.

import { IdleInterval } from './idle-interval.ts';

export const TICK_MS = 10;

export interface Deadline {
  /** Stops the deadline; idempotent, safe after it fired. */
  cancel(): void;
}

/** What a deadline calls when it is due: a function, or an object that already exists (no closure per request). */
export type OnDeadline = (() => void) | { deadlineReached(): void };

/** One pending deadline: a class, so an entry costs one object (no cancel closure). */
class Entry implements Deadline {
  constructor(
    readonly wheel: DeadlineWheel,
    public due: OnDeadline | undefined,
    public slot: Set<Entry> | undefined,
  ) {}

  cancel(): void {
    this.wheel.cancel(this);
  }
}

export class DeadlineWheel {
  readonly #slots = new Map<number, Set<Entry>>();
  readonly #ticker = new IdleInterval(TICK_MS, () => this.#tick());
  #pending = 0;
  #done: number;

  constructor(private readonly now: () => number = () => performance.now()) {
    this.#done = Math.floor(this.now() / TICK_MS);
  }

  /** Calls `due` once, `ms` from now (rounded up to the next tick). */
  after(ms: number, due: OnDeadline): Deadline {
    // The first tick at or after the due time: the slot covering (due - TICK_MS, due] runs at its end.
    const index = Math.max(Math.ceil((this.now() + ms) / TICK_MS), this.#done + 1);
    let slot = this.#slots.get(index);
    if (!slot) this.#slots.set(index, (slot = new Set()));
    const entry = new Entry(this, due, slot);
    slot.add(entry);
    this.#pending += 1;
    if (!this.#ticker.running) {
      this.#done = Math.max(this.#done, Math.floor(this.now() / TICK_MS));
      this.#ticker.start();
    }
    return entry;
  }

  /** Deadlines not yet fired or cancelled. */
  get pending(): number {
    return this.#pending;
  }

  /** @internal An entry's cancel() (an entry of this wheel only); idempotent. */
  cancel(entry: Entry): void {
    if (!entry.slot) return;
    entry.slot.delete(entry);
    entry.slot = undefined;
    entry.due = undefined;
    this.#pending -= 1;
  }

  /** Runs the slots that are due; true while deadlines remain (the interval stops after a second without). */
  #tick(): boolean {
    const current = Math.floor(this.now() / TICK_MS);
    for (let i = this.#done + 1; i <= current; i++) {
      const slot = this.#slots.get(i);
      if (!slot) continue;
      this.#slots.delete(i);
      for (const entry of slot) {
        const due = entry.due;
        this.cancel(entry);
        try {
          if (typeof due === 'function') due();
          else due?.deadlineReached();
        } catch {
          // a deadline callback must not stop the others
        }
      }
    }
    this.#done = Math.max(this.#done, current);
    return this.#pending > 0;
  }
}

/** The process's wheel (the hot path's deadlines share it, as they share the runtime's timer heap). */
export const deadlines = new DeadlineWheel();
