// openStore: directory creation, PRAGMAs, idempotent migrations, integrity, URL handling.

import { afterAll, describe, expect, test } from 'bun:test';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { filePathOf, normaliseStoreUrl, openStore, sqliteStore } from '../../src/store/open.ts';
import { MIGRATIONS_FOLDER, runMigrations } from '../../src/store/migrate.ts';

const dir = mkdtempSync(join(tmpdir(), `switchyard-store-${Math.random().toString(36).slice(2)}-`));
const tmp = { path: join(dir, 'nested', 'ledger.db'), url: `file:${join(dir, 'nested', 'ledger.db')}` };
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('openStore', () => {
  test('creates the parent directory, WAL mode, busy timeout, all tables', async () => {
    const store = sqliteStore(await openStore(tmp.url));
    try {
      expect(existsSync(tmp.path)).toBe(true);
      const mode = await store.client.execute('PRAGMA journal_mode');
      expect(String(mode.rows[0]?.[0])).toBe('wal');
      const busy = await store.client.execute('PRAGMA busy_timeout');
      expect(Number(busy.rows[0]?.[0])).toBe(5000);
      const sync = await store.client.execute('PRAGMA synchronous');
      expect(Number(sync.rows[0]?.[0])).toBe(1); // NORMAL
      const tables = await store.client.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name");
      const names = tables.rows.map((r) => String(r[0]));
      for (const t of ['requests', 'attempts', 'key_spend', 'runtime_keys', 'jobs', 'cache_entries']) {
        expect(names).toContain(t);
      }
    } finally {
      await store.close();
    }
  });

  test('migrations apply twice idempotently (reopen and explicit re-run)', async () => {
    const a = sqliteStore(await openStore(tmp.url));
    await a.client.execute("INSERT INTO requests (id, ts, status) VALUES ('r1', 1, 200)");
    await runMigrations(a.db);
    await a.close();
    const b = sqliteStore(await openStore(tmp.url));
    try {
      // Each committed migration recorded once, however often they were applied.
      const migrations = await b.client.execute('SELECT count(*) FROM __drizzle_migrations');
      const journal = JSON.parse(readFileSync(join(MIGRATIONS_FOLDER, 'meta', '_journal.json'), 'utf8')) as { entries: unknown[] };
      expect(journal.entries.length).toBeGreaterThanOrEqual(2);
      expect(Number(migrations.rows[0]?.[0])).toBe(journal.entries.length);
      const rows = await b.client.execute('SELECT count(*) FROM requests');
      expect(Number(rows.rows[0]?.[0])).toBe(1);
      const ok = await b.client.execute('PRAGMA integrity_check');
      expect(String(ok.rows[0]?.[0])).toBe('ok');
    } finally {
      await b.close();
    }
  });

  test('in-memory store works for tests', async () => {
    const store = await openStore(':memory:');
    const r = await store.client.execute('SELECT count(*) FROM requests');
    expect(Number(r.rows[0]?.[0])).toBe(0);
    await store.close();
    await store.close(); // idempotent
  });

  test('URL helpers', () => {
    expect(normaliseStoreUrl('./data/x.db')).toBe('file:./data/x.db');
    expect(normaliseStoreUrl('libsql://db.example.turso.io')).toBe('libsql://db.example.turso.io');
    expect(normaliseStoreUrl(':memory:')).toBe(':memory:');
    expect(filePathOf('file:./data/x.db')).toBe('./data/x.db');
    expect(filePathOf('file:///abs/x.db')).toBe('/abs/x.db');
    expect(filePathOf('file:/abs/x.db')).toBe('/abs/x.db');
    expect(filePathOf('https://sqld.internal:8080')).toBeNull();
    expect(filePathOf(':memory:')).toBeNull();
  });
});
