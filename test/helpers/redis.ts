// Test helper: a real redis-server on 127.0.0.1, on a free port (redis has no port 0), with its data in a
// temp dir, no persistence. Stop, kill -9 and restart on the same port let tests take Redis away under
// load. `.ci/run` installs redis-server where apt-get exists; `redisServerPath()` is null without it.

import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Subprocess } from 'bun';
import { test } from 'bun:test';

export interface TestRedis {
  /** redis://127.0.0.1:<port>/0 */
  readonly url: string;
  readonly port: number;
  readonly dir: string;
  /** Sends one command (RESP) on a fresh connection; resolves to the raw reply, e.g. "+PONG\r\n". */
  command(...args: string[]): Promise<string>;
  /** Stops the server (SIGTERM, waits); the port and dir are kept for restart(). */
  stop(): Promise<void>;
  /** kill -9, as a crashed Redis. */
  kill(): Promise<void>;
  /** Starts it again on the same port (after stop or kill). */
  restart(): Promise<void>;
  /** SIGSTOP: connected but answering nothing, as a paused or swapping Redis; resume() is SIGCONT. */
  pause(): void;
  resume(): void;
  /** Stops it and removes the temp dir. */
  close(): Promise<void>;
}

/** The redis-server binary on PATH (or Debian's /usr/bin), or null when it is not installed. */
export function redisServerPath(): string | null {
  return Bun.which('redis-server') ?? (existsSync('/usr/bin/redis-server') ? '/usr/bin/redis-server' : null);
}

/**
 * Whether redis-server is installed, and a `test` that is skipped without it; says so once, naming what is
 * skipped, so a machine without Redis shows why these tests did not run.
 */
export function redisTests(what: string): { available: boolean; testRedis: typeof test } {
  const available = redisServerPath() !== null;
  if (!available) console.warn(`redis-server not found: skipping ${what} (apt-get install -y redis-server)`);
  return { available, testRedis: test.skipIf(!available) };
}

function freePort(): number {
  const probe = Bun.listen({ hostname: '127.0.0.1', port: 0, socket: { data() {} } });
  const port = probe.port;
  probe.stop(true);
  return port;
}

/** One RESP command on a new TCP connection; resolves with the first complete reply line(s). */
export function redisCommand(port: number, args: string[], timeoutMs = 2000): Promise<string> {
  const payload = `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`;
  return new Promise<string>((resolve, reject) => {
    let text = '';
    const timer = setTimeout(() => reject(new Error(`redis on port ${port}: no reply within ${timeoutMs} ms`)), timeoutMs);
    Bun.connect({
      hostname: '127.0.0.1',
      port,
      socket: {
        open(s) {
          s.write(payload);
        },
        data(s, chunk) {
          text += chunk.toString();
          if (text.endsWith('\r\n')) {
            clearTimeout(timer);
            s.end();
            resolve(text);
          }
        },
        error(_s, err) {
          clearTimeout(timer);
          reject(err);
        },
      },
    }).catch((err: Error) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}

async function launch(bin: string, port: number, dir: string): Promise<Subprocess<'ignore', 'pipe', 'pipe'>> {
  const proc = Bun.spawn([bin, '--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no', '--protected-mode', 'no', '--daemonize', 'no', '--loglevel', 'warning'], {
    stdin: 'ignore', stdout: 'pipe', stderr: 'pipe',
  });
  for (let i = 0; i < 200; i++) {
    if (proc.exitCode !== null || proc.signalCode) break;
    const reply = await redisCommand(port, ['PING'], 500).catch(() => '');
    if (reply.startsWith('+PONG')) return proc;
    await Bun.sleep(25);
  }
  proc.kill('SIGKILL');
  await proc.exited;
  const out = `${await new Response(proc.stdout).text()}${await new Response(proc.stderr).text()}`.trim();
  throw new Error(`redis-server did not start on port ${port}: ${out.split('\n').slice(-3).join(' | ') || 'no output'}`);
}

/** Starts a redis-server on a free 127.0.0.1 port (retrying on a port race). */
export async function startRedis(): Promise<TestRedis> {
  const bin = redisServerPath();
  if (!bin) throw new Error('redis-server is not installed (apt-get install redis-server; .ci/run does this)');
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-redis-'));
  let port = 0;
  let proc: Subprocess<'ignore', 'pipe', 'pipe'> | undefined;
  let lastError: unknown;
  for (let attempt = 0; attempt < 5 && !proc; attempt++) {
    port = freePort();
    proc = await launch(bin, port, dir).catch((err: unknown) => {
      lastError = err;
      return undefined;
    });
  }
  if (!proc) {
    rmSync(dir, { recursive: true, force: true });
    throw lastError;
  }
  let current: Subprocess<'ignore', 'pipe', 'pipe'> | undefined = proc;
  const halt = async (signal: 'SIGTERM' | 'SIGKILL') => {
    const p = current;
    current = undefined;
    if (!p) return;
    p.kill(signal);
    await p.exited;
  };
  return {
    url: `redis://127.0.0.1:${port}/0`,
    port,
    dir,
    command: (...args) => redisCommand(port, args),
    stop: () => halt('SIGTERM'),
    kill: () => halt('SIGKILL'),
    pause: () => current?.kill('SIGSTOP'),
    resume: () => current?.kill('SIGCONT'),
    async restart() {
      await halt('SIGTERM');
      current = await launch(bin, port, dir);
    },
    async close() {
      await halt('SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
