// Waiting between attempts: the jittered exponential backoff before a target is tried again, and a
// sleep that ends at once (ClientGone) when the client leaves.

import type { RoutingPolicy } from '../compile/types.ts';
import { ClientGone } from '../upstream/call.ts';

/** Delay before the n-th retry (n ≥ 1) of one target: backoff_ms × 2^(n-1), jittered to 50-100 %. */
export function backoffMs(policy: RoutingPolicy, n: number, random = Math.random): number {
  const base = policy.backoffMs * 2 ** Math.max(0, n - 1);
  return Math.round(base * (0.5 + 0.5 * random()));
}

/** Resolves after `ms`, or rejects with ClientGone as soon as `signal` aborts. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.reject(new ClientGone());
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(new ClientGone());
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
