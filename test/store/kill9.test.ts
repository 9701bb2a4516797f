// Crash safety: a child process writes continuously through LedgerWriter and is SIGKILLed mid-stream,
// once through the @libsql/client batch and once through prepared statements (the ledger worker's path for a file).
// The file must pass integrity_check, hold every row the child saw committed, and spend must match rows.

import { afterAll, describe, expect, test } from 'bun:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { openStore, sqliteStore } from '../../src/store/open.ts';

const dir = mkdtempSync(join(tmpdir(), `switchyard-kill9-${Math.random().toString(36).slice(2)}-`));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const src = (f: string): string => JSON.stringify(resolve(import.meta.dir, '../../src/store', f));
const CHILD = `
import { filePathOf, openStore } from ${src('open.ts')};
import { LedgerWriter } from ${src('ledger.ts')};
import { openSyncLedgerFile, syncSqliteLedgerTarget } from ${src('ledger-sync-sqlite.ts')};
const [driver, url] = process.argv.slice(-2);
const dest = driver === 'prepared' ? { target: syncSqliteLedgerTarget(openSyncLedgerFile(filePathOf(url))) } : await openStore(url);
let acked = 0;
const w = new LedgerWriter(dest, { flushMs: 20, onFlush: (f) => { acked += f.rows; process.stdout.write('flushed ' + acked + '\\n'); } });
process.stdout.write('ready\\n');
let i = 0;
for (;;) {
  for (let j = 0; j < 50; j++, i++) {
    w.record({ id: 'r' + i, ts: Date.now(), keyName: 'k' + (i % 4), promptTokens: 3, completionTokens: 4, costMicros: 7, status: 200 },
      [{ n: 1, provider: 'p', status: 200, ts: Date.now() }]);
  }
  await Bun.sleep(1);
}
`;

describe.each(['client', 'prepared'])('kill -9 (%s)', (driver) => {
  test('no corruption and no lost acknowledged rows', async () => {
    const url = `file:${join(dir, `crash-${driver}.db`)}`;
    await (await openStore(url)).close(); // migrate up front so the child starts writing at once
    const child = Bun.spawn([process.execPath, '-e', CHILD, driver, url], { stdout: 'pipe', stderr: 'pipe', cwd: dir });
    const decoder = new TextDecoder();
    let out = '';
    const reader = child.stdout.getReader();
    const pump = (async () => {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        out += decoder.decode(value, { stream: true });
      }
    })();
    const deadline = Date.now() + 10_000;
    while (!out.includes('ready') && Date.now() < deadline) await Bun.sleep(10);
    expect(out).toContain('ready');
    await Bun.sleep(500);
    child.kill('SIGKILL');
    await child.exited;
    await pump;
    expect(child.signalCode).toBe('SIGKILL');

    const acked = Math.max(0, ...[...out.matchAll(/flushed (\d+)/g)].map((m) => Number(m[1])));
    expect(acked).toBeGreaterThan(0);
    if (process.env.STORE_TEST_VERBOSE) console.log(`kill -9: ${acked} rows acknowledged`);

    const store = sqliteStore(await openStore(url));
    try {
      const integrity = await store.client.execute('PRAGMA integrity_check');
      expect(String(integrity.rows[0]?.[0])).toBe('ok');
      const rows = Number((await store.client.execute('SELECT count(*) FROM requests')).rows[0]?.[0]);
      expect(rows).toBeGreaterThanOrEqual(acked);
      if (process.env.STORE_TEST_VERBOSE) console.log(`kill -9: ${rows} rows on disk`);
      const attempts = Number((await store.client.execute('SELECT count(*) FROM attempts')).rows[0]?.[0]);
      expect(attempts).toBe(rows);
      const spent = Number((await store.client.execute('SELECT sum(spent_micros) FROM key_spend')).rows[0]?.[0]);
      expect(spent).toBe(rows * 7);
    } finally {
      await store.close();
    }
  }, 20_000);
});
