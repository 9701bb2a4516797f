// Test helper: the gateway as a separate OS process (`bun src/cli.ts start`), for tests that kill it.
// Resolves once the startup banner names the URL it listens on; stop() sends SIGTERM, kill() SIGKILL.

import { join } from 'node:path';

const CLI = join(import.meta.dir, '..', '..', 'src', 'cli.ts');

export interface GatewayProcess {
  url: string;
  pid: number;
  /** Everything written to stdout so far (JSON log lines). */
  output(): string;
  stop(): Promise<number>;
  kill(): Promise<void>;
}

export async function spawnGateway(configPath: string, env: Record<string, string> = {}, timeoutMs = 30_000): Promise<GatewayProcess> {
  const proc = Bun.spawn(['bun', CLI, 'start', '--config', configPath, '--port', '0'], {
    env: { ...process.env, SWITCHYARD_LOG: 'info', ...env }, stdout: 'pipe', stderr: 'pipe',
  });
  let out = '';
  const decoder = new TextDecoder();
  const reader = proc.stdout.getReader();
  let url = '';
  const deadline = Date.now() + timeoutMs;
  while (!url) {
    if (Date.now() > deadline) {
      proc.kill('SIGKILL');
      throw new Error(`gateway did not start in ${timeoutMs} ms:\n${out}\n${await new Response(proc.stderr).text()}`);
    }
    const { value, done } = await reader.read();
    if (done) throw new Error(`gateway exited before listening:\n${out}\n${await new Response(proc.stderr).text()}`);
    out += decoder.decode(value);
    url = /"msg":"switchyard listening","url":"(http:\/\/[^"]+)"/.exec(out)?.[1] ?? '';
  }
  // Keep draining stdout so the process never blocks on a full pipe.
  void (async () => {
    for (;;) {
      const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true }));
      if (done) return;
      out += decoder.decode(value);
    }
  })();
  return {
    url,
    pid: proc.pid,
    output: () => out,
    async stop() {
      proc.kill('SIGTERM');
      return proc.exited;
    },
    async kill() {
      proc.kill('SIGKILL');
      await proc.exited;
    },
  };
}
