// `bun bench/redis-floor.ts`: the floor under a lone Redis admission's round trip: PING (the gateway's ioredis
// connection) and a trivial script (EVALSHA of `return 1`) through the gateway's script client (Bun's built-in
// one under Bun; SWITCHYARD_REDIS_SCRIPTS=ioredis: ioredis), paced at RATE per second for N
// each, against a fresh redis-server. Prints each one's client round trip p50/p90: what any admission
// costs before its script does anything (compare with `bench/redis-lone.ts`'s admit p50).
import { createLogger } from '../src/log.ts';
import { RedisState, script } from '../src/state/redis/client.ts';
import { startRedis } from '../test/helpers/redis.ts';
import { pacedCalls, percentile } from './paced.ts';

const N = Number(process.env.N ?? 3000);
const RATE = Number(process.env.RATE ?? 500);
const redis = await startRedis();
const state = new RedisState({ url: redis.url, prefix: 'floor', onUnavailable: 'reject', timeoutMs: 2000 }, createLogger('silent'));
await state.connect();
const TRIVIAL = script('return 1');

const pct = (xs: number[], p: number) => (percentile(xs, p) * 1000).toFixed(0);
try {
  for (const [name, op] of [['PING', () => state.client.ping()], ['EVALSHA return 1', () => state.run(TRIVIAL, [], [])]] as const) {
    await pacedCalls(op, N, RATE); // warm-up
    const lat = await pacedCalls(op, N, RATE);
    console.log(`${name}: ${N} at ${RATE}/s, client round trip p50 ${pct(lat, 50)} µs, p90 ${pct(lat, 90)} µs`);
  }
} finally {
  await state.close();
  await redis.close();
}
process.exit(0);
