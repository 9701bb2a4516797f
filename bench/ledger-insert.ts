// `bun bench/ledger-insert.ts`: the ledger worker's write path alone, in-process: rows/s and CPU µs per
// row (process.cpuUsage, all threads) for each target writing a migrated database file in flushes of
// BATCH rows (default 1,000, about 200 ms of traffic at 5k req/s), each row with one attempt, as the bench
// gateway's requests have. Targets: client (the @libsql/client batch), prepared (libsql's synchronous
// binding with multi-row statements prepared once, the worker's path for a file) and bun (bun:sqlite with
// the same statements; for comparison only: it cannot share a process with libsql, see
// ledger-sync-sqlite.ts). DROP_INDEXES=a,b drops those indexes first, TWEAK_SQL runs statements (;-separated)
// after the migrations (what an index or a table layout costs). ROWS (default 50,000), ROUNDS (3).

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSyncLedgerFile, syncSqliteLedgerTarget, type SyncDb } from '../src/store/ledger-sync-sqlite.ts';
import { LedgerWriter, type AttemptRow, type RequestRow } from '../src/store/ledger.ts';
import { openStore } from '../src/store/open.ts';

const ROWS = Number(process.env.ROWS ?? 50_000);
const BATCH = Number(process.env.BATCH ?? 1000);
const ROUNDS = Number(process.env.ROUNDS ?? 3);
const drop = (process.env.DROP_INDEXES ?? '').split(',').filter(Boolean);
const targets = (process.argv[2] ?? 'client,prepared').split(',');

let seq = 0;
const boot = Date.now().toString(36);
function rowOf(): [RequestRow, AttemptRow[]] {
  const ts = Date.now();
  const id = `req_${boot}${(++seq).toString(36).padStart(6, '0')}${Math.floor(Math.random() * 1e6).toString(36)}`;
  return [
    {
      id, ts, keyName: 'bench', groupName: 'default', route: '/v1', model: 'bench-model', provider: 'fake', upstreamModel: 'gpt-4o-mini',
      promptTokens: 12, completionTokens: 9, cachedTokens: 0, usageSource: 'upstream', costMicros: 7, status: 200, errorCode: null,
      latencyMs: 1, ttftMs: null, stream: false, partial: false, configHash: 'abcdef0123456789',
    },
    [{ n: 1, provider: 'fake', upstreamModel: 'gpt-4o-mini', status: 200, errorCode: null, latencyMs: 1, ts }],
  ];
}

async function run(kind: string): Promise<{ usPerRow: number; rowsPerS: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'ledger-insert-'));
  const url = `file:${join(dir, 'l.db')}`;
  const store = await openStore(url);
  if (store.dialect !== 'sqlite') throw new Error('unreachable');
  for (const idx of drop) await store.client.execute(`DROP INDEX IF EXISTS ${idx}`);
  for (const sql of (process.env.TWEAK_SQL ?? '').split(';').filter((x) => x.trim())) await store.client.execute(sql);
  let close = () => {};
  let writer: LedgerWriter;
  if (kind === 'prepared') {
    const db = openSyncLedgerFile(join(dir, 'l.db'));
    writer = new LedgerWriter({ target: syncSqliteLedgerTarget(db) }, { flushMs: 3_600_000 });
    close = () => db.close();
  } else if (kind === 'bun') {
    const { Database } = await import('bun:sqlite');
    const db = new Database(join(dir, 'l.db'));
    db.exec('PRAGMA synchronous=NORMAL');
    writer = new LedgerWriter({ target: syncSqliteLedgerTarget(db as unknown as SyncDb) }, { flushMs: 3_600_000 });
    close = () => db.close();
  } else {
    writer = new LedgerWriter(store, { flushMs: 3_600_000 });
  }
  const rows = Array.from({ length: ROWS }, rowOf);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < rows.length; i += BATCH) {
    for (const [row, attempts] of rows.slice(i, i + BATCH)) writer.record(row, attempts);
    await writer.flush();
  }
  const cpu = process.cpuUsage(cpu0);
  const ms = performance.now() - t0;
  await writer.close();
  close();
  const n = Number((await store.client.execute('SELECT count(*) FROM requests')).rows[0][0]);
  if (n !== ROWS) throw new Error(`${kind}: ${n} rows written, expected ${ROWS}`);
  await store.close();
  rmSync(dir, { recursive: true, force: true });
  return { usPerRow: (cpu.user + cpu.system) / ROWS, rowsPerS: (ROWS / ms) * 1000 };
}

console.log(`${ROWS} rows in flushes of ${BATCH}, one attempt each${drop.length ? `, indexes dropped: ${drop.join(', ')}` : ''}`);
for (let r = 0; r < ROUNDS; r++) {
  for (const kind of targets) {
    const { usPerRow, rowsPerS } = await run(kind);
    console.log(`round ${r + 1} ${kind.padEnd(6)} CPU ${usPerRow.toFixed(2)} µs/row, ${Math.round(rowsPerS)} rows/s`);
  }
}
