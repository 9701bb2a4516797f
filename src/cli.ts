#!/usr/bin/env bun
// Command line: `switchyard start [--config FILE] [--port N]`, `switchyard validate [FILE]` and
// `switchyard models PROVIDER [--config FILE]` (the provider's own model list next to gateway.yaml's),
// `switchyard providers:test [--config FILE] [provider...]` (one minimal request per upstream model);
// no command prints the usage (exit 2). Also `npm start` / `npm run validate`, and `npx switchyard`
// through the package "bin" (cli-launcher.mjs). SWITCHYARD_CONFIG and PORT are read from the environment.

import { catalogReport } from './compile/catalog-report.ts';
import { workerCount } from './cluster/config-check.ts';
import { runWorkers } from './cluster/start-workers.ts';
import { announceReady, holdSighupWhileStarting, onSupervisorGone, workerIdentity, workerLogger } from './cluster/worker.ts';
import { compileProblem, formatProblem, loadConfigFile } from './config/load.ts';
import { compileGateway } from './compile/compile.ts';
import { priceWarnings } from './config/price-warnings.ts';
import { ConfigInvalidError, startGateway } from './gateway.ts';
import { DEFAULT_STALL_EXIT_MS, startStallWatchdog } from './runtime/stall-watchdog.ts';
import { createLogger } from './log.ts';
import { providersTestCommand } from './ops/providers-test-command.ts';
import { upstreamModelList } from './upstream/model-list.ts';

const USAGE = `usage:
  switchyard help                                          this text
  switchyard start [--config FILE] [--port N] [--host H]   serve the gateway (default config: gateway.yaml)
  switchyard validate [FILE] [--load-code]                 check a config; exit 1 with file:line:col problems
                                                           (user plugins/adapters are parsed, not run, unless --load-code)
  switchyard models PROVIDER [--config FILE]               list the provider's own models (e.g. Ollama's /api/tags);
                                                           exit 1 if gateway.yaml serves one it does not have
  switchyard providers:test [--config FILE] [provider...]  one minimal request per upstream model; exit 1 if any fails`;

function flag(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  if (i >= 0) return args[i + 1];
  const eq = args.find((a) => a.startsWith(`${name}=`));
  return eq?.slice(name.length + 1);
}

async function validate(args: string[]): Promise<number> {
  const file = args.find((a) => !a.startsWith('-')) ?? process.env.SWITCHYARD_CONFIG ?? 'gateway.yaml';
  // No user code runs unless asked: plugin and adapter files are parsed and their imports resolved.
  const loadCode = args.includes('--load-code');
  const result = await loadConfigFile(file);
  if (!result.ok) {
    for (const p of result.problems) console.log(formatProblem(p));
    return 1;
  }
  let userFiles: string[] = [];
  let compiled;
  try {
    compiled = await compileGateway({ ...result, staticCode: !loadCode, onCodeFiles: (files) => { userFiles = files; } });
  } catch (err) {
    console.log(compileProblem(result, err));
    return 1;
  }
  for (const line of catalogReport(compiled.gateway)) console.log(line);
  for (const w of priceWarnings(result.file, result.source, compiled.gateway)) console.log(formatProblem(w));
  console.log(`${result.file}: ok`);
  if (!loadCode && userFiles.length) {
    console.log(`note: ${userFiles.length} user code file(s) parsed, not run; plugin options and hooks are checked when the gateway loads them (or now: switchyard validate --load-code, which runs their top-level code)`);
  }
  return 0;
}

async function models(args: string[]): Promise<number> {
  const name = args.find((a, i) => !a.startsWith('-') && args[i - 1] !== '--config');
  const loaded = await loadConfigFile(flag(args, '--config') ?? process.env.SWITCHYARD_CONFIG ?? 'gateway.yaml');
  if (!loaded.ok) {
    for (const p of loaded.problems) console.log(formatProblem(p));
    return 1;
  }
  const { gateway } = await compileGateway(loaded);
  const provider = name ? gateway.providers.get(name) : undefined;
  if (!provider) {
    console.error(`switchyard models: name a provider from gateway.yaml (${[...gateway.providers.keys()].join(', ')})`);
    return 2;
  }
  let report;
  try {
    report = await upstreamModelList(provider);
  } catch (err) {
    console.error(`switchyard models: ${(err as Error).message}`);
    return 1;
  }
  console.log(`Provider "${provider.name}" has ${report.upstream.length} model(s):`);
  const width = Math.max(8, ...report.upstream.map((id) => id.length));
  for (const id of report.upstream) {
    const served = report.servedAs.get(id);
    console.log(`  ${id.padEnd(width)}  ${served ? `served as ${served.join(', ')}` : 'not in gateway.yaml'}`);
  }
  for (const m of report.missing) console.log(`warning: model "${m.name}" is served from "${m.upstream}", which provider "${provider.name}" does not have`);
  console.log(`To serve them all under their own names: models: [${report.upstream.join(', ')}]`);
  return report.missing.length ? 1 : 0;
}

async function start(args: string[]): Promise<void> {
  // `npm start --port 8080` loses the flag to npm and passes a bare "8080": say so instead of ignoring it.
  const known = new Set(['--config', '--port', '--host']);
  const stray = args.filter((a, i) => !a.startsWith('--') && !known.has(args[i - 1] ?? ''));
  const unknownFlag = args.find((a) => a.startsWith('--') && !known.has(a.split('=')[0]));
  if (stray.length || unknownFlag) {
    console.error(`switchyard start: unexpected argument "${unknownFlag ?? stray[0]}". With npm, pass flags after --: npm start -- --port 8080 (or use PORT=8080 npm start).\n${USAGE}`);
    process.exit(2);
  }
  const configPath = flag(args, '--config') ?? process.env.SWITCHYARD_CONFIG ?? 'gateway.yaml';
  const portText = flag(args, '--port') ?? process.env.PORT;
  const port = portText !== undefined ? Number(portText) : undefined;
  if (port !== undefined && (!Number.isInteger(port) || port < 0 || port > 65535)) {
    console.error(`invalid port "${portText}"`);
    process.exit(2);
  }
  const host = flag(args, '--host');
  const worker = workerIdentity(process.env);
  if (!worker) {
    // server.workers > 1: this process becomes the supervisor of N gateway processes on one port; it
    // handles the signals itself. (An invalid config falls through: startGateway reports its problems.)
    const loaded = await loadConfigFile(configPath);
    if (loaded.ok && workerCount(loaded.config) > 1) {
      await runWorkers({ config: loaded.config, workers: workerCount(loaded.config), cliPath: import.meta.path, args, port, host });
    }
  }
  const releaseSighup = worker ? holdSighupWhileStarting() : undefined;
  // Signals are handled from the first moment: a SIGTERM while starting stops the gateway once it is up.
  let gateway: Awaited<ReturnType<typeof startGateway>> | undefined;
  let pending: string | undefined;
  let stopping = false;
  const shutdown = (signal: string) => {
    if (!gateway) {
      pending ??= signal;
      return;
    }
    if (stopping) return; // e.g. Ctrl-C reaches both a launcher (which forwards it) and the gateway
    stopping = true;
    gateway.runtime.log.info('shutting down', { signal, in_flight: gateway.runtime.inFlight });
    const log = gateway.runtime.log;
    const exit = (code: number) => {
      log.flush?.(); // buffered info lines (src/log.ts) leave before the process does
      process.exit(code);
    };
    gateway.stop().then(() => exit(0), () => exit(1));
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
  try {
    const logger = worker ? workerLogger(createLogger(), worker) : undefined;
    gateway = await startGateway({ configPath, port, host, logger, worker: worker?.index });
  } catch (err) {
    if (err instanceof ConfigInvalidError) {
      console.error(`switchyard: the config is invalid, not starting:`);
      for (const p of err.problems) console.error(p);
    } else {
      const message = (err as Error).message;
      const hint = /in use|EADDRINUSE/i.test(message) ? ' Another process listens there: stop it, or choose another port with --port N or PORT=N.' : '';
      console.error(`switchyard: failed to start: ${message}${hint}`);
    }
    process.exit(1);
  }
  // A plugin's (or adapter's) floating promise that rejects must not take the gateway down: Bun exits on
  // an unhandled rejection. It is logged (secrets masked) and the gateway keeps serving.
  const running = gateway;
  process.on('unhandledRejection', (reason) => {
    const err = reason instanceof Error ? reason : new Error(String(reason));
    running.runtime.log.error('unhandled promise rejection (in a plugin or adapter?); still serving', { error: `${err.name}: ${err.message}`, stack: err.stack });
  });
  releaseSighup?.();
  startStallWatchdog(running.runtime.current().config.server?.stall_exit_ms ?? DEFAULT_STALL_EXIT_MS);
  if (worker) {
    onSupervisorGone(() => shutdown('supervisor exited'));
    announceReady(running.port);
  }
  if (pending) shutdown(pending);
}

const [command, ...rest] = process.argv.slice(2);
if (command === 'validate') process.exit(await validate(rest));
else if (command === 'models') process.exit(await models(rest));
else if (command === 'providers:test') process.exit(await providersTestCommand(rest));
else if (command === 'start') await start(rest);
else if (command === 'help' || command === '--help' || command === '-h') console.log(USAGE);
else {
  // No command is a usage error, not an implicit start: a typo must not bind a port.
  console.error(`${command === undefined ? 'switchyard: no command given' : `switchyard: unknown command "${command}"`}\n${USAGE}`);
  process.exit(2);
}

export { formatProblem };
