// Time to first chunk for streamed chat completions: sequential requests, each timed from send until
// the first body bytes holding an SSE `data:` event arrive, then read to the end (total time too).

import { percentile } from './paced.ts';

export interface TtfcResult {
  n: number;
  failed: number;
  p50Ms: number;
  p99Ms: number;
  totalP50Ms: number;
  /** Streams that ended with `data: [DONE]`. */
  complete: number;
}

export async function ttfc(url: string, init: { headers: Record<string, string>; body: string }, n: number): Promise<TtfcResult> {
  const first: number[] = [];
  const totals: number[] = [];
  let failed = 0;
  let complete = 0;
  const decoder = new TextDecoder();
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    try {
      const res = await fetch(url, { method: 'POST', headers: init.headers, body: init.body });
      if (res.status !== 200 || !res.body) {
        await res.arrayBuffer();
        failed += 1;
        continue;
      }
      const reader = res.body.getReader();
      let seen = false;
      let tail = '';
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        const text = decoder.decode(value, { stream: true });
        if (!seen && text.includes('data:')) {
          first.push(performance.now() - t0);
          seen = true;
        }
        tail = (tail + text).slice(-64);
      }
      totals.push(performance.now() - t0);
      if (tail.includes('data: [DONE]')) complete += 1;
      if (!seen) failed += 1;
    } catch {
      failed += 1;
    }
  }
  first.sort((a, b) => a - b);
  totals.sort((a, b) => a - b);
  return { n, failed, p50Ms: percentile(first, 50), p99Ms: percentile(first, 99), totalP50Ms: percentile(totals, 50), complete };
}
