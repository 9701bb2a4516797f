// Notices a Redis that is connected but does not answer (paused, swapping, stuck in a slow script): its
// connections stay up, so nothing else would mark shared state down, and every request would wait a whole
// command timeout before its 503 while /ready said ok. After STALLED_AFTER timeouts in a row with no reply
// between them, shared state is reported down ("does not answer") and a probe pings every PROBE_MS; the
// first reply, the probe's or any command's, brings it back. One per RedisState (no module state).

export const STALLED_AFTER = 3;

export class AnswerWatch {
  private timeouts = 0;
  private probe: ReturnType<typeof setInterval> | undefined;
  answering = true;

  constructor(
    private readonly probeMs: number,
    private readonly ping: () => Promise<unknown>,
    private readonly changed: () => void,
  ) {}

  /** Follows one command's outcome (the promise is returned as it is, its result untouched). */
  observe<T>(call: Promise<T>): Promise<T> {
    call.then(() => this.answered(), (err: unknown) => this.failed(err));
    return call;
  }

  stop(): void {
    if (this.probe) clearInterval(this.probe);
    this.probe = undefined;
  }

  private answered(): void {
    this.timeouts = 0;
    if (this.answering) return;
    this.answering = true;
    this.stop();
    this.changed();
  }

  private failed(err: unknown): void {
    if (!/timed out/i.test(String((err as Error)?.message ?? err))) return;
    if (++this.timeouts < STALLED_AFTER || !this.answering) return;
    this.answering = false;
    this.probe = setInterval(() => void this.ping().then(() => this.answered(), () => {}), this.probeMs);
    this.probe.unref?.();
    this.changed();
  }
}
