// Child processes of the benchmark: spawn, wait until ready, and kill every one of them on exit,
// error or Ctrl-C (only the processes this script started, by their own handle).

import type { Subprocess } from 'bun';

const children = new Set<Subprocess>();
const cleanups: Array<() => void> = [];

export function onCleanup(fn: () => void): void {
  cleanups.push(fn);
}

export function killAll(): void {
  for (const child of children) {
    try {
      child.kill('SIGTERM');
    } catch {
      // already gone
    }
  }
  children.clear();
  for (const fn of cleanups.splice(0)) {
    try {
      fn();
    } catch {
      // best effort
    }
  }
}

let installed = false;
export function installExitHandlers(): void {
  if (installed) return;
  installed = true;
  process.on('exit', killAll);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, () => {
      killAll();
      process.exit(130);
    });
  }
}

export interface Child {
  proc: Subprocess<'ignore', 'pipe', 'pipe'>;
  /** Everything the child wrote to stderr so far (for error reports). */
  stderr(): string;
  stop(signal?: NodeJS.Signals, waitMs?: number): Promise<void>;
}

/** `onStderr`: every chunk the child writes to stderr, whole (the Child keeps only the last 8,000 characters). */
export function spawnChild(cmd: string[], env: Record<string, string>, onStderr?: (text: string) => void): Child {
  const proc = Bun.spawn(cmd, {
    cwd: import.meta.dir + '/..',
    env: { ...process.env, ...env },
    stdin: 'ignore',
    stdout: 'pipe',
    stderr: 'pipe',
  });
  children.add(proc);
  let errText = '';
  void (async () => {
    const decoder = new TextDecoder();
    for await (const part of proc.stderr) {
      const text = decoder.decode(part, { stream: true });
      onStderr?.(text);
      errText = (errText + text).slice(-8000);
    }
  })().catch(() => {});
  return {
    proc,
    stderr: () => errText,
    async stop(signal = 'SIGTERM', waitMs = 5000) {
      if (proc.exitCode === null && proc.signalCode === null) {
        proc.kill(signal);
        const timer = setTimeout(() => proc.kill('SIGKILL'), waitMs);
        await proc.exited;
        clearTimeout(timer);
      }
      children.delete(proc);
    },
  };
}

/** Reads the first stdout line `{"port":N}` that our bench children print once listening. */
export async function readPort(child: Child, name: string, timeoutMs = 10_000): Promise<number> {
  const reader = child.proc.stdout.getReader();
  const decoder = new TextDecoder();
  let text = '';
  const deadline = Date.now() + timeoutMs;
  while (!text.includes('\n')) {
    const left = deadline - Date.now();
    const step = await Promise.race([reader.read(), Bun.sleep(Math.max(left, 0)).then(() => 'timeout' as const)]);
    if (step === 'timeout') throw new Error(`${name} did not start within ${timeoutMs} ms\n${child.stderr()}`);
    if (step.done) throw new Error(`${name} exited before listening (exit ${await child.proc.exited})\n${child.stderr()}`);
    text += decoder.decode(step.value, { stream: true });
  }
  reader.releaseLock();
  // Keep draining stdout so the child never blocks on a full pipe.
  void (async () => {
    for await (const _ of child.proc.stdout) { /* discard */ }
  })().catch(() => {});
  const port = (JSON.parse(text.split('\n')[0]!) as { port?: number }).port;
  if (!port) throw new Error(`${name} printed no port: ${text}`);
  return port;
}

/** A free TCP port on 127.0.0.1 (asks the OS, then releases it). */
export function freePort(): number {
  const probe = Bun.serve({ hostname: '127.0.0.1', port: 0, fetch: () => new Response('') });
  const port = probe.port!;
  probe.stop(true);
  return port;
}

/** Polls `url` until it answers 200, the child exits, or the timeout passes. */
export async function waitHealthy(url: string, child: Child, name: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.proc.exitCode !== null) throw new Error(`${name} exited with code ${child.proc.exitCode}\n${child.stderr()}`);
    try {
      const res = await fetch(url);
      await res.arrayBuffer();
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await Bun.sleep(50);
  }
  throw new Error(`${name} was not healthy at ${url} within ${timeoutMs} ms\n${child.stderr()}`);
}
