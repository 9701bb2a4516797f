// An unref'd interval that runs only while there is work for it: start() when work arrives; each tick reports
// whether work remains, and after a second of ticks with none it stops itself (the next start() resumes it).
// Shared by the process's hot-path timers (the deadline wheel, the client watch): one interval each instead of
// a timer per request, and none at all on an idle gateway.

export class IdleInterval {
  #timer: ReturnType<typeof setInterval> | undefined;
  #idleTicks = 0;

  /** `tick` returns true while work remains. */
  constructor(private readonly ms: number, private readonly tick: () => boolean, private readonly idleMs = 1000) {}

  get running(): boolean {
    return this.#timer !== undefined;
  }

  /** Starts ticking if stopped (cheap when already running). */
  start(): void {
    if (this.#timer) return;
    this.#timer = setInterval(() => this.#run(), this.ms);
    this.#timer.unref?.();
  }

  #run(): void {
    if (this.tick()) this.#idleTicks = 0;
    else if (++this.#idleTicks >= this.idleMs / this.ms) {
      clearInterval(this.#timer);
      this.#timer = undefined;
      this.#idleTicks = 0;
    }
  }
}
