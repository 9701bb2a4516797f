// Latency at a fixed request rate (wrk cannot pace): requests are started on a fixed schedule, open
// loop (a slow answer never delays the next send, so a stall shows up in the tail instead of being
// hidden by a waiting client). Each latency runs from the moment fetch() is called to the end of the
// body; timer lag of the sender is left out so that it does not blur sub-millisecond differences.

export interface PacedResult {
  sent: number;
  ok: number;
  failed: number;
  /** Achieved send rate (req/s). */
  rate: number;
  p50Ms: number;
  p99Ms: number;
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}

export async function paced(url: string, init: { headers: Record<string, string>; body: string }, opts: { rate: number; seconds: number }): Promise<PacedResult> {
  const interval = 1000 / opts.rate;
  const total = Math.round(opts.rate * opts.seconds);
  const latencies: number[] = [];
  const pending: Promise<void>[] = [];
  let failed = 0;

  const fire = () => {
    const t0 = performance.now();
    pending.push(
      fetch(url, { method: 'POST', headers: init.headers, body: init.body })
        .then(async (res) => {
          await res.arrayBuffer();
          if (res.status !== 200) failed += 1;
          else latencies.push(performance.now() - t0);
        })
        .catch(() => {
          failed += 1;
        }),
    );
  };

  const start = performance.now() + 5;
  let sent = 0;
  while (sent < total) {
    const now = performance.now();
    // Send every request whose slot has come (catches up after a late timer).
    while (sent < total && start + sent * interval <= now) {
      fire();
      sent += 1;
    }
    const next = start + sent * interval - performance.now();
    if (next > 0) await Bun.sleep(next);
  }
  const elapsed = (performance.now() - start) / 1000;
  await Promise.all(pending);
  latencies.sort((a, b) => a - b);
  return { sent, ok: latencies.length, failed, rate: sent / elapsed, p50Ms: percentile(latencies, 50), p99Ms: percentile(latencies, 99) };
}

/**
 * Any async operation at a fixed rate, open loop as above: `n` calls at `rate` per second, each latency from
 * its call to its settlement. Resolves with the latencies in ms, sorted (read them with `percentile`).
 */
export async function pacedCalls(op: () => Promise<unknown>, n: number, rate: number): Promise<number[]> {
  const latencies: number[] = [];
  const pending: Promise<void>[] = [];
  const start = performance.now() + 2;
  for (let sent = 0; sent < n; sent++) {
    const wait = start + sent * (1000 / rate) - performance.now();
    if (wait > 0) await Bun.sleep(wait);
    const t0 = performance.now();
    pending.push(op().then(() => void latencies.push(performance.now() - t0)));
  }
  await Promise.all(pending);
  return latencies.sort((a, b) => a - b);
}
