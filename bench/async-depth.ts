// `bun bench/async-depth.ts` (issue 13): what one more level of async function costs on this runtime. Chains of
// DEPTH nested async functions (each awaiting the next, the innermost awaiting a promise settled by
// setImmediate, as I/O would) run N times at 64 concurrent; CPU µs per call (this process, all threads), the
// median of 5 alternating rounds per depth. Prices the pipeline's layering (about a dozen async levels per request).

import { median } from './report.ts';

const N = Number(process.env.N ?? 200_000);
const DEPTHS = [0, 4, 12, 24];

function leaf(): Promise<number> {
  return new Promise((resolve) => setImmediate(() => resolve(1)));
}
async function chain(depth: number): Promise<number> {
  if (depth === 0) return await leaf();
  return (await chain(depth - 1)) + 1;
}
async function run(depth: number, concurrency = 64): Promise<number> {
  let next = 0;
  const before = process.cpuUsage();
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next++ < N) await chain(depth);
  }));
  const used = process.cpuUsage(before);
  return (used.user + used.system) / N;
}

for (const d of [0, 12, 0, 12]) await run(d); // warm-up
const results = new Map<number, number[]>(DEPTHS.map((d) => [d, []]));
for (let r = 0; r < 5; r++) for (const d of r % 2 ? [...DEPTHS].reverse() : DEPTHS) results.get(d)!.push(await run(d));
const base = median(results.get(0)!);
for (const d of DEPTHS) {
  const m = median(results.get(d)!);
  console.log(`depth ${String(d).padStart(2)}: ${m.toFixed(2)} µs CPU per call${d ? `, ${((m - base) / d).toFixed(3)} µs per level` : ''}`);
}
