// Limits are exact across `server.workers`: two worker processes on one port share their rate-limit
// windows through a real Redis, so a global rpm of 10 admits exactly 10 of 30 concurrent requests
// however the kernel spreads the connections over the workers.

import { afterAll, expect, test } from 'bun:test';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, tempDir } from '../ledger/harness.ts';
import { redisServerPath, startRedis, type TestRedis } from '../helpers/redis.ts';
import { KEY, STARTUP_MS, type ProcessTree, spawnCli, workerPids, workersConfig } from './process-tree.ts';

let redis: TestRedis | undefined;
let tree: ProcessTree | undefined;
const dir = tempDir();

afterAll(async () => {
  if (tree && tree.proc.exitCode === null) {
    tree.proc.kill('SIGTERM');
    await tree.proc.exited;
  }
  rmSync(dir, { recursive: true, force: true });
  await redis?.close();
});

test.skipIf(!redisServerPath())('rpm 10 across two workers: exactly 10 of 30 concurrent requests are admitted', async () => {
  redis = await startRedis();
  const config = join(dir, 'gateway.yaml');
  writeFileSync(config, workersConfig(dir, redis.url, 'limits:\n  global: { rpm: 10 }\n'));
  tree = spawnCli(config, ['start'], freePort());
  await tree.waitFor(/all workers listening/, STARTUP_MS);
  expect((await workerPids(tree.port)).size).toBe(2);
  const statuses = await Promise.all(Array.from({ length: 30 }, () => fetch(`http://127.0.0.1:${tree!.port}/v1/chat/completions`, {
    method: 'POST', headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json', connection: 'close' },
    body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'hi' }] }),
  }).then(async (r) => { await r.text(); return r.status; })));
  expect(statuses.filter((s) => s === 200)).toHaveLength(10);
  expect(statuses.filter((s) => s === 429)).toHaveLength(20);
}, STARTUP_MS + 30_000);
