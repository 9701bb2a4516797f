// The gateway as a real process (`bun src/cli.ts start`): SIGTERM drains in-flight streams and flushes
// the ledger; kill -9 under load leaves a database that passes integrity_check.

import { afterAll, describe, expect, test } from 'bun:test';
import { rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { openStore } from '../../src/store/open.ts';
import { KEY, chat, freePort, tempDir } from './harness.ts';

const CLI = resolve(import.meta.dir, '../../src/cli.ts');
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function setup(flushMs: number) {
  const dir = tempDir();
  dirs.push(dir);
  const db = join(dir, 'ledger.db');
  const config = join(dir, 'gateway.yaml');
  writeFileSync(config, `version: 1
server: { drain_timeout_ms: 10000 }
storage: { url: "file:${db}", flush_ms: ${flushMs} }
providers:
  mock: { adapter: mock, models: [m] }
  slow: { adapter: mock, models: [s], mock: { chunk_delay_ms: 60 } }
models:
  m: { price: { input: 1, output: 1 } }
  s: { price: { input: 1, output: 1 } }
keys:
  - { name: alice, key: ${KEY}, budget: 100 }
`);
  return { dir, db, config };
}

async function spawnGateway(config: string, cwd: string) {
  const port = freePort();
  const child = Bun.spawn([process.execPath, CLI, 'start', '--config', config, '--port', String(port)], {
    cwd, stdout: 'ignore', stderr: 'pipe', env: { ...process.env, SWITCHYARD_LOG: 'warn' },
  });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 200; i++) {
    const ok = await fetch(`${url}/health`).then((r) => r.ok, () => false);
    if (ok) return { child, url };
    await Bun.sleep(25);
  }
  child.kill('SIGKILL');
  throw new Error(`gateway did not start: ${await new Response(child.stderr).text()}`);
}

async function count(db: string, sql: string): Promise<number> {
  const store = await openStore(`file:${db}`);
  try {
    return Number((await store.client.execute(sql)).rows[0]?.[0]);
  } finally {
    await store.close();
  }
}

describe('process lifecycle', () => {
  test('SIGTERM: in-flight streams finish with [DONE], rows are written, exit 0', async () => {
    const { db, config, dir } = setup(200);
    const { child, url } = await spawnGateway(config, dir);
    const words = Array.from({ length: 12 }, (_, i) => `w${i}`).join(' ');
    const streams = await Promise.all(Array.from({ length: 5 }, () => chat(url, { model: 's', stream: true, messages: [{ role: 'user', content: words }] })));
    expect(streams.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
    const bodies = streams.map((r) => r.text());
    await Bun.sleep(100); // all five are mid-stream (~14 chunks × 60 ms each)
    child.kill('SIGTERM');
    await Bun.sleep(50);
    const refused = await fetch(`${url}/health`).then((r) => r.status, () => 'refused');
    expect(refused === 'refused' || refused === 503).toBe(true); // no longer accepting
    const texts = await Promise.all(bodies);
    for (const t of texts) expect(t.trimEnd().endsWith('data: [DONE]')).toBe(true);
    expect(await child.exited).toBe(0);
    expect(await count(db, "SELECT count(*) FROM requests WHERE stream = 1 AND status = 200 AND partial = 0")).toBe(5);
    expect(await count(db, 'SELECT spent_micros FROM key_spend')).toBe(await count(db, 'SELECT sum(cost_micros) FROM requests'));
  }, 15_000);

  test('kill -9 under load, then restart: integrity ok, spend matches rows', async () => {
    const { db, config, dir } = setup(50);
    let { child, url } = await spawnGateway(config, dir);
    let stop = false;
    let ok = 0;
    const load = Array.from({ length: 8 }, async () => {
      while (!stop) {
        const r = await chat(url, { model: 'm' }).catch(() => undefined);
        if (!r) return;
        if (r.status === 200) ok++;
        await r.text().catch(() => '');
      }
    });
    await Bun.sleep(700);
    child.kill('SIGKILL');
    await child.exited;
    stop = true;
    await Promise.all(load);
    expect(ok).toBeGreaterThan(20);

    const store = await openStore(`file:${db}`);
    const integrity = String((await store.client.execute('PRAGMA integrity_check')).rows[0]?.[0]);
    await store.close();
    expect(integrity).toBe('ok');
    const rows = await count(db, 'SELECT count(*) FROM requests');
    expect(rows).toBeGreaterThan(0);
    expect(rows).toBeLessThanOrEqual(ok);
    if (process.env.LEDGER_TEST_VERBOSE) console.log(`kill -9: ${ok} answered, ${rows} rows on disk (${ok - rows} in the last flush window)`);
    expect(await count(db, 'SELECT spent_micros FROM key_spend')).toBe(await count(db, 'SELECT sum(cost_micros) FROM requests'));

    // the restarted gateway seeds its spend from the file and keeps serving
    ({ child, url } = await spawnGateway(config, dir));
    const balance = (await (await fetch(`${url}/v1/balance`, { headers: { authorization: `Bearer ${KEY}` } })).json()) as { spent_usd: number };
    expect(Math.round(balance.spent_usd * 1e6)).toBe(await count(db, 'SELECT sum(cost_micros) FROM requests'));
    expect((await chat(url, { model: 'm' })).status).toBe(200);
    child.kill('SIGTERM');
    expect(await child.exited).toBe(0);
  }, 15_000);
});
