// Applies the committed drizzle-kit migrations (src/store/migrations/) at start. The folder is resolved
// relative to this module, so the gateway can be started from any working directory. Applying is
// idempotent: drizzle's migrator records each migration in `__drizzle_migrations` and skips applied ones.

import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { migrate } from 'drizzle-orm/libsql/migrator';
import type { SqliteDb } from './dialect.ts';

/** Absolute path of the committed migrations folder. */
export const MIGRATIONS_FOLDER: string = join(
  typeof import.meta.dir === 'string' ? import.meta.dir : dirname(fileURLToPath(import.meta.url)),
  'migrations',
);

/** Brings the database schema up to date. Safe to call on every start. */
export async function runMigrations(db: SqliteDb, migrationsFolder: string = MIGRATIONS_FOLDER): Promise<void> {
  await migrate(db, { migrationsFolder });
}
