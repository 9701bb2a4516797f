#!/usr/bin/env node
// The `switchyard` command (package.json "bin"), so `npx switchyard ...` and `bunx switchyard ...` work.
// The gateway runs on Bun: under Bun this file runs src/cli.ts itself; under Node it starts the Bun the
// project installed (the `bun` npm package, so Node and npm are all a user needs), or a `bun` on PATH,
// with the same arguments, and passes SIGTERM / SIGINT / SIGHUP on to it (and SIGTERM when its own parent
// dies), so stopping this process drains and stops the gateway instead of leaving it running. Exits with
// the gateway's exit code.

import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { constants } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const cli = fileURLToPath(new URL('./cli.ts', import.meta.url));

/** The Bun binary of the `bun` npm package next to this project, if installed; else `bun` from PATH. */
function bunBinary() {
  try {
    const pkg = createRequire(import.meta.url).resolve('bun/package.json');
    for (const name of ['bun', 'bun.exe']) {
      const candidate = join(dirname(pkg), 'bin', name);
      if (existsSync(candidate)) return candidate;
    }
  } catch {
    // not installed as a package: try PATH
  }
  return 'bun';
}

if (globalThis.Bun) {
  await import(cli);
} else {
  // Bun's fetch runs at most 256 upstream requests at once unless this is set when Bun starts (see README).
  const env = { BUN_CONFIG_MAX_HTTP_REQUESTS: '16384', ...process.env };
  const child = spawn(bunBinary(), [cli, ...process.argv.slice(2)], { stdio: 'inherit', env });
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP']) {
    process.on(signal, () => {
      if (child.exitCode === null) child.kill(signal);
    });
  }
  // `npx switchyard start` runs this under `sh -c`, which dies of npm's forwarded SIGTERM without passing
  // it on: losing the parent process is taken as that signal, so the gateway is never left orphaned.
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent && child.exitCode === null) child.kill('SIGTERM');
  }, 500).unref();
  child.on('error', (err) => {
    console.error(err.code === 'ENOENT'
      ? 'switchyard: Bun was not found. Run `npm install` in the project (it installs Bun as a package), or install Bun from https://bun.sh.'
      : `switchyard: could not start Bun: ${err.message}`);
    process.exit(127);
  });
  child.on('exit', (code, signal) => process.exit(code ?? 128 + (constants.signals[signal] ?? 0)));
}
