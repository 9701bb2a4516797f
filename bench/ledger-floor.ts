// `bun bench/ledger-floor.ts`: what one ledger row costs at the floor of this runtime (issue 13), in
// process, CPU per row (process.cpuUsage: all threads). (1) Writing: the gateway's `requests` table (from its
// migration; bench/floor-ledger-worker.ts) in a fresh WAL file, synchronous=NORMAL, batches of BATCH rows, one
// transaction per batch, with bun:sqlite (a prepared 200-row INSERT; or one prepared single-row INSERT run per
// row), with @libsql/client (the gateway's driver: `batch(..., 'write')` of 200-row INSERTs) and with the
// libsql engine under it called directly (the statement prepared once), each with the
// two secondary indexes and with the primary key only. (2) Handing rows to a worker thread: one JSON string per
// batch (stringify here, parse there) vs postMessage of the arrays (structured clone), the worker doing nothing else.
// ROWS (100000) per variant after WARM (20000), BATCH (2000), ROUNDS (3: the median is printed).

import { Database } from 'bun:sqlite';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bunSink, insertSql, libsqlSink, type LedgerSink, REQUEST_COLUMNS, requestsDdl, type Row } from './floor-ledger-worker.ts';
import { median } from './report.ts';

const ROWS = Number(process.env.ROWS ?? 100_000);
const WARM = Number(process.env.WARM ?? 20_000);
const BATCH = Number(process.env.BATCH ?? 2000);
const ROUNDS = Number(process.env.ROUNDS ?? 3);
const dir = mkdtempSync(join(tmpdir(), 'ledger-floor-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

const boot = Date.now().toString(36);
const t0 = Date.now();
/** Rows shaped as bench/floor-ladder.ts writes them (ids as the gateway makes them: a boot tag and a counter). */
const rows: Row[] = Array.from({ length: WARM + ROWS }, (_, i) => [
  `req_${boot}${i.toString(36).padStart(6, '0')}${Math.floor(Math.random() * 1e6).toString(36)}`, t0 + i, 'bench', 'bench', '/v1/chat/completions',
  'bench-model', 'upstream', 'bench-model', 14, 20, 0, 'upstream', 14, 200, null, 1 + (i % 7), null, 0, 0, 'bench',
]);
const batches = (from: number, to: number) => Array.from({ length: Math.ceil((to - from) / BATCH) }, (_, i) => rows.slice(from + i * BATCH, Math.min(to, from + (i + 1) * BATCH)));

/** One prepared single-row INSERT run per row inside the batch's transaction. */
function bunSingleSink(path: string, indexes: boolean): LedgerSink {
  const db = new Database(path, { create: true });
  db.exec('PRAGMA journal_mode=WAL');
  db.exec('PRAGMA synchronous=NORMAL');
  for (const s of requestsDdl(indexes)) db.exec(s);
  const insert = db.prepare(`INSERT INTO requests (${REQUEST_COLUMNS}) VALUES (${Array(20).fill('?').join(', ')}) ON CONFLICT DO NOTHING`);
  const writeAll = db.transaction((rs: Row[]) => {
    for (const r of rs) insert.run(...(r as Array<string | number | null>));
  });
  return { write: (rs) => void writeAll(rs), close: () => db.close() };
}

/**
 * The engine under @libsql/client, without the client: the `libsql` package (its better-sqlite3 API; a
 * dependency of @libsql/client) with the 200-row INSERT prepared once. The client prepares every statement
 * of every batch anew and converts each argument, which this variant leaves out.
 */
// `libsql` is not our dependency but @libsql/client's (the variant is skipped if it is not installed).
const Libsql = await import('libsql').then((m) => m.default).catch(() => undefined);
function libsqlDirectSink(path: string, indexes: boolean): LedgerSink {
  const db = new Libsql!(path);
  db.exec('PRAGMA journal_mode=WAL');
  db.exec('PRAGMA synchronous=NORMAL');
  for (const s of requestsDdl(indexes)) db.exec(s);
  const statements = new Map<number, ReturnType<typeof db.prepare>>();
  const statement = (n: number) => statements.get(n) ?? (statements.set(n, db.prepare(insertSql(n))), statements.get(n)!);
  const writeAll = db.transaction((rs: Row[]) => {
    for (let i = 0; i < rs.length; i += 200) {
      const part = rs.slice(i, i + 200);
      statement(part.length).run(...part.flat());
    }
  });
  return { write: (rs) => void writeAll(rs), close: () => void db.close() };
}

const cpuUs = () => {
  const u = process.cpuUsage();
  return u.user + u.system;
};

type Open = (path: string, indexes: boolean) => LedgerSink | Promise<LedgerSink>;
const writers: Array<[string, Open]> = [
  ['bun:sqlite, 200-row prepared INSERT', bunSink],
  ['bun:sqlite, 1-row prepared INSERT per row', bunSingleSink],
  ['@libsql/client, batch of 200-row INSERTs (the gateway\'s form)', libsqlSink],
  ...(Libsql ? [['libsql package directly, 200-row INSERT prepared once', libsqlDirectSink] as [string, Open]] : []),
];

async function writeCost(open: Open, indexes: boolean, n: number): Promise<{ cpu: number; wall: number }> {
  const path = join(dir, `w${n}-${Math.random().toString(36).slice(2)}.db`);
  const sink = await open(path, indexes);
  for (const b of batches(0, WARM)) await sink.write(b);
  const c = cpuUs();
  const w = performance.now();
  for (const b of batches(WARM, WARM + ROWS)) await sink.write(b);
  const result = { cpu: (cpuUs() - c) / ROWS, wall: ((performance.now() - w) * 1000) / ROWS };
  await sink.close();
  return result;
}

async function transferCost(mode: 'json' | 'array'): Promise<number> {
  const source = `self.onmessage = (e) => { const m = e.data; if (m.json !== undefined) JSON.parse(m.json); if (m.last) self.postMessage('done'); };`;
  const worker = new Worker(URL.createObjectURL(new Blob([source], { type: 'application/javascript' })));
  const list = batches(WARM, WARM + ROWS);
  const done = new Promise<void>((resolve) => worker.addEventListener('message', () => resolve(), { once: true }));
  await Bun.sleep(50);
  const c = cpuUs();
  list.forEach((b, i) => {
    const last = i === list.length - 1;
    worker.postMessage(mode === 'json' ? { json: JSON.stringify(b), last } : { rows: b, last });
  });
  await done;
  const cpu = (cpuUs() - c) / ROWS;
  worker.terminate();
  return cpu;
}

const f = (n: number) => n.toFixed(2);
console.log(`ledger-floor: bun ${Bun.version}; ${ROWS.toLocaleString('en-US')} rows per variant after ${WARM.toLocaleString('en-US')} warm-up rows, batches of ${BATCH}, median of ${ROUNDS} rounds\n`);
console.log('| write (one transaction per batch, WAL, synchronous=NORMAL) | indexes | CPU µs/row | wall µs/row |\n|---|---|---:|---:|');
for (const [label, open] of writers) {
  for (const indexes of [true, false]) {
    const runs = [];
    for (let r = 0; r < ROUNDS; r++) runs.push(await writeCost(open, indexes, r));
    console.log(`| ${label} | ${indexes ? 'primary key + 2 (as the gateway)' : 'primary key only'} | ${f(median(runs.map((x) => x.cpu)))} | ${f(median(runs.map((x) => x.wall)))} |`);
  }
}
console.log('\n| hand-over to a worker thread (both threads) | CPU µs/row |\n|---|---:|');
for (const mode of ['json', 'array'] as const) {
  const runs = [];
  for (let r = 0; r < ROUNDS; r++) runs.push(await transferCost(mode));
  console.log(`| ${mode === 'json' ? 'one JSON string per batch (stringify + parse)' : 'postMessage of the row arrays (structured clone)'} | ${f(median(runs))} |`);
}
