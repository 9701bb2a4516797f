// The dialect seam of the store: a StoreDb is a drizzle handle on libsql (SQLite) or on PostgreSQL. Repos
// write each query ONCE against `view(db)`: drizzle's select/insert/update/delete builders (with
// onConflictDoNothing/onConflictDoUpdate/returning) have the same runtime surface on both dialects, and
// schema-pg.ts proves at compile time that both schemas have identical row types, so the view is typed
// with the SQLite flavour for both. Hand-written SQL that differs (date bucketing, raw statements) goes
// through the per-dialect helpers here. The store contract tests run every repo on both dialects.

import { is, type SQL } from 'drizzle-orm';
import type { LibSQLDatabase } from 'drizzle-orm/libsql';
import { PgDatabase } from 'drizzle-orm/pg-core';
import type { NodePgDatabase } from 'drizzle-orm/node-postgres';
import * as pg from './schema-pg.ts';
import * as lite from './schema.ts';

export type SqliteDb = LibSQLDatabase<typeof lite.schema>;
export type PgDb = NodePgDatabase<typeof pg.schema>;
/** The ledger database handle, whichever dialect storage.url selected. */
export type StoreDb = SqliteDb | PgDb;
export type Dialect = 'sqlite' | 'pg';
export type Tables = typeof lite.schema;

export function dialectOf(db: StoreDb): Dialect {
  return is(db, PgDatabase) ? 'pg' : 'sqlite';
}

/** The query-builder view of a StoreDb: one typed surface and the tables of its dialect. */
export function view(db: StoreDb): { db: SqliteDb; t: Tables } {
  if (is(db, PgDatabase)) return { db: db as unknown as SqliteDb, t: pg.schema as unknown as Tables };
  return { db: db as SqliteDb, t: lite.schema };
}

/** Runs a hand-written statement; resolves with the number of rows it changed. */
export async function run(db: StoreDb, statement: SQL): Promise<number> {
  if (is(db, PgDatabase)) {
    const result = await (db as PgDb).execute(statement);
    return result.rowCount ?? 0;
  }
  const result = await (db as SqliteDb).run(statement);
  return result.rowsAffected;
}
