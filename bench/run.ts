// `bun run bench`: gateway overhead against a fake OpenAI upstream, side by side with a direct call and
// a bare Bun fetch-forwarding proxy, all on 127.0.0.1 random ports. Measures (1) req/s at 64 keep-alive
// connections with wrk, (2) p50/p99 at a fixed request rate with a paced TS load generator, (3) time to
// first chunk of streams. BENCH_LEDGER=off|on|both (default both) picks the gateway variants;
// BENCH_OBSERVE=on|off|both (default on) runs them with metrics + request log on, off, or both.
// Knobs (env): BENCH_SECONDS, BENCH_PACED_SECONDS, BENCH_RATE, BENCH_CONNECTIONS, BENCH_WRK_THREADS,
// BENCH_STREAMS, BENCH_SKIP_WRK=1, BENCH_PROFILE_DIR (run the gateways under `bun --cpu-prof-md`).
// See docs-drafts/bench.md.

import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { BENCH_KEY, BENCH_METRICS_TOKEN, BENCH_MODEL, gatewayYaml, type LedgerMode } from './gateway-config.ts';
import { readLedger } from './ledger-check.ts';
import { paced } from './paced.ts';
import { type Child, freePort, installExitHandlers, killAll, onCleanup, readPort, spawnChild, waitHealthy } from './procs.ts';
import { ratios, table, type TargetResult } from './report.ts';
import { ttfc } from './ttfc.ts';
import { runWrk, wrkAvailable, wrkMissingMessage, writeLua } from './wrk.ts';

const env = process.env;
const ledgerEnv = (env.BENCH_LEDGER ?? 'both').toLowerCase();
if (!['off', 'on', 'both'].includes(ledgerEnv)) {
  console.error(`bench: BENCH_LEDGER must be off, on or both (got "${env.BENCH_LEDGER}")`);
  process.exit(2);
}
const observeEnv = (env.BENCH_OBSERVE ?? 'on').toLowerCase();
if (!['off', 'on', 'both'].includes(observeEnv)) {
  console.error(`bench: BENCH_OBSERVE must be off, on or both (got "${env.BENCH_OBSERVE}")`);
  process.exit(2);
}
// Comparing observability on/off: by default with the ledger on only (two variants, same budget).
const ledgerModes: LedgerMode[] = ledgerEnv === 'both' && !(observeEnv === 'both' && env.BENCH_LEDGER === undefined) ? ['off', 'on'] : [ledgerEnv === 'both' ? 'on' : (ledgerEnv as LedgerMode)];
const observeModes = observeEnv === 'both' ? [false, true] : [observeEnv === 'on'];
const modes = ledgerModes.flatMap((ledger) => observeModes.map((observe) => ({ ledger, observe })));
// Two gateway variants share the ~90 s budget: 8 s per measurement instead of 10.
const defaultSeconds = modes.length >= 2 ? 8 : 10;
const num = (name: string, fallback: number) => {
  const v = Number(env[name] ?? fallback);
  if (!Number.isFinite(v) || v <= 0) throw new Error(`bench: ${name} must be a positive number`);
  return v;
};
const seconds = num('BENCH_SECONDS', defaultSeconds);
const pacedSeconds = num('BENCH_PACED_SECONDS', defaultSeconds);
const rate = num('BENCH_RATE', 500);
const connections = num('BENCH_CONNECTIONS', 64);
const wrkThreads = num('BENCH_WRK_THREADS', 1);
const streams = num('BENCH_STREAMS', 200);
const skipWrk = env.BENCH_SKIP_WRK === '1';
const profileDir = env.BENCH_PROFILE_DIR ? resolve(env.BENCH_PROFILE_DIR) : undefined;
const maxSeconds = num('BENCH_MAX_SECONDS', 150);

const body = JSON.stringify({ model: BENCH_MODEL, messages: [{ role: 'user', content: 'Say hello in one short sentence.' }], max_tokens: 16 });
const streamBody = JSON.stringify({ model: BENCH_MODEL, messages: [{ role: 'user', content: 'Say hello in one short sentence.' }], max_tokens: 16, stream: true });
const headers = { 'content-type': 'application/json', authorization: `Bearer ${BENCH_KEY}` };
const log = (msg: string) => console.error(`[bench ${((performance.now() - t0) / 1000).toFixed(1)}s] ${msg}`);
const t0 = performance.now();

interface Target {
  label: string;
  url: string;
  result: TargetResult;
  /** Requests this target answered (verify + warm-up + measurements), to compare with ledger rows. */
  answered: number;
}

async function startGateway(variant: { ledger: LedgerMode; observe: boolean }, upstreamPort: number, root: string): Promise<{ target: Target; child: Child; mode: LedgerMode; observe: boolean; dbPath: string }> {
  const mode = variant.ledger;
  const name = `ledger-${mode}${observeModes.length > 1 ? `-observe-${variant.observe ? 'on' : 'off'}` : ''}`;
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  const configPath = join(dir, 'gateway.yaml');
  await Bun.write(configPath, gatewayYaml({ upstreamPort, dir, ledger: mode, observe: variant.observe }));
  const port = freePort();
  const prof = profileDir ? ['--cpu-prof', '--cpu-prof-md', `--cpu-prof-dir=${profileDir}`, `--cpu-prof-name=gateway-${name}`] : [];
  // Observability on: JSON log lines (one per request) to stdout, read and discarded as a log shipper would.
  const child = spawnChild([process.execPath, ...prof, 'src/cli.ts', 'start', '--config', configPath, '--port', String(port)], { SWITCHYARD_LOG: variant.observe ? 'info' : 'silent' });
  void (async () => { for await (const _ of child.proc.stdout) { /* discard */ } })().catch(() => {});
  const base = `http://127.0.0.1:${port}`;
  await waitHealthy(`${base}/health`, child, `gateway (${name})`);
  const ledgerLabel = mode === 'off' ? 'ledger off' : 'ledger on: budget + limits';
  const label = observeModes.length > 1 ? `gateway (${ledgerLabel}; metrics + request log ${variant.observe ? 'on' : 'off'})` : `gateway (${ledgerLabel})`;
  return { target: { label, url: `${base}/v1/chat/completions`, result: { label }, answered: 0 }, child, mode, observe: variant.observe, dbPath: join(dir, 'data', 'switchyard.db') };
}

/** User + system CPU of a process (all its threads) in ms, from /proc (Linux); undefined elsewhere. */
function cpuMs(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // utime + stime, in USER_HZ (100/s)
  } catch {
    return undefined;
  }
}

/** Scrapes /metrics of the observing gateways every 2 s while the bench runs (as Prometheus would, more often). */
function scrapeMetrics(urls: string[]): () => void {
  const timer = setInterval(() => {
    for (const u of urls) void fetch(u, { headers: { authorization: `Bearer ${BENCH_METRICS_TOKEN}` } }).then((r) => r.arrayBuffer()).catch(() => {});
  }, 2000);
  return () => clearInterval(timer);
}

/** One request per target before measuring: a broken setup fails loudly instead of benchmarking 4xx. */
async function verify(target: Target): Promise<void> {
  const res = await fetch(target.url, { method: 'POST', headers, body });
  const text = await res.text();
  if (res.status !== 200 || !text.includes('"chat.completion"')) {
    throw new Error(`${target.label} answered HTTP ${res.status}: ${text.slice(0, 500)}`);
  }
  target.answered += 1;
}

async function main(): Promise<void> {
  installExitHandlers();
  const watchdog = setTimeout(() => {
    console.error(`bench: still running after ${maxSeconds} s; stopping (BENCH_MAX_SECONDS)`);
    killAll();
    process.exit(1);
  }, maxSeconds * 1000);
  watchdog.unref();

  const haveWrk = !skipWrk && (await wrkAvailable());
  if (!haveWrk && !skipWrk) {
    console.error(wrkMissingMessage());
    process.exit(1);
  }
  const root = mkdtempSync(join(tmpdir(), 'switchyard-bench-'));
  onCleanup(() => rmSync(root, { recursive: true, force: true }));
  if (profileDir) mkdirSync(profileDir, { recursive: true });

  const loadAtStart = loadavg().map((l) => l.toFixed(2)).join(' ');
  log(`bun ${Bun.version}, ${availableParallelism()} cores, load average ${loadAtStart}`);
  const upstreamChild = spawnChild([process.execPath, 'bench/fake-upstream.ts'], {});
  const upstreamPort = await readPort(upstreamChild, 'fake upstream');
  const proxyChild = spawnChild([process.execPath, 'bench/bare-proxy.ts'], { BENCH_UPSTREAM: `http://127.0.0.1:${upstreamPort}` });
  const proxyPort = await readPort(proxyChild, 'bare proxy');
  const gateways = await Promise.all(modes.map((m) => startGateway(m, upstreamPort, root)));
  const stopScraping = scrapeMetrics(gateways.filter((g) => g.observe).map((g) => g.target.url.replace('/v1/chat/completions', '/metrics')));

  const direct: Target = { label: 'direct upstream', url: `http://127.0.0.1:${upstreamPort}/v1/chat/completions`, result: { label: 'direct upstream' }, answered: 0 };
  const proxy: Target = { label: 'bare Bun proxy', url: `http://127.0.0.1:${proxyPort}/v1/chat/completions`, result: { label: 'bare Bun proxy' }, answered: 0 };
  const targets = [direct, proxy, ...gateways.map((g) => g.target)];
  for (const t of targets) await verify(t);
  log(`ready: upstream :${upstreamPort}, proxy :${proxyPort}, ${gateways.map((g) => g.target.url.split('/')[2]).join(', ')}`);

  if (haveWrk) {
    const lua = await writeLua(join(root, 'post.lua'), body, headers);
    for (const t of targets) {
      log(`throughput: ${t.label} (1 s warm-up, ${seconds} s at ${connections} connections)`);
      t.answered += (await runWrk(t.url, lua, { connections, threads: wrkThreads, seconds: 1 })).requests;
      const pid = gateways.find((g) => g.target === t)?.child.proc.pid;
      const cpuBefore = pid ? cpuMs(pid) : undefined;
      t.result.wrk = await runWrk(t.url, lua, { connections, threads: wrkThreads, seconds });
      const cpuAfter = pid ? cpuMs(pid) : undefined;
      if (cpuBefore !== undefined && cpuAfter !== undefined && t.result.wrk.requests > 0) t.result.cpuUsPerRequest = ((cpuAfter - cpuBefore) * 1000) / t.result.wrk.requests;
      t.answered += t.result.wrk.requests;
    }
    if (observeModes.length > 1) {
      // On a busy host, req/s measured one target after another drifts with other load; alternating short
      // rounds and comparing round by round shows the on/off cost far more steadily.
      const rounds = num('BENCH_OBSERVE_ROUNDS', 4);
      for (let r = 1; r <= rounds; r++) {
        for (const g of gateways) {
          log(`observability round ${r}/${rounds}: ${g.target.label} (4 s)`);
          const before = cpuMs(g.child.proc.pid);
          const w = await runWrk(g.target.url, lua, { connections, threads: wrkThreads, seconds: 4 });
          const after = cpuMs(g.child.proc.pid);
          g.target.answered += w.requests;
          const rounds_ = (g.target.result.rounds ??= { rps: [], cpuUs: [] });
          rounds_.rps.push(w.rps);
          if (before !== undefined && after !== undefined && w.requests > 0) rounds_.cpuUs.push(((after - before) * 1000) / w.requests);
        }
      }
    }
  } else {
    log('throughput: skipped (BENCH_SKIP_WRK=1)');
    // Still warm up the JIT before the latency runs.
    for (const t of targets) {
      for (let i = 0; i < 500; i++) await (await fetch(t.url, { method: 'POST', headers, body })).arrayBuffer();
      t.answered += 500;
    }
  }

  for (const t of targets) {
    log(`latency: ${t.label} (${rate} req/s for ${pacedSeconds} s)`);
    t.result.paced = await paced(t.url, { headers, body }, { rate, seconds: pacedSeconds });
    t.answered += t.result.paced.ok;
  }

  for (const t of targets) {
    log(`streams: ${t.label} (${streams} sequential)`);
    t.result.ttfc = await ttfc(t.url, { headers, body: streamBody }, streams);
    t.answered += t.result.ttfc.n - t.result.ttfc.failed;
  }

  stopScraping();
  log('stopping the gateways (graceful: drain + flush)');
  await Promise.all(gateways.map((g) => g.child.stop('SIGTERM', 10_000)));
  await upstreamChild.stop();
  await proxyChild.stop();
  clearTimeout(watchdog);

  const gwResults = gateways.map((g) => g.target.result);
  console.log(`\n## Switchyard bench (${new Date().toISOString()})\n`);
  console.log(`bun ${Bun.version} · ${availableParallelism()} cores · wrk -t${wrkThreads} -c${connections} -d${seconds}s · paced ${rate} req/s × ${pacedSeconds} s · ${streams} streams of 20 chunks · all processes on one host`);
  // Other work on the host skews one target more than another (they are measured one after the other).
  console.log(`load average at start ${loadAtStart} · at end ${loadavg().map((l) => l.toFixed(2)).join(' ')} (1/5/15 min)\n`);
  console.log(table(targets.map((t) => t.result), { connections, rate, streams }));
  console.log('\n' + ratios(direct.result, proxy.result, gwResults));
  for (const g of gateways.filter((x) => x.mode === 'on')) {
    const check = readLedger(g.dbPath);
    console.log(typeof check === 'string'
      ? `- ${g.target.label}: ledger check: ${check}`
      : `- ${g.target.label}: ledger rows written ${check.rows.toLocaleString('en-US')} for ~${g.target.answered.toLocaleString('en-US')} answered requests; recorded spend $${(check.costMicros / 1e6).toFixed(6)}`);
  }
  if (profileDir) console.log(`\nCPU profiles of the gateways: ${profileDir}`);
  console.log(`\ntotal bench time ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}

main().then(
  () => {
    killAll();
    process.exit(0);
  },
  (err: unknown) => {
    console.error(`bench failed: ${err instanceof Error ? err.message : String(err)}`);
    killAll();
    process.exit(1);
  },
);
