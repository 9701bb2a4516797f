// The memory goal of issue 13: 5,000 concurrent slow streams through one gateway (auth, limits, budget,
// file ledger, metrics and request log on), RSS sampled every 100 ms; idle before, peak during, and
// after the streams ended (polled until back within 20% of idle, at most BENCH_MEMORY_SETTLE_S = 30 s). Everything on 127.0.0.1; the
// gateway and the client run with BUN_CONFIG_MAX_HTTP_REQUESTS raised (as `npm start` does), since Bun's
// fetch otherwise queues beyond 256 concurrent requests.

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { BENCH_KEY, BENCH_MODEL, stageYaml } from './gateway-config.ts';
import { rssMb } from './proc-stats.ts';
import { freePort, readPort, spawnChild, waitHealthy } from './procs.ts';

export interface MemoryResult {
  streams: number;
  completed: number;
  failed: number;
  peakOpen: number;
  idleMb: number;
  peakMb: number;
  /** RSS when it was first back within 20% of idle, or at the end of the settle time. */
  afterMb: number;
  /** Seconds after the last stream ended until afterMb was read. */
  settledAfterS: number;
  seconds: number;
}

const MAX_FETCH = { BUN_CONFIG_MAX_HTTP_REQUESTS: '16384' };

export async function measureStreams(root: string, n: number, log: (m: string) => void): Promise<MemoryResult> {
  const chunkDelay = Number(process.env.BENCH_MEMORY_CHUNK_DELAY_MS ?? 400);
  const settle = Number(process.env.BENCH_MEMORY_SETTLE_S ?? 30);
  const upstream = spawnChild([process.execPath, 'bench/fake-upstream.ts'], { BENCH_CHUNK_DELAY_MS: String(chunkDelay), BENCH_CHUNKS: '20' });
  const upstreamPort = await readPort(upstream, 'slow upstream');
  const dir = join(root, 'memory');
  mkdirSync(dir, { recursive: true });
  const config = join(dir, 'gateway.yaml');
  await Bun.write(config, stageYaml({ upstreamPort, dir, limits: true, budget: true, ledgerFile: true, observe: true, maxConnections: 2 * n }));
  const port = freePort();
  const gw = spawnChild([process.execPath, 'src/cli.ts', 'start', '--config', config, '--port', String(port)], { ...MAX_FETCH, SWITCHYARD_LOG: 'info' });
  void (async () => { for await (const _ of gw.proc.stdout) { /* discard */ } })().catch(() => {});
  const base = `http://127.0.0.1:${port}`;
  try {
    await waitHealthy(`${base}/health`, gw, 'gateway (memory)');
    const url = `${base}/v1/chat/completions`;
    const headers = { 'content-type': 'application/json', authorization: `Bearer ${BENCH_KEY}` };
    const body = JSON.stringify({ model: BENCH_MODEL, messages: [{ role: 'user', content: 'Say hello.' }] });
    for (let i = 0; i < 300; i++) await (await fetch(url, { method: 'POST', headers, body })).arrayBuffer();
    await Bun.sleep(2000);
    const pid = gw.proc.pid;
    const idleMb = rssMb(pid) ?? NaN;
    log(`memory: idle RSS ${idleMb.toFixed(0)} MB; opening ${n} streams (20 chunks, ${chunkDelay} ms apart)`);
    let peakMb = idleMb;
    const sampler = setInterval(() => { peakMb = Math.max(peakMb, rssMb(pid) ?? 0); }, 100);
    const t0 = performance.now();
    const client = spawnChild([process.execPath, 'bench/slow-client.ts'], { ...MAX_FETCH, BENCH_URL: url, BENCH_STREAMS_N: String(n) });
    const out = await new Response(client.proc.stdout).text();
    await client.proc.exited;
    clearInterval(sampler);
    const seconds = (performance.now() - t0) / 1000;
    const line = out.trim().split('\n').at(-1) ?? '{}';
    const r = JSON.parse(line) as { completed?: number; failed?: number; peakOpen?: number };
    if (r.completed === undefined) throw new Error(`stream client printed no result: ${client.stderr().slice(-500)}`);
    // The allocator hands freed pages back over some seconds: poll until within 20% of idle or the settle time.
    const ended = performance.now();
    let afterMb = rssMb(pid) ?? NaN;
    while (afterMb > idleMb * 1.2 && performance.now() - ended < settle * 1000) {
      await Bun.sleep(500);
      afterMb = rssMb(pid) ?? NaN;
    }
    const settledAfterS = (performance.now() - ended) / 1000;
    log(`memory: peak RSS ${peakMb.toFixed(0)} MB; ${afterMb.toFixed(0)} MB ${settledAfterS.toFixed(1)} s after the streams ended`);
    return { streams: n, completed: r.completed, failed: r.failed ?? 0, peakOpen: r.peakOpen ?? 0, idleMb, peakMb, afterMb, settledAfterS, seconds };
  } finally {
    await gw.stop('SIGTERM', 10_000);
    await upstream.stop();
  }
}
