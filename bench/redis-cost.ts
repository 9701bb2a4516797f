// `bun bench/redis-cost.ts`: redis-server's own cost of the Redis admission, without HTTP: N admissions
// (and their settles) of the bench's rule set (key + group: rpm, tpm, concurrency; a budget) through
// RedisAdmission against a fresh redis-server, CONCURRENCY at a time. Prints redis-server CPU µs per
// request (INFO cpu), script calls per request and µs per call (INFO commandstats), and this process's
// CPU µs per request (the client side: ioredis, the script arguments, the settle batches).
import { createAdmission } from '../src/limits/admission.ts';
import { MemoryRateLimiter } from '../src/limits/memory.ts';
import { createLogger } from '../src/log.ts';
import { BudgetTracker } from '../src/runtime/budgets.ts';
import { RedisAdmission } from '../src/state/redis/admission.ts';
import { RedisState } from '../src/state/redis/client.ts';
import { startRedis } from '../test/helpers/redis.ts';
import { benchAdmission } from './bench-admission.ts';

const N = Number(process.env.N ?? 20_000);
const CONCURRENCY = Number(process.env.CONCURRENCY ?? 64);
const request = await benchAdmission('switchyard-redis-cost-');

const redis = await startRedis();
const log = createLogger('silent');
const state = new RedisState({ url: redis.url, prefix: 'cost', onUnavailable: 'reject', timeoutMs: 1000 }, log);
await state.connect();
const admission = new RedisAdmission(state, { leaseTtlMs: 15_000, local: createAdmission(new MemoryRateLimiter(), new BudgetTracker()), loadSpend: async () => ({ spentMicros: 0, adjustMicros: 0 }), log });

async function run(n: number): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (next++ < n) {
      const t = await admission.admit(request);
      await Bun.sleep(0);
      t.settle({ usage: { prompt_tokens: 12, completion_tokens: 8, total_tokens: 20 }, costMicros: 15 });
    }
  }));
  while (admission.unsettled > 0) await Bun.sleep(5);
}

const info = async () => {
  const text = await state.client.info('everything');
  const num = (re: RegExp) => Number(re.exec(text)?.[1] ?? 0);
  return { cpu: num(/used_cpu_user:([\d.]+)/) + num(/used_cpu_sys:([\d.]+)/), calls: num(/cmdstat_evalsha:calls=(\d+)/), usec: num(/cmdstat_evalsha:calls=\d+,usec=(\d+)/) };
};
await run(2000); // warm-up (and seeding)
const before = await info();
const cpu0 = process.cpuUsage();
const t0 = performance.now();
await run(N);
const ms = performance.now() - t0;
const cpu1 = process.cpuUsage(cpu0);
const after = await info();
const calls = after.calls - before.calls;
console.log(`${N} requests at ${CONCURRENCY} concurrent: ${Math.round(N / (ms / 1000))} req/s; redis-server ${((after.cpu - before.cpu) * 1e6 / N).toFixed(1)} µs/req ` +
  `(${(calls / N).toFixed(2)} script calls/req, ${((after.usec - before.usec) / calls).toFixed(1)} µs/call inside scripts); client ${((cpu1.user + cpu1.system) / N).toFixed(1)} µs/req`);
admission.close();
await state.close();
await redis.close();
process.exit(0);
