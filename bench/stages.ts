// The targets of the per-stage bench (issue 13): the bare proxy, the minimal metering floor (raw
// Bun.serve, then the same inside Elysia), and the gateway with its layers switched on in turn, plus the
// full gateway on Redis-backed state (issue 9). Each is its own process on a random 127.0.0.1 port.

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { BENCH_METRICS_TOKEN, type StageOptions, stageYaml } from './gateway-config.ts';
import { type Child, freePort, readPort, spawnChild, waitHealthy } from './procs.ts';

export type StageId = 'direct' | 'proxy' | 'floor' | 'framework' | 'auth' | 'limits' | 'budget' | 'ledger' | 'observe' | 'redis';

export interface Stage {
  id: StageId;
  label: string;
  url: string;
  child?: Child;
  /** /metrics to scrape while the bench runs (observability on). */
  metricsUrl?: string;
  /** The ledger file, to count its rows afterwards. */
  dbPath?: string;
}

type Layers = Omit<StageOptions, 'upstreamPort' | 'dir' | 'redis'> & { redis?: boolean };
const GATEWAY_STAGES: Array<{ id: StageId; label: string; layers: Layers }> = [
  { id: 'auth', label: 'gateway: pipeline + auth', layers: { limits: false, budget: false, ledgerFile: false, observe: false } },
  { id: 'limits', label: '+ limits (rpm, tpm, concurrency; key + group)', layers: { limits: true, budget: false, ledgerFile: false, observe: false } },
  { id: 'budget', label: '+ budget', layers: { limits: true, budget: true, ledgerFile: false, observe: false } },
  { id: 'ledger', label: '+ ledger (file, worker thread)', layers: { limits: true, budget: true, ledgerFile: true, observe: false } },
  { id: 'observe', label: '+ metrics + request log', layers: { limits: true, budget: true, ledgerFile: true, observe: true } },
  { id: 'redis', label: 'all on, limits + budget on Redis', layers: { limits: true, budget: true, ledgerFile: true, observe: true, redis: true } },
];

async function simple(id: StageId, label: string, script: string, env: Record<string, string>): Promise<Stage> {
  const child = spawnChild([process.execPath, script], env);
  const port = await readPort(child, label);
  return { id, label, url: `http://127.0.0.1:${port}/v1/chat/completions`, child };
}

export async function startStages(upstreamPort: number, root: string, redisUrl: string | undefined, profileDir: string | undefined): Promise<Stage[]> {
  const up = { BENCH_UPSTREAM: `http://127.0.0.1:${upstreamPort}` };
  const stages = [
    await simple('proxy', 'bare Bun proxy', 'bench/bare-proxy.ts', up),
    await simple('floor', 'minimal metering (raw Bun.serve)', 'bench/minimal-meter.ts', up),
    await simple('framework', 'framework only: the same in Elysia', 'bench/minimal-meter.ts', { ...up, BENCH_FRAMEWORK: 'elysia' }),
  ];
  for (const s of GATEWAY_STAGES) {
    if (s.layers.redis && !redisUrl) continue;
    const dir = join(root, s.id);
    mkdirSync(dir, { recursive: true });
    const config = join(dir, 'gateway.yaml');
    await Bun.write(config, stageYaml({ upstreamPort, dir, ...s.layers, redis: s.layers.redis ? redisUrl : undefined }));
    const port = freePort();
    const prof = profileDir ? ['--cpu-prof', '--cpu-prof-md', `--cpu-prof-dir=${profileDir}`, `--cpu-prof-name=gateway-${s.id}`] : [];
    const env: Record<string, string> = { SWITCHYARD_LOG: s.layers.observe ? 'info' : 'silent' };
    if (!s.layers.ledgerFile) env.SWITCHYARD_LEDGER_THREAD = 'discard';
    const child = spawnChild([process.execPath, ...prof, 'src/cli.ts', 'start', '--config', config, '--port', String(port)], env);
    // Observability on: one JSON line per request on stdout, read and discarded as a log shipper would.
    void (async () => { for await (const _ of child.proc.stdout) { /* discard */ } })().catch(() => {});
    const base = `http://127.0.0.1:${port}`;
    await waitHealthy(`${base}/health`, child, s.label);
    stages.push({
      id: s.id, label: s.label, url: `${base}/v1/chat/completions`, child,
      metricsUrl: s.layers.observe ? `${base}/metrics` : undefined,
      dbPath: s.layers.ledgerFile ? join(dir, 'data', 'switchyard.db') : undefined,
    });
  }
  return stages;
}

/** Scrapes /metrics every 2 s while the bench runs (as Prometheus would, more often). */
export function scrapeMetrics(urls: string[]): () => void {
  const timer = setInterval(() => {
    for (const u of urls) void fetch(u, { headers: { authorization: `Bearer ${BENCH_METRICS_TOKEN}` } }).then((r) => r.arrayBuffer()).catch(() => {});
  }, 2000);
  return () => clearInterval(timer);
}
