// `bun bench/redis-lone.ts`: the lone Redis admission (issue 9's latency goal: at 500 req/s every admission
// is alone in its script call, so Redis adds one round trip). Paced admissions of the bench's rule set (key +
// group: rpm, tpm, concurrency; a budget) through RedisAdmission, RATE per second for N, each settled
// SETTLE_MS after its admission (NOSETTLE=1: never, so only admission scripts run, e.g. under callgrind).
// Prints the client's admit() round trip (p50, p90), redis-server's time inside the admission script per call
// (SLOWLOG at threshold 0: each script call's own µs; median and mean) and in the settle script, `INFO
// commandstats` usec_per_call of evalsha, and this process's CPU µs per admission. REDIS_URL: use that
// server (e.g. one under valgrind, with CALLGRIND_PID to zero its counters before and dump them after the
// measured run) instead of starting one.
import { createAdmission } from '../src/limits/admission.ts';
import { MemoryRateLimiter } from '../src/limits/memory.ts';
import { createLogger } from '../src/log.ts';
import { BudgetTracker } from '../src/runtime/budgets.ts';
import { RedisAdmission } from '../src/state/redis/admission.ts';
import { ADMIT } from '../src/state/redis/admit-script.ts';
import { RedisState } from '../src/state/redis/client.ts';
import { startRedis } from '../test/helpers/redis.ts';
import { benchAdmission } from './bench-admission.ts';

const N = Number(process.env.N ?? 3000);
const RATE = Number(process.env.RATE ?? 500);
const SETTLE_MS = Number(process.env.SETTLE_MS ?? 0.5);
const NOSETTLE = process.env.NOSETTLE === '1';
/** SEQ=1: each admission waits for the one before (never two in one call, e.g. against a server under valgrind). */
const SEQ = process.env.SEQ === '1';
const request = await benchAdmission('switchyard-redis-lone-');

const redis = process.env.REDIS_URL ? undefined : await startRedis();
// A failed run must not leave its redis-server behind.
const fail = (err: unknown) => {
  console.error(err);
  void (redis?.close() ?? Promise.resolve()).finally(() => process.exit(1));
};
process.on('unhandledRejection', fail);
process.on('uncaughtException', fail);
const url = process.env.REDIS_URL ?? redis!.url;
const log = createLogger('silent');
const state = new RedisState({ url, prefix: `lone${Date.now().toString(36)}`, onUnavailable: 'reject', timeoutMs: 30_000 }, log);
await state.connect();
for (let i = 0; i < 200 && !state.up; i++) await Bun.sleep(50); // a server under valgrind answers slowly
const admission = new RedisAdmission(state, { leaseTtlMs: 60_000, local: createAdmission(new MemoryRateLimiter(), new BudgetTracker()), loadSpend: async () => ({ spentMicros: 0, adjustMicros: 0 }), log });

async function run(n: number): Promise<number[]> {
  const lat: number[] = [];
  const pending: Promise<void>[] = [];
  const interval = 1000 / RATE;
  const start = performance.now() + 2;
  for (let sent = 0; sent < n;) {
    const wait = start + sent * interval - performance.now();
    if (wait > 0) await Bun.sleep(wait);
    sent++;
    const t0 = performance.now();
    const done = Promise.resolve(admission.admit(request));
    if (SEQ) await done;
    pending.push(done.then(async (t) => {
      lat.push(performance.now() - t0);
      if (NOSETTLE) return;
      await Bun.sleep(SETTLE_MS);
      t.settle({ usage: { prompt_tokens: 12, completion_tokens: 8, total_tokens: 20 }, costMicros: 15 });
    }));
  }
  await Promise.all(pending);
  while (!NOSETTLE && admission.unsettled > 0) await Bun.sleep(5);
  return lat.sort((a, b) => a - b);
}

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
await run(Math.min(500, N)); // warm-up (and seeding)
const SLOWLOG = process.env.SLOWLOG !== '0';
const slowlogBefore = ((await state.client.config('GET', 'slowlog-log-slower-than')) as string[])[1] ?? '10000';
if (SLOWLOG) await state.client.config('SET', 'slowlog-log-slower-than', '0');
await state.client.config('SET', 'slowlog-max-len', String(N * 30 + 1000));
await state.client.slowlog('RESET');
await state.client.config('RESETSTAT');
// Under valgrind (CALLGRIND_PID: redis-server's pid): zero the counters now, dump them after the run.
const callgrind = (op: string) => process.env.CALLGRIND_PID && Bun.spawnSync(['callgrind_control', op, process.env.CALLGRIND_PID]);
callgrind('-z');
const cpu0 = process.cpuUsage();
const lat = await run(N);
const cpu1 = process.cpuUsage(cpu0);
callgrind('-d');
const stats = await state.client.info('commandstats');
const entries = (await state.client.slowlog('GET', N * 30 + 1000)) as Array<[number, number, number, string[]]>;
await state.client.config('SET', 'slowlog-log-slower-than', slowlogBefore);
const admit: number[] = [];
const settle: number[] = [];
// A script's own commands are logged before the script itself (entries come newest first): walk them
// oldest first and count each run of inner commands to the script call that follows it.
let inner = 0;
let innerAdmit = 0;
let innerSettle = 0;
for (const e of entries.slice().reverse()) {
  const args = e[3];
  if (args[0]?.toLowerCase() !== 'evalsha') {
    if (!/^(config|slowlog|info)$/i.test(args[0] ?? '')) inner++;
    continue;
  }
  if (args[1] === ADMIT.sha) { admit.push(e[2]); innerAdmit += inner; } else { settle.push(e[2]); innerSettle += inner; }
  inner = 0;
}
admit.sort((a, b) => a - b);
settle.sort((a, b) => a - b);
const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / Math.max(1, xs.length);
const usec = /cmdstat_evalsha:calls=(\d+),usec=(\d+),usec_per_call=([\d.]+)/.exec(stats);
console.log(`${N} lone admissions at ${RATE}/s: client admit p50 ${(pct(lat, 50) * 1000).toFixed(0)} µs, p90 ${(pct(lat, 90) * 1000).toFixed(0)} µs; ` +
  `ADMIT script ${admit.length} calls, p50 ${pct(admit, 50)} µs, mean ${mean(admit).toFixed(1)} µs; SETTLE ${settle.length} calls, p50 ${pct(settle, 50) ?? '-'} µs, mean ${mean(settle).toFixed(1)} µs; ` +
  `commands per call: ADMIT ${(innerAdmit / Math.max(1, admit.length)).toFixed(2)}, SETTLE ${(innerSettle / Math.max(1, settle.length)).toFixed(2)}; ${(N / Math.max(1, settle.length)).toFixed(2)} settles per SETTLE call; evalsha usec_per_call ${usec?.[3] ?? '?'} (${usec?.[1] ?? 0} calls); client CPU ${((cpu1.user + cpu1.system) / N).toFixed(1)} µs/admission`);
admission.close();
await state.close();
await redis?.close();
process.exit(0);
