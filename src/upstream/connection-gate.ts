// Explicit upstream concurrency: a slot per in-flight upstream request, counted per provider
// (`max_connections`) and in total against the runtime's own fetch cap. A request that finds no free
// slot overflows at once (Envoy style) instead of queueing: queueing inside fetch would count against
// the upstream timeout and open circuit breakers of healthy upstreams.

/** One held slot; `release` is idempotent. */
export interface Lease {
  release(): void;
}

/** A held slot (a class: one object per upstream attempt, no closure). */
class Slot implements Lease {
  #held = true;

  constructor(private readonly gate: ConnectionGate, private readonly provider: string, private readonly overNetwork: boolean) {}

  release(): void {
    if (!this.#held) return;
    this.#held = false;
    this.gate.free(this.provider, this.overNetwork);
  }
}

/**
 * How many requests this runtime's fetch runs at once before it queues the rest. Bun caps it at 256
 * unless BUN_CONFIG_MAX_HTTP_REQUESTS was set when the process started (setting it later has no effect).
 */
export function fetchConcurrencyCap(env: Record<string, string | undefined> = process.env): number {
  if (typeof (globalThis as { Bun?: unknown }).Bun === 'undefined') return Infinity;
  const configured = Number(env.BUN_CONFIG_MAX_HTTP_REQUESTS);
  return Number.isInteger(configured) && configured > 0 ? Math.min(configured, 65_535) : 256;
}

export class ConnectionGate {
  private readonly inUse = new Map<string, number>();
  private fetching = 0;

  /** `fetchCap`: slots shared by every provider reached over the network (see fetchConcurrencyCap). */
  constructor(readonly fetchCap: number = fetchConcurrencyCap()) {}

  /** A slot for one request to `provider`, or undefined when its limit (or the fetch cap) is reached. */
  tryAcquire(provider: string, limit: number, overNetwork: boolean): Lease | undefined {
    const used = this.inUse.get(provider) ?? 0;
    if (used >= limit || (overNetwork && this.fetching >= this.fetchCap)) return undefined;
    this.inUse.set(provider, used + 1);
    if (overNetwork) this.fetching += 1;
    return new Slot(this, provider, overNetwork);
  }

  /** @internal A slot's release (Slot calls it once). */
  free(provider: string, overNetwork: boolean): void {
    const n = (this.inUse.get(provider) ?? 1) - 1;
    if (n > 0) this.inUse.set(provider, n);
    else this.inUse.delete(provider);
    if (overNetwork) this.fetching -= 1;
  }

  /** Requests in flight to a provider (for tests and the admin view). */
  inFlight(provider?: string): number {
    return provider === undefined ? [...this.inUse.values()].reduce((a, b) => a + b, 0) : this.inUse.get(provider) ?? 0;
  }
}
