// Test helper: a real, throwaway PostgreSQL server. initdb into a temp dir, then `postgres` on 127.0.0.1 at
// a random free port (its unix socket in the temp dir too), fsync off. Run as root (CI), the server runs as
// an unprivileged user (postgres if it exists, else nobody) on a temp dir chowned to it, since postgres
// refuses to run as root. Binaries are found on PATH, then through `pg_config --bindir`, then in Debian's
// /usr/lib/postgresql/<version>/bin; without them `findPostgres()` is null and tests skip with a message.
//
//   const pg = await startPostgres();            // null when no postgres binary exists
//   const url = await pg.createDatabase('t1');   // postgres://switchyard@127.0.0.1:<port>/t1
//   await pg.stop(); await pg.start();           // same port and data: an outage and its end
//   await pg.destroy();                          // stop and remove the temp dir

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

export interface PgServer {
  port: number;
  dir: string;
  /** URL of a database (default `postgres`). */
  url(database?: string): string;
  createDatabase(name: string): Promise<string>;
  /** Starts the server (again) on the same port and data directory. */
  start(): Promise<void>;
  /** Fast shutdown (SIGINT); resolves when the server is gone. */
  stop(): Promise<void>;
  destroy(): Promise<void>;
}

const SUPERUSER = 'switchyard';
const PREFIX = 'switchyard-pg-';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Removes server directories an earlier run left behind (its runner killed the server and the watchdog
 * with it): older than ten minutes and without a live postmaster.
 */
function sweepStale(): void {
  for (const name of readdirSync(tmpdir())) {
    if (!name.startsWith(PREFIX)) continue;
    const dir = join(tmpdir(), name);
    try {
      if (Date.now() - statSync(dir).mtimeMs < 600_000) continue;
      const pidFile = join(dir, 'data', 'postmaster.pid');
      if (existsSync(pidFile) && alive(Number(readFileSync(pidFile, 'utf8').split('\n')[0]))) continue;
      rmSync(dir, { recursive: true, force: true });
    } catch {}
  }
}

/** Directory holding initdb and postgres, or null. */
export function findPostgres(): string | null {
  const has = (dir: string) => existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'postgres'));
  for (const dir of (process.env.PATH ?? '').split(':')) if (dir && has(dir)) return dir;
  const config = spawnSync('pg_config', ['--bindir'], { encoding: 'utf8' });
  if (config.status === 0 && has(config.stdout.trim())) return config.stdout.trim();
  const debian = '/usr/lib/postgresql';
  if (existsSync(debian)) {
    const versions = readdirSync(debian).sort((a, b) => Number(b) - Number(a));
    for (const v of versions) if (has(join(debian, v, 'bin'))) return join(debian, v, 'bin');
  }
  return null;
}

/** Why PostgreSQL tests are skipped, or null when they can run. */
export function postgresSkipReason(): string | null {
  return findPostgres() ? null : 'no PostgreSQL server binaries (initdb, postgres) found: install postgresql (apt-get install -y postgresql) to run the PostgreSQL ledger tests';
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

/** As root, commands run as this unprivileged user; null when we are not root. */
function runAsUser(): string | null {
  if (process.getuid?.() !== 0) return null;
  return spawnSync('id', ['-u', 'postgres']).status === 0 ? 'postgres' : 'nobody';
}

/** Runs a command without blocking the event loop; resolves with its exit code and combined output. */
function run(cmd: string, args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const proc = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    proc.stdout?.on('data', (d) => (output += String(d)));
    proc.stderr?.on('data', (d) => (output += String(d)));
    proc.once('error', (err) => resolve({ code: -1, output: `${output}${String(err)}` }));
    proc.once('exit', (code) => resolve({ code, output }));
  });
}

function command(bin: string, args: string[], user: string | null): [string, string[]] {
  return user ? ['runuser', ['-u', user, '--', bin, ...args]] : [bin, args];
}

export async function startPostgres(): Promise<PgServer | null> {
  const bindir = findPostgres();
  if (!bindir) return null;
  const user = runAsUser();
  sweepStale();
  const dir = mkdtempSync(join(tmpdir(), PREFIX));
  if (user) {
    chmodSync(dir, 0o755);
    spawnSync('chown', ['-R', user, dir]);
  }
  const data = join(dir, 'data');
  const [initCmd, initArgs] = command(join(bindir, 'initdb'), ['-D', data, '-U', SUPERUSER, '--auth=trust', '-E', 'UTF8', '--no-sync', '--locale=C'], user);
  const init = await run(initCmd, initArgs);
  if (init.code !== 0) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`initdb failed (exit ${init.code}): ${init.output.slice(-2000)}`);
  }
  const port = await freePort();
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  let log = '';

  const url = (database = 'postgres') => `postgres://${SUPERUSER}@127.0.0.1:${port}/${database}`;
  const server: PgServer = {
    port,
    dir,
    url,
    async createDatabase(name) {
      const client = new pg.Client({ connectionString: url() });
      client.on('error', () => {});
      await client.connect();
      try {
        await client.query(`CREATE DATABASE "${name.replaceAll('"', '')}"`);
      } finally {
        await client.end();
      }
      return url(name);
    },
    async start() {
      const args = ['-D', data, '-p', String(port), '-k', dir, '-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off', '-c', 'max_connections=100'];
      const [cmd, cmdArgs] = command(join(bindir, 'postgres'), args, user);
      const proc = spawn(cmd, cmdArgs, { stdio: ['ignore', 'pipe', 'pipe'] });
      child = proc;
      proc.stdout?.on('data', (d) => (log = (log + String(d)).slice(-4000)));
      proc.stderr?.on('data', (d) => (log = (log + String(d)).slice(-4000)));
      exited = new Promise((resolve) => proc.once('exit', () => resolve()));
      const deadline = Date.now() + 20_000;
      for (;;) {
        const client = new pg.Client({ connectionString: url(), connectionTimeoutMillis: 2000 });
        client.on('error', () => {});
        try {
          await client.connect();
          await client.query('SELECT 1');
          return;
        } catch (err) {
          if (proc.exitCode !== null || Date.now() > deadline) throw new Error(`postgres did not start: ${String(err)}\n${log}`);
          await new Promise((r) => setTimeout(r, 100));
        } finally {
          await client.end().catch(() => {});
        }
      }
    },
    async stop() {
      if (!child || child.exitCode !== null) return;
      // The postmaster's own pid (runuser in between does not forward every signal).
      const pidFile = join(data, 'postmaster.pid');
      const pid = existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8').split('\n')[0]) : child.pid;
      if (pid) process.kill(pid, 'SIGINT');
      await exited;
      child = undefined;
    },
    async destroy() {
      await server.stop().catch(() => {});
      rmSync(dir, { recursive: true, force: true });
    },
  };
  watchdog(dir, data);
  try {
    await server.start();
  } catch (err) {
    await server.destroy();
    throw err;
  }
  return server;
}

/**
 * A detached shell that outlives nothing: once this test process is gone (finished, crashed or killed),
 * it stops the server and removes its directory, so no test run leaves a postgres behind.
 */
function watchdog(dir: string, data: string): void {
  const script = `while kill -0 ${process.pid} 2>/dev/null; do sleep 0.5; done
[ -f "${data}/postmaster.pid" ] && kill -INT "$(head -1 "${data}/postmaster.pid")" 2>/dev/null
for i in 1 2 3 4 5 6 7 8 9 10; do [ -f "${data}/postmaster.pid" ] || break; sleep 0.5; done
rm -rf "${dir}"`;
  // Started in the background by a shell that exits at once, so a test runner that kills the child
  // processes it leaves behind (bun test does) does not take the watchdog with them.
  spawn('sh', ['-c', '(command -v setsid >/dev/null && exec setsid sh -c "$SWITCHYARD_PG_WATCHDOG" || exec sh -c "$SWITCHYARD_PG_WATCHDOG") >/dev/null 2>&1 &'], { detached: true, stdio: 'ignore', env: { ...process.env, SWITCHYARD_PG_WATCHDOG: script } }).unref();
}

let shared: Promise<PgServer | null> | undefined;

/**
 * One server for every PostgreSQL test file of a `bun test` run (files run one after another in one
 * process; each file works in its own database). The watchdog removes it when the process exits.
 */
export function sharedPostgres(): Promise<PgServer | null> {
  shared ??= startPostgres();
  return shared;
}

let databases = 0;

/** A fresh database on the shared server, or null when PostgreSQL is not installed. */
export async function freshPgDatabase(prefix = 'db'): Promise<string | null> {
  const pg = await sharedPostgres();
  if (!pg) return null;
  return pg.createDatabase(`${prefix}_${process.pid}_${++databases}`);
}
