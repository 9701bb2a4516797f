// Notices clients that left while their upstream call is under way, without a listener per request on the
// client's AbortSignal: adding and removing one on Bun's server request signal cost 5–7 µs per request
// (bench/request-signal.ts, bench/straight-line.ts), where a Set entry costs well under one. Calls being
// watched are polled every POLL_MS by one interval that runs only while any are watched (idle-interval.ts), so a
// departure is acted on within POLL_MS (plus event-loop delay): the upstream request is cut at most that
// much later than with a listener, which for an LLM call (seconds) changes nothing. A poll reads one flag per
// call in flight: one poll over 5,000 open streams took 34 µs in process (AbortController signals), about
// 0.14% of a core at 40 polls a second.
// Process-wide like the deadline wheel: it holds the calls being watched until they finish, no configuration.

import { IdleInterval } from '../runtime/idle-interval.ts';

export const POLL_MS = 25;

export interface Watched {
  /** The client's signal: aborted by the server when the client's connection is gone. */
  readonly clientSignal: AbortSignal;
  /** Called once when the client's signal is found aborted; the watch is dropped first. */
  clientLeft(): void;
}

export class ClientWatch {
  readonly #watched = new Set<Watched>();
  readonly #ticker: IdleInterval;

  constructor(pollMs = POLL_MS) {
    this.#ticker = new IdleInterval(pollMs, () => this.#tick());
  }

  watch(call: Watched): void {
    this.#watched.add(call);
    this.#ticker.start();
  }

  unwatch(call: Watched): void {
    this.#watched.delete(call);
  }

  /** Calls being watched. */
  get size(): number {
    return this.#watched.size;
  }

  /** Tells every call whose client left; true while calls remain watched. */
  #tick(): boolean {
    for (const call of this.#watched) {
      if (!call.clientSignal.aborted) continue;
      this.#watched.delete(call);
      try {
        call.clientLeft();
      } catch {
        // one call's failure must not stop the others
      }
    }
    return this.#watched.size > 0;
  }
}

/** The process's watch (every upstream attempt shares it, as their deadlines share the wheel). */
export const clientWatch = new ClientWatch();
