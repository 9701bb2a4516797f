// `bun bench/fetch-options.ts`: what Bun's fetch costs per call (this process's CPU, all threads) with the
// options the gateway passes: an AbortSignal, redirect: 'manual', a plain-object vs Headers header set.
// Variants alternate in rounds against the fake upstream; concurrency CONC (32), N calls (20,000) each.

import { BENCH_MODEL } from './gateway-config.ts';
import { median } from './report.ts';
import { installExitHandlers, killAll, readPort, spawnChild } from './procs.ts';

installExitHandlers();
const upstream = spawnChild([process.execPath, 'bench/fake-upstream.ts'], {});
const url = `http://127.0.0.1:${await readPort(upstream, 'fake upstream')}/v1/chat/completions`;
const body = JSON.stringify({ model: BENCH_MODEL, messages: [{ role: 'user', content: 'Say hello in one short sentence.' }], max_tokens: 16 });
const headers = { 'content-type': 'application/json', authorization: 'Bearer sk-upstream-bench' };
const N = Number(process.env.N ?? 20_000);
const CONC = Number(process.env.CONC ?? 32);

const variants: Record<string, () => Promise<Response>> = {
  plain: () => fetch(url, { method: 'POST', headers, body }),
  signal: () => fetch(url, { method: 'POST', headers, body, signal: new AbortController().signal }),
  redirect: () => fetch(url, { method: 'POST', headers, body, redirect: 'manual' }),
  'signal+redirect': () => fetch(url, { method: 'POST', headers, body, redirect: 'manual', signal: new AbortController().signal }),
  'signal+listeners+timer': () => {
    const c = new AbortController();
    const t = setTimeout(() => c.abort(), 30_000);
    const done = () => clearTimeout(t);
    c.signal.addEventListener('abort', done, { once: true });
    return fetch(url, { method: 'POST', headers, body, redirect: 'manual', signal: c.signal }).finally(() => { done(); c.signal.removeEventListener('abort', done); });
  },
};

async function run(make: () => Promise<Response>): Promise<number> {
  let next = 0;
  const c0 = process.cpuUsage();
  await Promise.all(Array.from({ length: CONC }, async () => {
    while (next++ < N) await (await make()).text();
  }));
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / N;
}

const results: Record<string, number[]> = {};
for (const make of Object.values(variants)) await run(make); // warm-up
for (let r = 0; r < Number(process.env.ROUNDS ?? 5); r++) {
  for (const [name, make] of Object.entries(variants)) (results[name] ??= []).push(await run(make));
}
for (const [name, xs] of Object.entries(results)) console.log(`${name.padEnd(24)} ${median(xs).toFixed(1)} µs CPU per call (rounds: ${xs.map((x) => x.toFixed(1)).join(' ')})`);
killAll();
process.exit(0);
