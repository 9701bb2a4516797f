// How a new user starts the gateway: `bun src/cli.ts` with no command prints the usage; the package "bin"
// makes `npx switchyard` (in a clone) and `bunx switchyard` (where the package is installed) work with
// only Node and npm needed; `kill -TERM` sent to `npm start` drains and stops the gateway, leaving
// nothing listening on its port.

import { expect, test } from 'bun:test';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { tempDir } from './helpers/gateway.ts';

const ROOT = resolve(import.meta.dir, '..');
const CLI = join(ROOT, 'src', 'cli.ts');
const hasNpm = Bun.which('npm') !== null && Bun.which('node') !== null;
/** PATH with Node and npm but without the project's node_modules/.bin (so no `bun` on it). */
const NODE_ONLY_PATH = [...new Set([dirname(Bun.which('node') ?? '/usr/bin/node'), dirname(Bun.which('npm') ?? '/usr/bin/npm'), '/usr/bin', '/bin'])].join(':');

function run(cmd: string[], opts: { cwd?: string; env?: Record<string, string> } = {}) {
  const proc = Bun.spawnSync(cmd, {
    cwd: opts.cwd ?? ROOT, env: { ...process.env, SWITCHYARD_LOG: 'silent', ...opts.env }, stdout: 'pipe', stderr: 'pipe', timeout: 30_000,
  });
  return { code: proc.exitCode, out: proc.stdout.toString(), err: proc.stderr.toString() };
}

test('`bun src/cli.ts` with no command prints the usage and exits 2 (it does not start a gateway)', () => {
  const r = run([process.execPath, CLI], { env: { PORT: '0' } });
  expect(r.code).toBe(2);
  expect(r.err).toContain('no command given');
  expect(r.err).toContain('switchyard start [--config FILE]');
  expect(r.err).toContain('switchyard validate [FILE]');
  expect(run([process.execPath, CLI, 'help']).out).toContain('usage:');
}, 30_000);

test.skipIf(!hasNpm)('`npx switchyard` in a clone runs the CLI through the package bin, with Node and npm only', () => {
  const valid = run(['npx', '--offline', 'switchyard', 'validate', 'gateway.yaml'], { env: { PATH: NODE_ONLY_PATH } });
  expect(valid.err).toBe('');
  expect(valid.out.trim()).toBe(`${join(ROOT, 'gateway.yaml')}: ok`);
  expect(valid.code).toBe(0);
  const bare = run(['npx', '--offline', 'switchyard'], { env: { PATH: NODE_ONLY_PATH } });
  expect(bare.code).toBe(2);
  expect(bare.err).toContain('usage:');
}, 30_000);

test('`bunx switchyard` where the package is installed (node_modules/switchyard and its .bin link)', () => {
  const app = tempDir('switchyard-bunx-');
  mkdirSync(join(app, 'node_modules', '.bin'), { recursive: true });
  symlinkSync(ROOT, join(app, 'node_modules', 'switchyard'));
  symlinkSync(join('..', 'switchyard', 'src', 'cli-launcher.mjs'), join(app, 'node_modules', '.bin', 'switchyard'));
  writeFileSync(join(app, 'gateway.yaml'), 'version: 1\nproviders:\n  mock: { adapter: mock, models: [m] }\nmodels:\n  m: { price: { input: 1 } }\n');
  const r = run([process.execPath, 'x', 'switchyard', 'validate'], { cwd: app }); // `bun x` is bunx
  expect(r.out.trim()).toBe(`${join(app, 'gateway.yaml')}: ok`);
  expect(r.code).toBe(0);
}, 30_000);

async function portOpen(port: number): Promise<boolean> {
  return new Promise((done) => {
    const sock = net.connect(port, '127.0.0.1');
    sock.on('connect', () => {
      sock.destroy();
      done(true);
    });
    sock.on('error', () => done(false));
  });
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

test.skipIf(!hasNpm).each([
  ['npm start', ['npm', 'start', '--silent']],
  ['npx switchyard start', ['npx', '--offline', 'switchyard', 'start']],
])('kill -TERM to `%s` drains and stops the gateway, leaving nothing listening', async (name, cmd) => {
  const dir = tempDir();
  const config = join(dir, 'gateway.yaml');
  writeFileSync(config, `version: 1\nproviders:\n  mock: { adapter: mock, models: [m] }\nstorage:\n  url: file:${join(dir, 'ledger.db')}\n`);
  const port = await freePort();
  const proc = Bun.spawn(cmd, {
    cwd: ROOT, env: { ...process.env, PATH: NODE_ONLY_PATH, PORT: String(port), SWITCHYARD_CONFIG: config }, stdout: 'pipe', stderr: 'pipe',
  });
  const deadline = Date.now() + 20_000;
  while (!(await portOpen(port))) {
    if (Date.now() > deadline || proc.exitCode !== null) throw new Error(`the gateway did not start: ${await new Response(proc.stderr).text()}`);
    await Bun.sleep(100);
  }
  expect((await fetch(`http://127.0.0.1:${port}/health`)).status).toBe(200);

  proc.kill('SIGTERM');
  const code = await Promise.race([proc.exited, Bun.sleep(15_000).then(() => 'timeout' as const)]);
  // npm start hands the signal to the gateway and exits with its code; npx's shell dies of it, and the
  // launcher then stops the gateway on its own.
  if (name === 'npm start') expect(code).toBe(0);
  else expect(code).not.toBe('timeout');
  // The gateway itself is gone, not only npm: nothing answers on its port any more.
  let open = true;
  for (let i = 0; i < 50 && open; i++) {
    await Bun.sleep(100);
    open = await portOpen(port);
  }
  expect(open).toBe(false);
  expect(await new Response(proc.stdout).text()).toContain('"msg":"shutting down","signal":"SIGTERM"');
}, 40_000);
