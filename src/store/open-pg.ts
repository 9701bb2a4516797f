// Opens a PostgreSQL ledger (storage.url postgres:// or postgresql://) with node-postgres (`pg`): one
// pool per process; a connection lost in an outage is dropped and the next query dials again, so the
// ledger recovers by itself. Idle-connection errors are absorbed here (the pool replaces the connection).
// Migrations (src/store/migrations-pg/) are applied under an advisory lock, so replicas starting together
// apply each one exactly once. The URL kept on the store has its password removed (it is logged).

import pg from 'pg';
import { drizzle } from 'drizzle-orm/node-postgres';
import type { PgDb } from './dialect.ts';
import { runPgMigrations } from './migrate-pg.ts';
import type { OpenStoreOptions } from './open.ts';
import { schema } from './schema-pg.ts';

export interface PgStore {
  dialect: 'pg';
  /** The raw node-postgres pool. */
  pool: pg.Pool;
  /** Typed drizzle handle over the same pool. */
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

/** A failure as one line without secrets: "PostgreSQL at host:5432/db: connect ECONNREFUSED ...". */
export function describePgError(err: unknown, url: string): string {
  let where = 'PostgreSQL';
  try {
    const u = new URL(url);
    where = `PostgreSQL at ${u.host}${u.pathname}`;
  } catch {}
  // drizzle wraps driver errors ("Failed query: <sql>"); the driver's own error says what went wrong.
  const outer = err as { cause?: unknown };
  const e = (outer?.cause instanceof Error ? outer.cause : err) as { message?: unknown; errors?: unknown };
  // AggregateError (IPv4 and IPv6 both refused) carries the useful text in its members.
  const inner = Array.isArray(e?.errors) && e.errors.length > 0 ? (e.errors[0] as { message?: unknown }) : undefined;
  const raw = typeof e?.message === 'string' && e.message ? e.message : typeof inner?.message === 'string' ? inner.message : String(err);
  return `${where}: ${raw.replace(/postgres(?:ql)?:\/\/\S+/gi, '(url)')}`;
}

export async function openPgStore(url: string, options: OpenStoreOptions = {}): Promise<PgStore> {
  const pool = new pg.Pool({
    connectionString: url,
    // At least two: migrations hold the advisory lock on one connection and run on another.
    max: Math.max(2, options.poolSize ?? 10),
    connectionTimeoutMillis: (options.connectTimeoutS ?? 5) * 1000,
    idleTimeoutMillis: 60_000,
    // A query stuck on a half-open connection fails instead of holding the ledger's flush forever.
    query_timeout: 60_000,
    application_name: 'switchyard',
  });
  pool.on('error', () => {}); // an idle connection died (server restart): the pool drops it
  const db = drizzle(pool, { schema });
  try {
    if (options.migrate !== false) await runPgMigrations(db, pool);
    else await pool.query('SELECT 1');
  } catch (err) {
    await pool.end().catch(() => {});
    throw new Error(`could not open the ledger: ${describePgError(err, url)}`);
  }
  let closed = false;
  return {
    dialect: 'pg',
    pool,
    db,
    url: redactPgUrl(url),
    isFile: false,
    async close() {
      if (closed) return;
      closed = true;
      await pool.end();
    },
  };
}
