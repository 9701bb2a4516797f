// Time to first chunk for streamed chat completions: sequential requests, each timed from send until
// the first body bytes holding an SSE `data:` event arrive, then read to the end (total time too). Also the
// time to the first content (a `"content":"` with at least one character): an OpenAI stream opens with a
// role-only chunk, which the gateway holds back until content follows (so that an error after it still fails
// over), so its first chunk and its first content arrive together while direct's are one upstream event apart.

import { percentile } from './paced.ts';

export interface TtfcResult {
  n: number;
  failed: number;
  p50Ms: number;
  p99Ms: number;
  totalP50Ms: number;
  /** Send → the first bytes carrying content, p50. */
  contentP50Ms: number;
  /** Streams that ended with `data: [DONE]`. */
  complete: number;
}

export async function ttfc(url: string, init: { headers: Record<string, string>; body: string }, n: number): Promise<TtfcResult> {
  const first: number[] = [];
  const totals: number[] = [];
  const contents: number[] = [];
  const contentMark = /"content":"[^"]/;
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
      let contentSeen = false;
      let tail = '';
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        const text = decoder.decode(value, { stream: true });
        if (!seen && text.includes('data:')) {
          first.push(performance.now() - t0);
          seen = true;
        }
        if (!contentSeen && contentMark.test(tail + text)) {
          contents.push(performance.now() - t0);
          contentSeen = true;
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
  contents.sort((a, b) => a - b);
  return { n, failed, p50Ms: percentile(first, 50), p99Ms: percentile(first, 99), totalP50Ms: percentile(totals, 50), contentP50Ms: percentile(contents, 50), complete };
}
