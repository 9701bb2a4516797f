// Applies the committed PostgreSQL migrations (src/store/migrations-pg/) at start. Replicas starting
// together serialise on a session advisory lock held on one dedicated connection: the first applies the
// migrations, the others wait, then find them recorded in drizzle.__drizzle_migrations and skip them. A
// process that dies holding the lock releases it with its session.

import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Pool } from 'pg';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import type { PgDb } from './dialect.ts';

export const PG_MIGRATIONS_FOLDER: string = join(
  typeof import.meta.dir === 'string' ? import.meta.dir : dirname(fileURLToPath(import.meta.url)),
  'migrations-pg',
);

/** Advisory lock id for schema migrations (an arbitrary constant: "switchyard migrations"). */
export const MIGRATION_LOCK_ID = 727_983_001;

export async function runPgMigrations(db: PgDb, pool: Pool, migrationsFolder: string = PG_MIGRATIONS_FOLDER): Promise<void> {
  const session = await pool.connect();
  const ignore = () => {};
  session.on('error', ignore);
  let broken: Error | undefined;
  try {
    await session.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_ID]);
    try {
      await migrate(db, { migrationsFolder });
    } finally {
      await session.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_ID]).catch((err: unknown) => {
        broken = err instanceof Error ? err : new Error(String(err));
      });
    }
  } catch (err) {
    broken = err instanceof Error ? err : new Error(String(err));
    throw err;
  } finally {
    session.removeListener('error', ignore);
    session.release(broken);
  }
}
