// The floor ladder's ledger worker (issue 13): one request row per request into a SQLite file, in the
// cheapest form on this runtime: its own thread, WAL, synchronous=NORMAL, a batch per message, one
// transaction per batch. The `requests` table is created from the gateway's own migration
// (src/store/migrations/0000_init.sql: same columns, primary key and, unless `indexes` is false, the two
// secondary indexes). Drivers: bun:sqlite (a prepared multi-row INSERT, cached per batch size) or
// @libsql/client (the gateway's driver: one `batch(..., 'write')` of multi-row INSERTs, as src/store/ledger-sqlite.ts).
// Messages: init → rows* → close (answered with `closed` once everything is committed).

import { Database, type Statement } from 'bun:sqlite';
import { createClient, type Client, type InValue } from '@libsql/client';
import { readFileSync } from 'node:fs';

export type LedgerDriver = 'bun' | 'libsql';
export type Row = Array<string | number | null>;
export type ToFloorWorker =
  | { type: 'init'; path: string; driver: LedgerDriver; indexes: boolean }
  | { type: 'rows'; json?: string; rows?: Row[] }
  | { type: 'close' };

export const REQUEST_COLUMNS = 'id, ts, key_name, group_name, route, model, provider, upstream_model, prompt_tokens, completion_tokens, cached_tokens, usage_source, cost_micros, status, error_code, latency_ms, ttft_ms, stream, partial, config_hash';
const WIDTH = 20;
const PER_STATEMENT = 200;

/** The gateway migration's statements for `requests`: its CREATE TABLE and (when `indexes`) its indexes. */
export function requestsDdl(indexes: boolean): string[] {
  const sql = readFileSync(new URL('../src/store/migrations/0000_init.sql', import.meta.url), 'utf8');
  return sql
    .split('--> statement-breakpoint')
    .map((s) => s.trim())
    .filter((s) => /^CREATE TABLE `requests`/.test(s) || (indexes && /^CREATE (UNIQUE )?INDEX `requests_/.test(s)));
}

export const insertSql = (n: number) => `INSERT INTO requests (${REQUEST_COLUMNS}) VALUES ${Array(n).fill(`(${Array(WIDTH).fill('?').join(', ')})`).join(', ')} ON CONFLICT DO NOTHING`;

export interface LedgerSink {
  write(rows: Row[]): Promise<void> | void;
  close(): Promise<void> | void;
}

export function bunSink(path: string, indexes: boolean): LedgerSink {
  const db = new Database(path, { create: true });
  db.exec('PRAGMA journal_mode=WAL');
  db.exec('PRAGMA synchronous=NORMAL');
  db.exec('PRAGMA busy_timeout=5000');
  for (const s of requestsDdl(indexes)) db.exec(s);
  const statements = new Map<number, Statement>();
  const statement = (n: number) => statements.get(n) ?? (statements.set(n, db.prepare(insertSql(n))), statements.get(n)!);
  const writeAll = db.transaction((rows: Row[]) => {
    for (let i = 0; i < rows.length; i += PER_STATEMENT) {
      const part = rows.slice(i, i + PER_STATEMENT);
      statement(part.length).run(...(part.flat() as Array<string | number | null>));
    }
  });
  return { write: (rows) => void writeAll(rows), close: () => db.close() };
}

export async function libsqlSink(path: string, indexes: boolean): Promise<LedgerSink> {
  const client: Client = createClient({ url: `file:${path}` });
  await client.execute('PRAGMA journal_mode=WAL');
  await client.execute('PRAGMA synchronous=NORMAL');
  await client.execute('PRAGMA busy_timeout=5000');
  for (const s of requestsDdl(indexes)) await client.execute(s);
  return {
    async write(rows) {
      const statements = [];
      for (let i = 0; i < rows.length; i += PER_STATEMENT) {
        const part = rows.slice(i, i + PER_STATEMENT);
        statements.push({ sql: insertSql(part.length), args: part.flat() as InValue[] });
      }
      await client.batch(statements, 'write');
    },
    close: () => client.close(),
  };
}

declare const self: Worker;
if (typeof self !== 'undefined' && !Bun.isMainThread) {
  let sink: LedgerSink | undefined;
  // Messages are handled in order: a write finishes before the next batch (or close) starts.
  let queue: Promise<unknown> = Promise.resolve();
  self.onmessage = (event: MessageEvent<ToFloorWorker>) => {
    const m = event.data;
    queue = queue.then(async () => {
      if (m.type === 'init') sink = m.driver === 'bun' ? bunSink(m.path, m.indexes) : await libsqlSink(m.path, m.indexes);
      else if (m.type === 'rows') await sink!.write(m.json !== undefined ? (JSON.parse(m.json) as Row[]) : m.rows!);
      else {
        await sink?.close();
        self.postMessage({ type: 'closed' });
      }
    }).catch((err: unknown) => self.postMessage({ type: 'error', message: String((err as Error)?.message ?? err) }));
  };
}
