// Supervisor failure paths as real processes: a worker that cannot start stops the whole start (exit 1,
// nothing left running); a supervisor killed with -9 takes its workers with it (no orphan keeps the port).

import { expect, test } from 'bun:test';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, tempDir } from '../ledger/harness.ts';
import { spawnCli, workerPids, workersConfig } from './process-tree.ts';

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

test('a worker that fails to start (plugin throws at load): the supervisor stops and exits 1', async () => {
  const dir = tempDir();
  try {
    writeFileSync(join(dir, 'boom.ts'), "throw new Error('boom at import');\nexport default {};\n");
    const config = join(dir, 'gateway.yaml');
    writeFileSync(config, workersConfig(dir, 'redis://127.0.0.1:1/0', 'plugins:\n  boom: { module: ./boom.ts }\nglobal_plugins: [boom]\n'));
    const tree = spawnCli(config, ['start'], freePort());
    expect(await tree.proc.exited).toBe(1);
    await tree.closed;
    expect(tree.output()).toContain('a worker failed to start; all workers stopped');
    expect(tree.output()).toContain('plugin');
    const started = [...tree.output().matchAll(/"msg":"worker started"[^\n]*"pid":(\d+)/g)].map((m) => Number(m[1]));
    expect(started.length).toBe(1); // worker 0 failed; the others were never started
    for (const pid of started) expect(alive(pid)).toBe(false);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}, 60_000);

test('kill -9 of the supervisor: its workers notice, drain and exit; the port is free again', async () => {
  const dir = tempDir();
  try {
    const config = join(dir, 'gateway.yaml');
    // No Redis behind the URL: workers start anyway (state unavailable is answered per request).
    writeFileSync(config, workersConfig(dir, 'redis://127.0.0.1:1/0'));
    const tree = spawnCli(config, ['start'], freePort());
    await tree.waitFor(/all workers listening/, 60_000);
    const pids = [...(await workerPids(tree.port)).values()];
    expect(pids.length).toBe(2);
    tree.proc.kill('SIGKILL');
    for (let i = 0; i < 200 && pids.some(alive); i++) await Bun.sleep(50);
    expect(pids.filter(alive)).toEqual([]);
    const probe = Bun.listen({ hostname: '127.0.0.1', port: tree.port, socket: { data() {} } });
    probe.stop(true);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}, 80_000);
