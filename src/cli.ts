#!/usr/bin/env bun
// Command line: `switchyard start [--config FILE] [--port N]`, `switchyard validate [FILE]` and
// `switchyard providers:test [--config FILE] [provider...]`.
// Also `bun run start` / `bun run validate`. SWITCHYARD_CONFIG and PORT are read from the environment.

import { compileProblem, formatProblem, loadConfigFile } from './config/load.ts';
import { compileGateway } from './compile/compile.ts';
import { ConfigInvalidError, startGateway } from './gateway.ts';
import { providersTestCommand } from './ops/providers-test-command.ts';

const USAGE = `usage:
  switchyard start [--config FILE] [--port N] [--host H]   serve the gateway (default config: gateway.yaml)
  switchyard validate [FILE]                               check a config; exit 1 with file:line:col problems
  switchyard providers:test [--config FILE] [provider...]  one minimal request per upstream model; exit 1 if any fails`;

function flag(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  if (i >= 0) return args[i + 1];
  const eq = args.find((a) => a.startsWith(`${name}=`));
  return eq?.slice(name.length + 1);
}

async function validate(args: string[]): Promise<number> {
  const file = args.find((a) => !a.startsWith('-')) ?? process.env.SWITCHYARD_CONFIG ?? 'gateway.yaml';
  const result = await loadConfigFile(file);
  if (!result.ok) {
    for (const p of result.problems) console.log(formatProblem(p));
    return 1;
  }
  try {
    await compileGateway(result);
  } catch (err) {
    console.log(compileProblem(result, err));
    return 1;
  }
  console.log(`${result.file}: ok`);
  return 0;
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
  let gateway;
  try {
    gateway = await startGateway({ configPath, port, host: flag(args, '--host') });
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
  const shutdown = (signal: string) => {
    gateway.runtime.log.info('shutting down', { signal, in_flight: gateway.runtime.inFlight });
    const exit = (code: number) => {
      gateway.runtime.log.flush?.();
      process.exit(code);
    };
    gateway.stop().then(() => exit(0), () => exit(1));
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

const [command = 'start', ...rest] = process.argv.slice(2);
if (command === 'validate') process.exit(await validate(rest));
else if (command === 'providers:test') process.exit(await providersTestCommand(rest));
else if (command === 'start') await start(rest);
else if (command === 'help' || command === '--help' || command === '-h') console.log(USAGE);
else {
  console.error(`unknown command "${command}"\n${USAGE}`);
  process.exit(2);
}

export { formatProblem };
