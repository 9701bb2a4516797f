// Test helper for the worker tests: `bun src/cli.ts start` as a real process tree (supervisor + workers)
// with its output collected, a gateway.yaml for two workers, and "which pid answers" probes over fresh
// connections (the kernel picks the worker per connection).

import { join, resolve } from 'node:path';
import type { Subprocess } from 'bun';

const CLI = resolve(import.meta.dir, '../../src/cli.ts');
export const KEY = 'sk-workers-test-key-0123456789';
export const STARTUP_MS = 60_000; // two workers start one after the other; CI machines can be slow

export interface ProcessTree {
  proc: Subprocess<'ignore', 'pipe', 'pipe'>;
  port: number;
  /** Everything the supervisor and its workers logged so far (JSON lines). */
  output(): string;
  /** Resolves once both output pipes closed (everything the processes wrote has been read). */
  closed: Promise<void>;
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<void>;
}

/** `redisUrl`: a real Redis (test/helpers/redis.ts): with `server.workers` the gateway keeps its live state there. */
export function workersConfig(dir: string, redisUrl: string, extra = ''): string {
  return `version: 1
server: { workers: 2, drain_timeout_ms: 10000 }
storage:
  url: "file:${join(dir, 'ledger.db')}"
  flush_ms: 20
  redis: { url: "${redisUrl}", prefix: "w${Math.random().toString(36).slice(2, 8)}" }
providers:
  mock: { adapter: mock, models: [m] }
  slow: { adapter: mock, models: [s], mock: { chunk_delay_ms: 100 } }
models:
  m: { price: { input: 1, output: 1 } }
  s: { price: { input: 1, output: 1 } }
keys:
  - { name: alice, key: ${KEY} }
${extra}`;
}

export function spawnCli(config: string, args: string[], port: number): ProcessTree {
  const proc = Bun.spawn([process.execPath, CLI, ...args, '--config', config, '--port', String(port)], {
    stdin: 'ignore', stdout: 'pipe', stderr: 'pipe', env: { ...process.env, SWITCHYARD_LOG: 'info', SWITCHYARD_LOG_FORMAT: 'json' },
  });
  let text = '';
  const drain = async (stream: ReadableStream<Uint8Array>) => {
    const decoder = new TextDecoder();
    for await (const chunk of stream) text += decoder.decode(chunk, { stream: true });
  };
  const closed = Promise.all([drain(proc.stdout), drain(proc.stderr)]).then(() => {});
  return {
    proc, port, closed,
    output: () => text,
    async waitFor(pattern, timeoutMs = 15_000) {
      const t0 = Date.now();
      while (!pattern.test(text)) {
        if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${pattern}; output:\n${text.slice(-3000)}`);
        if (proc.exitCode !== null) throw new Error(`process exited (${proc.exitCode}) while waiting for ${pattern}; output:\n${text.slice(-3000)}`);
        await Bun.sleep(25);
      }
    },
  };
}

/** GET /health on fresh connections until `want` distinct workers answered; returns worker index → pid. */
export async function workerPids(port: number, want = 2, tries = 200): Promise<Map<number, number>> {
  const seen = new Map<number, number>();
  for (let i = 0; i < tries && seen.size < want; i++) {
    const res = await fetch(`http://127.0.0.1:${port}/health`, { headers: { connection: 'close' } }).catch(() => undefined);
    if (!res?.ok) continue;
    const h = (await res.json()) as { pid: number; worker?: number };
    if (h.worker !== undefined) seen.set(h.worker, h.pid);
  }
  return seen;
}

