// Starts and reloads a gateway: load + compile the config, serve it with Elysia on Bun, hot-reload on
// change (all or nothing), and stop gracefully (drain in-flight requests, flush the ledger).

import { readFileSync } from 'node:fs';
import { compileGateway } from './compile/compile.ts';
import { compileProblem, formatProblem, hashText, loadConfigFile } from './config/load.ts';
import { priceWarnings } from './config/price-warnings.ts';
import { listenBodyCap, restartOnlyChanges, type StartFacts } from './config/restart-only.ts';
import { watchConfig, type WatchHandle } from './config/watch.ts';
import { createApp } from './http/app.ts';
import { createLogger, type Logger } from './log.ts';
import { Runtime } from './runtime/runtime.ts';
import { attachServices } from './runtime/services.ts';
import { assertNoKeyNameClash } from './runtime/key-name-clash.ts';
import { servicesOf } from './runtime/ledger-services.ts';
import { attachObservability } from './observe/attach.ts';
import { BalanceChecks } from './ops/balance-checks.ts';
import { HealthChecks } from './ops/health-checks.ts';
import { warmTokenizer } from './tokens/count.ts';

export interface StartOptions {
  configPath: string;
  port?: number;
  host?: string;
  env?: Record<string, string | undefined>;
  watch?: boolean;
  logger?: Logger;
  /** Index of this worker under a `server.workers` supervisor: the port is shared (SO_REUSEPORT). */
  worker?: number;
}

export interface RunningGateway {
  readonly url: string;
  readonly port: number;
  readonly runtime: Runtime;
  /** Reload now; resolves to whether a new config is serving. */
  reload(reason?: string): Promise<boolean>;
  /** Stop accepting, drain in-flight requests up to the drain timeout, flush, close. */
  stop(): Promise<void>;
}

export class ConfigInvalidError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('\n'));
  }
}

/** Combined fingerprint of the config bytes and the user code it loads (plugins, adapters). */
function fingerprint(configText: string, codeFiles: string[]): string {
  let text = configText;
  for (const f of codeFiles) {
    try {
      text += `\0${f}\0${readFileSync(f, 'utf8')}`;
    } catch {
      text += `\0${f}\0(missing)`;
    }
  }
  return hashText(text);
}

/** Says so when the providers' max_connections add up to more than this process's fetch may run at once. */
function warnFetchCap(runtime: Runtime, log: Logger): void {
  const cap = runtime.upstreamGate.fetchCap;
  const wanted = [...runtime.current().providers.values()].filter((p) => !p.adapter.serveLocally).reduce((n, p) => n + p.maxConnections, 0);
  if (wanted > cap) {
    log.warn('upstream requests beyond the runtime fetch cap are refused with 503 upstream_overloaded', {
      fetch_cap: cap, max_connections_total: wanted,
      fix: 'start with BUN_CONFIG_MAX_HTTP_REQUESTS=16384 in the environment (npm start and the Docker image set it), or lower providers.*.max_connections',
    });
  }
}

export async function startGateway(opts: StartOptions): Promise<RunningGateway> {
  const env = opts.env ?? process.env;
  const log = opts.logger ?? createLogger();
  const first = await loadConfigFile(opts.configPath, env);
  if (!first.ok) throw new ConfigInvalidError(first.problems.map(formatProblem));
  let compiled;
  try {
    compiled = await compileGateway(first);
  } catch (err) {
    throw new ConfigInvalidError([compileProblem(first, err)]);
  }
  const runtime = new Runtime(compiled.gateway, log);
  let codeFiles = compiled.codeFiles;
  let currentPrint = fingerprint(first.text, codeFiles);
  await warmTokenizer();
  const services = await attachServices(runtime, first.config, first.baseDir);
  try {
    assertNoKeyNameClash(first.config.keys, servicesOf(runtime)?.keys);
  } catch (err) {
    await services.close();
    throw new ConfigInvalidError([compileProblem(first, err)]);
  }
  const observability = attachObservability(runtime, first.config);
  const warnPrices = (loaded: Extract<Awaited<ReturnType<typeof loadConfigFile>>, { ok: true }>, gateway: typeof compiled.gateway) => {
    for (const w of priceWarnings(loaded.file, loaded.source, gateway)) log.warn('model has no price; its requests are recorded at $0', { problem: formatProblem(w) });
  };
  warnPrices(first, compiled.gateway);

  const server = first.config.server ?? {};
  const healthChecks = new HealthChecks(runtime);
  const balances = (runtime.balances = new BalanceChecks(runtime));
  const app = createApp(runtime, { worker: opts.worker }).listen({
    port: opts.port ?? server.port ?? 3000,
    hostname: opts.host ?? server.host ?? '127.0.0.1',
    maxRequestBodySize: listenBodyCap(compiled.gateway.maxBodyBytes),
    idleTimeout: 0,
    // Two gateways must not share a port silently (each would enforce its own budgets and limits); the
    // workers of one supervisor do share it, and the config then has shared state (storage.redis).
    reusePort: opts.worker !== undefined,
  });
  const bun = app.server!;
  const url = `http://${bun.hostname}:${bun.port}`;
  const startFacts: StartFacts = { listenBodyCap: listenBodyCap(compiled.gateway.maxBodyBytes), worker: opts.worker !== undefined };

  let reloading: Promise<boolean> = Promise.resolve(true);
  const reloadOnce = async (reason: string): Promise<boolean> => {
    try {
      return await tryReload(reason);
    } catch (err) {
      // Whatever throws, a reload is only ever rejected: the process and the running config stay up.
      const problem = `${opts.configPath}:1:1: reload failed: ${(err as Error)?.name ?? 'error'}`;
      runtime.recordReloadError([problem]);
      log.error('config reload rejected; the previous config keeps serving', { problem, reason });
      return false;
    }
  };
  const tryReload = async (reason: string): Promise<boolean> => {
    const loaded = await loadConfigFile(opts.configPath, env);
    if (loaded.ok && fingerprint(loaded.text, codeFiles) === currentPrint) {
      // Nothing changed (or a broken edit was undone): the running config is the file's config again.
      if (runtime.status.lastError) log.info('config file matches the running config again; earlier reload error cleared', { reason });
      else log.info('config unchanged; nothing to reload', { reason });
      runtime.status.lastError = undefined;
      return false;
    }
    if (!loaded.ok) {
      const problems = loaded.problems.map(formatProblem);
      runtime.recordReloadError(problems);
      for (const p of problems) log.error('config reload rejected; the previous config keeps serving', { problem: p, reason });
      return false;
    }
    let touched: string[] = [];
    try {
      const next = await compileGateway({ ...loaded, onCodeFiles: (files) => { touched = files; } });
      assertNoKeyNameClash(loaded.config.keys, servicesOf(runtime)?.keys);
      runtime.swap(next.gateway);
      codeFiles = next.codeFiles;
      currentPrint = fingerprint(loaded.text, codeFiles);
      watcher?.setCodeFiles(codeFiles);
      services.onReload(loaded.config);
      healthChecks.configure();
      balances.configure();
      log.info('config reloaded', { hash: next.gateway.hash, reason });
      const restartOnly = restartOnlyChanges(first.config, loaded.config, startFacts);
      if (restartOnly.length) {
        log.warn(`${restartOnly.join(', ')} changed; ${restartOnly.length === 1 ? 'it applies' : 'they apply'} after a restart (the rest of the config is live; still listening on ${url})`, { fields: restartOnly });
      }
      warnPrices(loaded, next.gateway);
      return true;
    } catch (err) {
      const problem = compileProblem(loaded, err);
      runtime.recordReloadError([problem]);
      // Also watch the files this failed load touched (a new plugin, a helper with a syntax error):
      // fixing and saving one of them retries the reload, no restart needed.
      watcher?.setCodeFiles([...new Set([...codeFiles, ...touched])]);
      log.error('config reload rejected; the previous config keeps serving', { problem, reason });
      return false;
    }
  };
  const reload = (reason = 'manual') => (reloading = reloading.then(() => reloadOnce(reason), () => reloadOnce(reason)));

  const watcher: WatchHandle | undefined = opts.watch === false ? undefined : watchConfig(opts.configPath, (reason) => void reload(reason));
  watcher?.setCodeFiles(codeFiles);
  await watcher?.ready;
  const gw0 = runtime.current();
  log.info('switchyard listening', {
    url, config: first.file, hash: gw0.hash, pid: process.pid, models: gw0.modelNames.length,
    storage: runtime.store?.url.split('?')[0] ?? 'none', state: gw0.config.storage?.redis ? 'redis (shared by every process using it)' : 'memory (this process)',
    dashboard: gw0.adminToken ? `${url}/dashboard` : 'off (set server.admin_token)',
    metrics: gw0.metrics.enabled && gw0.metrics.token ? `${url}/metrics` : 'off',
  });
  warnFetchCap(runtime, log);

  healthChecks.configure();
  balances.configure();

  let stopping: Promise<void> | undefined;
  return {
    url,
    port: bun.port ?? 0,
    runtime,
    reload,
    stop: () => (stopping ??= (async () => {
      const drainMs = runtime.current().config.server?.drain_timeout_ms ?? 30_000;
      runtime.draining = true;
      void bun.stop(false); // stop accepting connections; in-flight requests continue
      await watcher?.close();
      await healthChecks.stop();
      await balances.stop();
      const drained = await runtime.drain(drainMs);
      if (!drained) {
        log.warn('drain timeout reached; cutting the requests still in flight', { in_flight: runtime.inFlight });
        runtime.cutStreams(); // streams end with an error event and are recorded as cut (drain_timeout)
        await new Promise((resolve) => setTimeout(resolve, 50)); // let those last frames reach the sockets
      }
      await bun.stop(true);
      // Requests cut by closing their connections record their rows now; then the ledger is flushed.
      if (!drained) await runtime.drain(1000);
      await services.close();
      await observability.close(); // the last spans (rows recorded during the drain included)
    })()),
  };
}
