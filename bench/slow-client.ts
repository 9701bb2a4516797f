// Client side of the 5,000-stream memory measurement (its own process, started with
// BUN_CONFIG_MAX_HTTP_REQUESTS raised so that fetch keeps every stream open at once). Opens
// BENCH_STREAMS_N streaming chat requests to BENCH_URL together, reads each to its end, prints one JSON
// line: {"opened","completed","failed","peakOpen","ms"}. Progress lines {"open":N} go to stderr.

import { BENCH_KEY, BENCH_MODEL } from './gateway-config.ts';
import { exitWithParent } from './orphan-guard.ts';

exitWithParent();
const url = process.env.BENCH_URL!;
const n = Number(process.env.BENCH_STREAMS_N ?? 5000);
const body = JSON.stringify({ model: BENCH_MODEL, messages: [{ role: 'user', content: 'Say hello.' }], stream: true });
const headers = { 'content-type': 'application/json', authorization: `Bearer ${BENCH_KEY}` };
let open = 0;
let peakOpen = 0;
let completed = 0;
let failed = 0;
const t0 = performance.now();
const report = setInterval(() => console.error(JSON.stringify({ open, completed, failed })), 250);

async function one(): Promise<void> {
  try {
    const res = await fetch(url, { method: 'POST', headers, body });
    if (res.status !== 200 || !res.body) {
      await res.arrayBuffer();
      failed += 1;
      return;
    }
    open += 1;
    peakOpen = Math.max(peakOpen, open);
    let tail = '';
    const decoder = new TextDecoder();
    for await (const part of res.body) tail = (tail + decoder.decode(part as Uint8Array, { stream: true })).slice(-32);
    open -= 1;
    if (tail.includes('[DONE]')) completed += 1;
    else failed += 1;
  } catch {
    failed += 1;
  }
}

await Promise.all(Array.from({ length: n }, one));
clearInterval(report);
console.log(JSON.stringify({ opened: n, completed, failed, peakOpen, ms: Math.round(performance.now() - t0) }));
process.exit(0);
