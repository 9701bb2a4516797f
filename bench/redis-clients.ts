// `bun bench/redis-clients.ts`: ioredis against Bun's built-in RedisClient, the same commands on one fresh
// redis-server, in alternating rounds (ROUNDS, default 4). Per client and operation: back-to-back (each call
// waits for the one before, N calls) client CPU µs per call (this process, all threads), redis-server CPU µs
// per call (`INFO cpu` around the run) and the round trip p50; then paced at RATE per second (PACED_N calls,
// default 1500) the round trip p50/p90. Operations: PING, EVALSHA of `return 1`, and EVALSHA of a script shaped like the lone
// admission (2 keys, 21 arguments, a nested reply of integers and strings). Medians over the rounds.
import { Redis } from 'ioredis';
import { RedisClient } from 'bun';
import { startRedis } from '../test/helpers/redis.ts';
import { script } from '../src/state/redis/client.ts';
import { pacedCalls, percentile } from './paced.ts';
import { median } from './report.ts';

const N = Number(process.env.N ?? 3000);
const RATE = Number(process.env.RATE ?? 500);
const PACED_N = Number(process.env.PACED_N ?? 1500);
const ROUNDS = Number(process.env.ROUNDS ?? 4);
const redis = await startRedis();
const info = new Redis(redis.url);

const TRIVIAL = script('return 1');
// The admission's shape without its work: read the arguments, answer {'ok', n, {n, n}, 'text'}.
const SHAPED = script("local n = #ARGV return {'ok', tonumber(ARGV[1]), {tonumber(ARGV[2]), #KEYS}, ARGV[3]}");
const keys = ['bench:rl:a', 'bench:budget:a'];
const args: Array<string | number> = ['17', 42, 'node.0', ...Array.from({ length: 18 }, (_, i) => (i % 3 ? i * 1000 : `r${i}`))];

type Op = () => Promise<unknown>;
interface Client { name: string; connect: Op; ping: Op; trivial: Op; shaped: Op; close: () => void }

function ioredisClient(): Client {
  const c = new Redis(redis.url, { enableAutoPipelining: false, enableOfflineQueue: true, maxRetriesPerRequest: 0 });
  return {
    name: 'ioredis',
    connect: async () => {},
    ping: () => c.ping(),
    trivial: () => c.evalsha(TRIVIAL.sha, 0),
    shaped: () => c.evalsha(SHAPED.sha, keys.length, ...keys, ...args),
    close: () => c.disconnect(),
  };
}

function bunClient(pipelining: boolean): Client {
  const c = new RedisClient(redis.url, { enableOfflineQueue: false, enableAutoPipelining: pipelining });
  return {
    name: pipelining ? 'bun (auto-pipelining)' : 'bun',
    connect: () => c.connect(),
    ping: () => c.ping(),
    trivial: () => c.evalsha(TRIVIAL.sha, 0),
    shaped: () => c.evalsha(SHAPED.sha, keys.length, ...keys, ...args),
    close: () => c.close(),
  };
}

async function redisCpuS(): Promise<number> {
  const text = await info.info('cpu');
  const num = (re: RegExp) => Number(re.exec(text)?.[1] ?? 0);
  return num(/used_cpu_user:([\d.]+)/) + num(/used_cpu_sys:([\d.]+)/);
}


async function backToBack(op: Op): Promise<{ clientUs: number; serverUs: number; p50: number }> {
  const lat: number[] = [];
  const server0 = await redisCpuS();
  const cpu0 = process.cpuUsage();
  for (let i = 0; i < N; i++) {
    const t0 = performance.now();
    await op();
    lat.push(performance.now() - t0);
  }
  const cpu = process.cpuUsage(cpu0);
  const server = (await redisCpuS()) - server0;
  lat.sort((a, b) => a - b);
  return { clientUs: (cpu.user + cpu.system) / N, serverUs: (server * 1e6) / N, p50: percentile(lat, 50) * 1000 };
}

async function paced(op: Op): Promise<{ p50: number; p90: number }> {
  const lat = await pacedCalls(op, PACED_N, RATE);
  return { p50: percentile(lat, 50) * 1000, p90: percentile(lat, 90) * 1000 };
}

const clients = [ioredisClient(), bunClient(false), bunClient(true)];
const ops = ['ping', 'trivial', 'shaped'] as const;
const results = new Map<string, { clientUs: number[]; serverUs: number[]; b2bP50: number[]; p50: number[]; p90: number[] }>();
try {
  for (const c of clients) {
    await c.connect();
    await c.ping();
    await info.script('LOAD', TRIVIAL.lua);
    await info.script('LOAD', SHAPED.lua);
    for (const op of ops) for (let i = 0; i < 300; i++) await c[op](); // warm-up
  }
  for (let r = 0; r < ROUNDS; r++) {
    for (const c of r % 2 ? [...clients].reverse() : clients) {
      for (const op of ops) {
        const b = await backToBack(c[op]);
        const p = await paced(c[op]);
        const key = `${c.name} ${op}`;
        const row = results.get(key) ?? { clientUs: [], serverUs: [], b2bP50: [], p50: [], p90: [] };
        row.clientUs.push(b.clientUs);
        row.serverUs.push(b.serverUs);
        row.b2bP50.push(b.p50);
        row.p50.push(p.p50);
        row.p90.push(p.p90);
        results.set(key, row);
      }
    }
  }
  console.log(`| client, operation (${ROUNDS} rounds, medians) | client CPU µs/call | redis-server CPU µs/call | back-to-back p50 µs | p50 at ${RATE}/s µs | p90 at ${RATE}/s µs |`);
  console.log('|---|---:|---:|---:|---:|---:|');
  for (const op of ops) {
    for (const c of clients) {
      const row = results.get(`${c.name} ${op}`)!;
      console.log(`| ${c.name}, ${op} | ${median(row.clientUs).toFixed(1)} | ${median(row.serverUs).toFixed(1)} | ${median(row.b2bP50).toFixed(0)} | ${median(row.p50).toFixed(0)} | ${median(row.p90).toFixed(0)} |`);
    }
  }
} finally {
  for (const c of clients) c.close();
  info.disconnect();
  await redis.close();
}
process.exit(0);
