// Notices clients that left while their upstream call is under way, without a listener per request on the
// client's AbortSignal: adding and removing one on Bun's server request signal cost 5–7 µs per request
// (bench/request-signal.ts, bench/straight-line.ts), where a Set entry costs well under one. Calls being
// watched are polled every POLL_MS by one unref'd interval that runs only while any are watched, so a
// departure is acted on within POLL_MS (plus event-loop delay): the upstream request is cut at most that
// much later than with a listener, which for an LLM call (seconds) changes nothing. A poll reads one flag per
// call in flight: one poll over 5,000 open streams took 34 µs in process (AbortController signals), about
// 0.14% of a core at 40 polls a second.
// Process-wide like the deadline wheel: it holds callbacks only, no configuration.

export const POLL_MS = 25;

export interface Watched {
  /** The client's signal: aborted by the server when the client's connection is gone. */
  readonly clientSignal: AbortSignal;
  /** Called once when the client's signal is found aborted; the watch is dropped first. */
  clientLeft(): void;
}

export class ClientWatch {
  readonly #watched = new Set<Watched>();
  #timer: ReturnType<typeof setInterval> | undefined;
  #idleTicks = 0;

  constructor(private readonly pollMs = POLL_MS) {}

  watch(call: Watched): void {
    this.#watched.add(call);
    if (!this.#timer) {
      this.#timer = setInterval(() => this.#tick(), this.pollMs);
      this.#timer.unref?.();
    }
  }

  unwatch(call: Watched): void {
    this.#watched.delete(call);
  }

  /** Calls being watched. */
  get size(): number {
    return this.#watched.size;
  }

  #tick(): void {
    for (const call of this.#watched) {
      if (!call.clientSignal.aborted) continue;
      this.#watched.delete(call);
      try {
        call.clientLeft();
      } catch {
        // one call's failure must not stop the others
      }
    }
    // Stop polling after a second with nothing watched; the next watch() starts it again.
    if (this.#watched.size > 0) this.#idleTicks = 0;
    else if (++this.#idleTicks >= 1000 / this.pollMs) {
      clearInterval(this.#timer);
      this.#timer = undefined;
      this.#idleTicks = 0;
    }
  }
}

/** The process's watch (every upstream attempt shares it, as their deadlines share the wheel). */
export const clientWatch = new ClientWatch();
