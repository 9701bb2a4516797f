// The idle timeout of a streamed upstream body: one deadline on the process's wheel (deadline-wheel.ts) per
// stream instead of a timer, a race and its promises per chunk read. A read that waits `idleMs` for data is a
// stall; time the consumer spends between reads (a slow client) never counts. The deadline is re-armed only
// when it comes due while a younger read is waiting, so a healthy stream costs a few wheel entries in all.

import { type Deadline, deadlines } from '../runtime/deadline-wheel.ts';

export class ReadWatchdog {
  #deadline: Deadline | undefined;
  /** When the read now waiting began (performance.now()); undefined between reads. */
  #readingSince: number | undefined;
  #stopped = false;
  /** Set once the stall was called: the read it ended must be reported as a stall, not as the body's end. */
  stalled = false;

  /** `onStall` must end the waiting read (cancel the reader): it is called once, from the wheel. */
  constructor(private readonly idleMs: number, private readonly onStall: () => void) {}

  /** A read starts waiting. */
  reading(): void {
    this.#readingSince = performance.now();
    if (!this.#stopped) this.#deadline ??= deadlines.after(this.idleMs, this);
  }

  /** The read is over (data, end or failure). */
  idle(): void {
    this.#readingSince = undefined;
  }

  /** The body is over: no more deadlines. Idempotent. */
  stop(): void {
    this.#stopped = true;
    this.#deadline?.cancel();
    this.#deadline = undefined;
  }

  /** Called by the wheel. */
  deadlineReached(): void {
    this.#deadline = undefined;
    if (this.#stopped || this.#readingSince === undefined) return; // the next read arms it again
    const waited = performance.now() - this.#readingSince;
    if (waited < this.idleMs) {
      this.#deadline = deadlines.after(this.idleMs - waited, this);
      return;
    }
    this.stalled = true;
    this.stop();
    this.onStall();
  }
}
