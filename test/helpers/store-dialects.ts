// Test helper: the ledger store on each dialect, for contract tests that must hold on both: a libsql file
// in a temp dir and a fresh database on the test PostgreSQL server (test/helpers/postgres.ts). `rows`
// runs a read-only SQL string written in the common subset of both dialects.

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore, type Store } from '../../src/store/open.ts';
import { freshPgDatabase, postgresSkipReason } from './postgres.ts';

export type DialectName = 'sqlite' | 'postgres';
export const DIALECTS: DialectName[] = ['sqlite', 'postgres'];

const skip = postgresSkipReason();
if (skip) console.warn(`[postgres] skipped: ${skip}`);

/** True when this dialect can run here (PostgreSQL needs the server binaries). */
export const dialectAvailable = (d: DialectName): boolean => d === 'sqlite' || skip === null;

let files = 0;
const dir = mkdtempSync(join(tmpdir(), 'switchyard-dialects-'));

/** A URL for a fresh, empty ledger on the dialect. */
export async function freshStoreUrl(d: DialectName): Promise<string> {
  if (d === 'sqlite') return `file:${join(dir, `s${++files}.db`)}`;
  const url = await freshPgDatabase('contract');
  if (!url) throw new Error(String(skip));
  return url;
}

export async function freshStore(d: DialectName): Promise<Store> {
  return openStore(await freshStoreUrl(d));
}

/** Rows of a read query, as plain objects with numbers for numeric columns. */
export async function rows(store: Store, text: string): Promise<Array<Record<string, unknown>>> {
  const raw: Array<Record<string, unknown>> =
    store.dialect === 'pg'
      ? (await store.pool.query<Record<string, unknown>>(text)).rows
      : (await store.client.execute(text)).rows.map((r) => ({ ...r }));
  return raw.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, typeof v === 'bigint' || (typeof v === 'string' && /^-?\d+$/.test(v) && k !== 'id') ? Number(v) : v])));
}

export async function count(store: Store, table: string, where = ''): Promise<number> {
  const [r] = await rows(store, `SELECT count(*) AS n FROM ${table}${where ? ` WHERE ${where}` : ''}`);
  return Number(r?.n ?? 0);
}
