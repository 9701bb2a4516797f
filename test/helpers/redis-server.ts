// Test helper: a real redis-server on 127.0.0.1 (a free port; redis cannot pick port 0), its data in a
// temp dir, no persistence; stop() shuts it down. Tests call stop/start to simulate an outage.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:net';

export const REDIS_BIN = ['/usr/bin/redis-server', '/usr/local/bin/redis-server'].find((p) => Bun.file(p).size > 0);

export interface RedisServer {
  url: string;
  port: number;
  start(): Promise<void>;
  stop(): Promise<void>;
  cleanup(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

async function waitForPort(port: number, up: boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const open = await Bun.connect({ hostname: '127.0.0.1', port, socket: { data() {}, open(s) { s.end(); } } }).then(() => true, () => false);
    if (open === up) return;
    await Bun.sleep(50);
  }
  throw new Error(`redis on ${port} did not ${up ? 'start' : 'stop'} in ${timeoutMs} ms`);
}

export async function startRedis(): Promise<RedisServer> {
  if (!REDIS_BIN) throw new Error('redis-server is not installed (apt-get install -y redis-server)');
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-redis-'));
  const port = await freePort();
  let proc: ReturnType<typeof Bun.spawn> | undefined;
  const server: RedisServer = {
    url: `redis://127.0.0.1:${port}/0`,
    port,
    async start() {
      proc = Bun.spawn([REDIS_BIN!, '--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no', '--protected-mode', 'no'], { stdout: 'ignore', stderr: 'ignore' });
      await waitForPort(port, true);
    },
    async stop() {
      if (!proc) return;
      proc.kill('SIGKILL');
      await proc.exited;
      proc = undefined;
      await waitForPort(port, false);
    },
    async cleanup() {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  await server.start();
  return server;
}
