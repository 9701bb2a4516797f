// The offset between this process's monotonic clock (performance.now()) and Redis's own clock (TIME), so an
// admission call can carry its deadline on Redis's clock (./admit-batch.ts): a call that runs after the
// process gave up on it writes nothing. Learnt from round trips the process already makes (the lease
// heartbeat returns the TIME it ran at): the script ran somewhere between sending and receiving, so
// offset = redisTime − (sent + received) / 2 is off by at most half the round trip. The estimate is the recent
// sample with the smallest error bound (half its round trip, plus a drift allowance growing with its age), and
// a deadline is pushed out by that bound, so a right estimate never refuses a call the process still waits for.
//
// Failure modes: before the first sample (startup, and after a lost connection: it may be another Redis) no
// deadline is sent, as before deadlines. A Redis clock that steps makes the estimate wrong until the next
// sample (which drops the samples it contradicts): stepped back, deadlines lie later than they should (late
// calls are not caught); stepped forward, a call can come back 'expired' while the process still waits for it:
// the batcher then forgets the estimate and resends the call without a deadline (one more round trip, never a
// refusal).

/** Samples kept (the heartbeat's: one per lease_ttl_ms / 3). */
const KEEP = 8;
/** Allowance for two unsynchronised clocks running at different rates (100 ppm). */
const DRIFT = 1e-4;
/** Rounding: scripts read TIME truncated to the millisecond. */
const SLACK_MS = 1;

interface Sample {
  /** Redis ms − process ms. */
  offset: number;
  /** Half the round trip: the offset's error bound when it was taken. */
  half: number;
  /** When it was taken (process ms). */
  at: number;
}

export class RedisClock {
  private samples: Sample[] = [];

  /** A round trip sent at `sentAt` and answered at `receivedAt` (performance.now()) that read TIME as `redisMs`. */
  learn(redisMs: number, sentAt: number, receivedAt: number): void {
    if (!Number.isFinite(redisMs) || !(receivedAt >= sentAt)) return;
    const s: Sample = { offset: redisMs - (sentAt + receivedAt) / 2, half: (receivedAt - sentAt) / 2, at: receivedAt };
    // A sample is right within its bound: older ones it contradicts were taken on a clock that has since
    // stepped (or on another Redis) and go.
    this.samples = this.samples.filter((o) => Math.abs(o.offset - s.offset) <= errorOf(o, receivedAt) + s.half + SLACK_MS);
    this.samples.push(s);
    if (this.samples.length > KEEP) this.samples.shift();
  }

  /** The best estimate at `now` (Redis ms − process ms, and its error bound in ms), or undefined before any sample. */
  estimate(now = performance.now()): { offset: number; error: number } | undefined {
    let best: Sample | undefined;
    let error = Infinity;
    for (const s of this.samples) {
      const e = errorOf(s, now);
      if (e < error) {
        best = s;
        error = e;
      }
    }
    return best && { offset: best.offset, error };
  }

  /**
   * The deadline, on Redis's clock (whole ms), of a call sent now that the process gives up on after
   * `timeoutMs`: past it, the process can no longer be waiting for the reply. 0 = no deadline (no estimate).
   */
  deadline(timeoutMs: number, now = performance.now()): number {
    const e = this.estimate(now);
    return e ? Math.ceil(now + e.offset + timeoutMs + e.error + SLACK_MS) : 0;
  }

  /** Drops every sample: the estimate proved wrong, or the connection was lost (it may be another Redis now). */
  forget(): void {
    this.samples = [];
  }
}

function errorOf(s: Sample, now: number): number {
  return s.half + Math.abs(now - s.at) * DRIFT;
}
