// `server.workers: 2` as a real process tree (`bun src/cli.ts start` → supervisor → two gateway workers on
// one 127.0.0.1 port): both workers serve, SIGHUP reaches both, a killed worker comes back, SIGTERM drains
// both (slow streams in flight finish) and the supervisor exits 0; both write one libsql ledger file.

import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openStore } from '../../src/store/open.ts';
import { freePort, tempDir } from '../ledger/harness.ts';
import { pinnedConnection } from './pinned-connection.ts';
import { KEY, STARTUP_MS, type ProcessTree, spawnCli, workerPids, workersConfig } from './process-tree.ts';
import { redisServerPath, startRedis, type TestRedis } from '../helpers/redis.ts';


const chatBody = (model: string, stream: boolean, words = 4) =>
  JSON.stringify({ model, stream, messages: [{ role: 'user', content: Array.from({ length: words }, (_, i) => `w${i}`).join(' ') }] });

describe.skipIf(!redisServerPath())('server.workers: 2', () => {
  const dir = tempDir();
  const config = join(dir, 'gateway.yaml');
  let tree: ProcessTree;
  let pids: Map<number, number>;
  let chats = 0;

  let redis: TestRedis;

  beforeAll(async () => {
    redis = await startRedis();
    writeFileSync(config, workersConfig(dir, redis.url));
    tree = spawnCli(config, ['start'], freePort());
    await tree.waitFor(/all workers listening/, STARTUP_MS);
  }, STARTUP_MS + 5000);

  afterAll(() => {
    if (tree.proc.exitCode === null) tree.proc.kill('SIGKILL');
    for (const pid of pids?.values() ?? []) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {}
    }
    rmSync(dir, { recursive: true, force: true });
    return redis?.close();
  });

  test('both workers serve on the one port (two pids), each request answered', async () => {
    pids = await workerPids(tree.port);
    expect([...pids.keys()].sort()).toEqual([0, 1]);
    expect(new Set(pids.values()).size).toBe(2);
    expect(pids.get(0)).not.toBe(tree.proc.pid);
    const results = await Promise.all(Array.from({ length: 40 }, () => fetch(`http://127.0.0.1:${tree.port}/v1/chat/completions`, {
      method: 'POST', headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json', connection: 'close' }, body: chatBody('m', false),
    }).then((r) => r.status)));
    chats += results.length;
    expect(results.every((s) => s === 200)).toBe(true);
  }, 30_000);

  test('SIGHUP to the supervisor makes every worker reload', async () => {
    tree.proc.kill('SIGHUP');
    await tree.waitFor(/SIGHUP forwarded/);
    await tree.waitFor(/"worker":0,[^\n]*"reason":"SIGHUP"/);
    await tree.waitFor(/"worker":1,[^\n]*"reason":"SIGHUP"/);
    expect(tree.proc.exitCode).toBeNull();
  }, 20_000);

  test('a killed worker is restarted (logged, with backoff) and serves again; the other keeps its pid', async () => {
    const victim = pids.get(1)!;
    process.kill(victim, 'SIGKILL');
    await tree.waitFor(/worker exited unexpectedly; restarting it[^\n]*"exit":"signal SIGKILL"/);
    await tree.waitFor(/worker restarted/, STARTUP_MS);
    const after = await workerPids(tree.port);
    expect(after.get(0)).toBe(pids.get(0)!);
    expect(after.get(1)).toBeDefined();
    expect(after.get(1)).not.toBe(victim);
    pids = after;
  }, STARTUP_MS + 10_000);

  test('SIGTERM drains both workers: a slow stream on each finishes with [DONE], the supervisor exits 0', async () => {
    // One keep-alive connection pinned to each worker, learned from /health on that connection.
    const pinned = new Map<number, Awaited<ReturnType<typeof pinnedConnection>>>();
    for (let i = 0; i < 100 && pinned.size < 2; i++) {
      const conn = await pinnedConnection(tree.port);
      const health = JSON.parse((await conn.request('GET', '/health')).body) as { worker: number };
      if (pinned.has(health.worker)) conn.close();
      else pinned.set(health.worker, conn);
    }
    expect([...pinned.keys()].sort()).toEqual([0, 1]);
    const streams = [...pinned.values()].map((conn) => conn.request('POST', '/v1/chat/completions', {
      headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' }, body: chatBody('s', true, 16),
    }));
    await Bun.sleep(400); // both streams are mid-way (~18 chunks, 100 ms apart)
    tree.proc.kill('SIGTERM');
    await tree.waitFor(/stopping workers/);
    const results = await Promise.all(streams);
    for (const r of results) {
      expect(r.status).toBe(200);
      expect(r.body.trimEnd().endsWith('data: [DONE]')).toBe(true);
      expect(r.body.split('\n').filter((l) => l.startsWith('data: {')).length).toBeGreaterThanOrEqual(16);
    }
    expect(await tree.proc.exited).toBe(0);
    await tree.closed;
    expect(tree.output()).toContain('all workers drained');
    for (const pid of pids.values()) expect(() => process.kill(pid, 0)).toThrow(); // no worker left behind

    // Both workers wrote the one libsql file (WAL, busy timeout): every request has its row, spend adds up.
    const store = await openStore(`file:${join(dir, 'ledger.db')}`, undefined, { migrate: false });
    try {
      const one = async (sql: string) => Number((await store.client.execute(sql)).rows[0][0]);
      expect(await one('SELECT count(*) FROM requests WHERE status = 200')).toBe(chats + 2);
      expect(await one('SELECT count(*) FROM requests WHERE stream = 1 AND partial = 0')).toBe(2);
      expect(await one('SELECT spent_micros FROM key_spend')).toBe(await one('SELECT sum(cost_micros) FROM requests'));
      expect((await store.client.execute('PRAGMA integrity_check')).rows[0][0]).toBe('ok');
    } finally {
      await store.close();
    }
  }, 30_000);
});
