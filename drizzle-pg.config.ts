// drizzle-kit configuration for the PostgreSQL ledger: `bunx drizzle-kit generate --config drizzle-pg.config.ts`
// turns src/store/schema-pg.ts into SQL migrations in src/store/migrations-pg/ (committed; applied at start
// under an advisory lock by src/store/migrate-pg.ts). Generation needs no database.
import { defineConfig } from 'drizzle-kit';

export default defineConfig({
  dialect: 'postgresql',
  schema: './src/store/schema-pg.ts',
  out: './src/store/migrations-pg',
  strict: true,
  verbose: true,
});
