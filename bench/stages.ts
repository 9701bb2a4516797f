// The targets of the per-stage bench (issue 13): the bare proxy, the minimal metering floor (raw
// Bun.serve, then the same inside Elysia), the floor ladder (bench/floor-ladder.ts: limits, budget and ledger
// in their cheapest form on top of the floor), and the gateway with its layers switched on in turn, plus the
// full gateway on Redis-backed state (issue 9). Each is its own process on a random 127.0.0.1 port.

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { BENCH_METRICS_TOKEN, type StageOptions, stageYaml } from './gateway-config.ts';
import { type Child, freePort, readPort, spawnChild, waitHealthy } from './procs.ts';

export type StageId =
  | 'direct' | 'proxy' | 'floor' | 'framework' | 'auth' | 'limits' | 'budget' | 'ledger' | 'observe' | 'redis'
  | LadderId;

/** The floor ladder (bench/floor-ladder.ts): the cheapest form of each layer on raw Bun.serve. */
type LadderId = 'floor-limits' | 'floor-budget' | 'floor-ledger' | 'floor-ledger-libsql' | 'floor-ledger-noidx' | 'floor-ledger-array' | 'floor-full';
const LADDER: Array<{ id: LadderId; label: string; env: Record<string, string>; optIn?: boolean }> = [
  { id: 'floor-limits', label: 'floor + limits (rpm, tpm, concurrency; key + group)', env: { BENCH_LADDER: 'limits' } },
  { id: 'floor-budget', label: 'floor + limits + budget', env: { BENCH_LADDER: 'budget' } },
  { id: 'floor-ledger', label: 'floor + limits + budget + ledger (bun:sqlite, worker)', env: { BENCH_LADDER: 'ledger', BENCH_LEDGER_DRIVER: 'bun' } },
  // Only when named in BENCH_ONLY (each is one more target per round):
  { id: 'floor-ledger-libsql', label: 'floor ledger rung with @libsql/client', env: { BENCH_LADDER: 'ledger', BENCH_LEDGER_DRIVER: 'libsql' }, optIn: true },
  { id: 'floor-ledger-noidx', label: 'floor ledger rung, primary key only', env: { BENCH_LADDER: 'ledger', BENCH_LEDGER_DRIVER: 'bun', BENCH_LEDGER_INDEXES: '0' }, optIn: true },
  { id: 'floor-ledger-array', label: 'floor ledger rung, rows by postMessage of arrays', env: { BENCH_LADDER: 'ledger', BENCH_LEDGER_DRIVER: 'bun', BENCH_LEDGER_TRANSFER: 'array' }, optIn: true },
  { id: 'floor-full', label: 'floor ledger rung + gateway headers + abort timer', env: { BENCH_LADDER: 'ledger', BENCH_LEDGER_DRIVER: 'bun', BENCH_LADDER_HEADERS: '1' }, optIn: true },
];

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

/** `only`: BENCH_ONLY's ids (opt-in ladder rungs start only when named there). */
export async function startStages(upstreamPort: number, root: string, redisUrl: string | undefined, profileDir: string | undefined, only?: Set<string>): Promise<Stage[]> {
  const up = { BENCH_UPSTREAM: `http://127.0.0.1:${upstreamPort}` };
  const stages = [
    await simple('proxy', 'bare Bun proxy', 'bench/bare-proxy.ts', up),
    await simple('floor', 'minimal metering (raw Bun.serve)', 'bench/minimal-meter.ts', up),
  ];
  for (const l of LADDER) {
    if (only ? !only.has(l.id) : l.optIn) continue;
    const dbPath = join(root, `${l.id}.db`);
    const stage = await simple(l.id, l.label, 'bench/floor-ladder.ts', { ...up, ...l.env, BENCH_LEDGER_PATH: dbPath });
    stages.push(l.env.BENCH_LADDER === 'ledger' ? { ...stage, dbPath } : stage);
  }
  stages.push(await simple('framework', 'framework only: the same in Elysia', 'bench/minimal-meter.ts', { ...up, BENCH_FRAMEWORK: 'elysia' }));
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
