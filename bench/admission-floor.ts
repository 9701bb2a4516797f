// `bun bench/admission-floor.ts`: what the floor ladder's limits and budget cost in process (issue 13):
// ns per request for admit + release (rpm, tpm and concurrency for a key and its group; bench/floor-admission.ts)
// and for reserve + settle of a budget, with the clock advancing 1 ms per 10 requests (10,000 req/s),
// plus the request body's JSON.parse the limits rung adds (the bench's 113-byte chat body). N (2,000,000), ROUNDS (5).

import { admit, costMicros, release, reserve, rule, settle } from './floor-admission.ts';
import { BENCH_MODEL } from './gateway-config.ts';
import { median } from './report.ts';

const N = Number(process.env.N ?? 2_000_000);
const ROUNDS = Number(process.env.ROUNDS ?? 5);
const body = JSON.stringify({ model: BENCH_MODEL, messages: [{ role: 'user', content: 'Say hello in one short sentence.' }], max_tokens: 16 });

function time(fn: (i: number, now: number) => void): number {
  const start = Date.now();
  const t = performance.now();
  for (let i = 0; i < N; i++) fn(i, start + Math.floor(i / 10));
  return ((performance.now() - t) * 1e6) / N;
}

const runs: Record<string, number[]> = { limits: [], budget: [], parse: [] };
for (let r = 0; r < ROUNDS; r++) {
  const key = rule(1e12, 1e15, 1e9);
  const group = rule(1e12, 1e15, 1e9);
  runs.limits!.push(time((_, now) => {
    const held = admit(key, group, 44, now);
    if (typeof held !== 'string') release(key, group, held, 34);
  }));
  const account = { budgetMicros: 1e15, spentMicros: 0, reservedMicros: 0 };
  runs.budget!.push(time(() => {
    const worst = costMicros(0.15, 0.6, 28, 16);
    if (reserve(account, worst)) settle(account, worst, costMicros(0.15, 0.6, 14, 20));
  }));
  let sink = 0;
  runs.parse!.push(time(() => {
    sink += (JSON.parse(body) as { max_tokens: number }).max_tokens;
  }));
  if (sink < 0) console.log(sink);
}
console.log(`admission-floor: bun ${Bun.version}, ${N.toLocaleString('en-US')} requests per round, median of ${ROUNDS} rounds`);
console.log(`- limits (admit + release; rpm, tpm, concurrency; key + group): ${median(runs.limits!).toFixed(0)} ns/request`);
console.log(`- budget (reserve + settle): ${median(runs.budget!).toFixed(0)} ns/request`);
console.log(`- JSON.parse of the ${body.length}-byte request body: ${median(runs.parse!).toFixed(0)} ns/request`);
