// drizzle-kit configuration: `bunx drizzle-kit generate` turns src/store/schema.ts into SQL migrations in
// src/store/migrations/ (committed; applied at start by src/store/migrate.ts). Generation needs no database.
import { defineConfig } from 'drizzle-kit';

export default defineConfig({
  dialect: 'turso',
  schema: './src/store/schema.ts',
  out: './src/store/migrations',
  strict: true,
  verbose: true,
});
