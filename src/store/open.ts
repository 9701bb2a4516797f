// Opens the ledger database: one @libsql/client + drizzle handle per process, created once at start and
// kept on the Runtime (it survives config reloads). Migrations are applied before the store is returned.
//
// URLs (storage.url):
//   file:./data/switchyard.db    embedded file (default). Parent directory is created; WAL journal,
//   file:///abs/path.db          5 s busy timeout, synchronous=NORMAL (durable across process crashes;
//                                a power cut may lose the last commits, never corrupt the file).
//   :memory:                     throwaway in-memory database (tests); a single connection.
//   libsql://db-org.turso.io     remote sqld / Turso over the same client; pass storage.auth_token.
//   http://127.0.0.1:8080        self-hosted sqld (https:// and ws(s):// work too). PRAGMAs are the
//                                server's business and are not sent.
//   postgres://u:p@host:5432/db  PostgreSQL (postgresql:// too), see open-pg.ts: a pooled postgres-js
//                                client, migrations applied under an advisory lock.
// A bare path without a scheme is treated as a file path.

import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { createClient, type Client } from '@libsql/client';
import { drizzle } from 'drizzle-orm/libsql';
import type { SqliteDb } from './dialect.ts';
import { runMigrations } from './migrate.ts';
import { isPostgresUrl, openPgStore, type PgStore } from './open-pg.ts';
import { schema } from './schema.ts';

export type { StoreDb } from './dialect.ts';
export type { PgStore } from './open-pg.ts';
export type StoreSchema = typeof schema;

export interface SqliteStore {
  dialect: 'sqlite';
  /** The raw libsql client (batches, PRAGMAs). */
  client: Client;
  /** Typed drizzle handle over the same client. */
  db: SqliteDb;
  /** Normalised URL the client was opened with (never includes the auth token). */
  url: string;
  /** True for an embedded file database (WAL, on-disk). */
  isFile: boolean;
  close(): Promise<void>;
}

/** The ledger database: libsql (file, :memory:, sqld/Turso) or PostgreSQL. */
export type Store = SqliteStore | PgStore;

export interface OpenStoreOptions {
  /** Apply migrations (default true). */
  migrate?: boolean;
  /** Busy timeout for file databases in ms (default 5000). */
  busyTimeoutMs?: number;
  /** PostgreSQL: most connections in the pool (default 10). */
  poolSize?: number;
  /** PostgreSQL: seconds to wait for a connection (default 5). */
  connectTimeoutS?: number;
}

const SCHEME = /^[a-z][a-z0-9+.-]*:/i;

/** True for `:memory:` and `file::memory:` style URLs. */
export function isMemoryUrl(url: string): boolean {
  return url === ':memory:' || url.startsWith('file::memory:');
}

/**
 * Filesystem path of a `file:` URL (`file:rel/x.db`, `file:./x.db`, `file:/abs/x.db`, `file:///abs/x.db`),
 * or null for remote and in-memory URLs.
 */
export function filePathOf(url: string): string | null {
  if (isMemoryUrl(url) || !url.toLowerCase().startsWith('file:')) return null;
  let rest = url.slice('file:'.length);
  const q = rest.indexOf('?');
  if (q >= 0) rest = rest.slice(0, q);
  if (rest.startsWith('//')) {
    const slash = rest.indexOf('/', 2);
    rest = slash >= 0 ? rest.slice(slash) : '';
  }
  return decodeURIComponent(rest);
}

/** Adds `file:` to a bare path; leaves URLs with a scheme and `:memory:` alone. */
export function normaliseStoreUrl(url: string): string {
  if (isMemoryUrl(url) || SCHEME.test(url)) return url;
  return `file:${url}`;
}

/** Opens (and migrates) the store. Throws a plain Error naming the URL scheme on failure, never the token. */
export function openStore(url: `file:${string}` | ':memory:', authToken?: string, options?: OpenStoreOptions): Promise<SqliteStore>;
export function openStore(url: string, authToken?: string, options?: OpenStoreOptions): Promise<Store>;
export function openStore(url: string, authToken?: string, options: OpenStoreOptions = {}): Promise<Store> {
  if (isPostgresUrl(url)) return openPgStore(url, options);
  return openLibsqlStore(url, authToken, options);
}

async function openLibsqlStore(url: string, authToken: string | undefined, options: OpenStoreOptions): Promise<SqliteStore> {
  const normalised = normaliseStoreUrl(url);
  const path = filePathOf(normalised);
  const busyTimeoutMs = options.busyTimeoutMs ?? 5000;
  if (path !== null && path !== '') mkdirSync(dirname(resolve(path)), { recursive: true });

  const client = createClient({
    url: normalised,
    authToken: path === null && !isMemoryUrl(normalised) ? authToken : undefined,
    // Applied by libsql to every connection it opens for a file database; ignored for remote ones.
    timeout: path !== null ? busyTimeoutMs : undefined,
  });
  try {
    if (path !== null) {
      // The pool hands back its idle connection, so these reach the connection used for every
      // non-interactive call. journal_mode=WAL is persistent in the file itself.
      await client.execute('PRAGMA journal_mode=WAL');
      await client.execute(`PRAGMA busy_timeout=${Math.max(0, Math.floor(busyTimeoutMs))}`);
      await client.execute('PRAGMA synchronous=NORMAL');
    }
    const db = drizzle(client, { schema });
    if (options.migrate !== false) await runMigrations(db);
    let closed = false;
    return {
      dialect: 'sqlite',
      client,
      db,
      url: normalised,
      isFile: path !== null,
      async close() {
        if (closed) return;
        closed = true;
        client.close();
      },
    };
  } catch (err) {
    client.close();
    throw err;
  }
}

/** The store as libsql, for SQLite-only tools (PRAGMAs, raw client access); throws on PostgreSQL. */
export function sqliteStore(store: Store): SqliteStore {
  if (store.dialect !== 'sqlite') throw new Error('this needs the libsql ledger; storage.url selects PostgreSQL');
  return store;
}
