// Opens a PostgreSQL ledger (storage.url postgres:// or postgresql://) with postgres-js: one pooled client
// per process, reconnecting lazily after an outage (a failed query rejects; the next one dials again).
// Migrations (src/store/migrations-pg/) are applied under an advisory lock, so replicas starting together
// apply each one exactly once. The URL kept on the store has its password removed (it is logged).

import postgres from 'postgres';
import { drizzle } from 'drizzle-orm/postgres-js';
import type { PgDb } from './dialect.ts';
import { runPgMigrations } from './migrate-pg.ts';
import type { OpenStoreOptions } from './open.ts';
import { schema } from './schema-pg.ts';

export interface PgStore {
  dialect: 'pg';
  /** The raw postgres-js client (pooled). */
  sql: postgres.Sql;
  /** Typed drizzle handle over the same client. */
  db: PgDb;
  /** The URL without its password. */
  url: string;
  isFile: false;
  close(): Promise<void>;
}

export function isPostgresUrl(url: string): boolean {
  return /^postgres(?:ql)?:\/\//i.test(url);
}

/** `postgres://user@host:port/db`: safe to log. */
export function redactPgUrl(url: string): string {
  try {
    const u = new URL(url);
    u.password = '';
    u.search = '';
    return u.toString();
  } catch {
    return 'postgres://(unparseable url)';
  }
}

/** A connection failure as one line without secrets: "PostgreSQL at host:5432 is unreachable (ECONNREFUSED)". */
export function describePgError(err: unknown, url: string): string {
  const e = err as { code?: unknown; message?: unknown };
  let where = 'PostgreSQL';
  try {
    const u = new URL(url);
    where = `PostgreSQL at ${u.host}${u.pathname}`;
  } catch {}
  const code = typeof e?.code === 'string' ? e.code : '';
  const message = typeof e?.message === 'string' ? e.message.replace(/postgres(?:ql)?:\/\/\S+/gi, '(url)') : String(err);
  return `${where}: ${code && !message.includes(code) ? `${code} ` : ''}${message}`;
}

export async function openPgStore(url: string, options: OpenStoreOptions = {}): Promise<PgStore> {
  const sql = postgres(url, {
    max: options.poolSize ?? 10,
    connect_timeout: options.connectTimeoutS ?? 5,
    idle_timeout: 60,
    onnotice: () => {}, // "already exists, skipping" notices from idempotent DDL are not news
    connection: { application_name: 'switchyard' },
  });
  const db = drizzle(sql, { schema });
  try {
    if (options.migrate !== false) await runPgMigrations(db, sql);
    else await sql`SELECT 1`;
  } catch (err) {
    await sql.end({ timeout: 1 }).catch(() => {});
    throw new Error(`could not open the ledger: ${describePgError(err, url)}`);
  }
  let closed = false;
  return {
    dialect: 'pg',
    sql,
    db,
    url: redactPgUrl(url),
    isFile: false,
    async close() {
      if (closed) return;
      closed = true;
      await sql.end({ timeout: 5 });
    },
  };
}
