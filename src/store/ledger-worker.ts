// Worker-thread entry of the ledger: owns its own database connection and a LedgerWriter, so SQLite work
// (statement preparation, inserts, fsync) never runs on the thread that serves requests. A database file
// is written through libsql's synchronous binding with prepared statements (ledger-sync-sqlite.ts, about a
// third of the client's CPU per row); remote libsql URLs (sqld, Turso) use the @libsql/client batch.
// Protocol (messages from the main thread): init → rows* → close. Every `rows` message is committed at
// once and acknowledged with its sequence number; a failed commit is reported and retried by the writer on
// its own timer, and `drained` says when the writer's queue is empty again (everything received before it
// is committed), so the main thread counts failed batches as pending until then (the outage buffer).

import { openSyncLedgerFile, syncSqliteLedgerTarget } from './ledger-sync-sqlite.ts';
import { LedgerWriter, type LedgerDestination } from './ledger.ts';
import { decodeRow, type WireRow } from './ledger-wire.ts';
import { filePathOf, normaliseStoreUrl, openStore } from './open.ts';

/** `prepared`: prepared statements for a database file (remote URLs use the client); `client`: always the client. */
export type LedgerDriver = 'prepared' | 'client';

export type ToWorker =
  | { type: 'init'; url: string; authToken?: string; flushMs: number; driver: LedgerDriver; busyTimeoutMs?: number }
  /** `json`: the batch as a JSON array of rows flattened by ledger-wire.ts. */
  | { type: 'rows'; seq: number; json: string }
  | { type: 'close' };

export type FromWorker =
  | { type: 'ready' }
  | { type: 'ack'; seq: number }
  /** The writer's queue is empty: every row received before this message is committed. */
  | { type: 'drained' }
  | { type: 'error'; seq?: number; message: string }
  | { type: 'closed'; pending: number };

declare const self: Worker;

let closeDb: (() => Promise<void> | void) | undefined;
let writer: LedgerWriter | undefined;
/** A commit failed since the last `drained`: the main thread counts failed batches until it hears otherwise. */
let owed = false;
const post = (message: FromWorker) => self.postMessage(message);

async function openDestination(url: string, authToken: string | undefined, driver: LedgerDriver, busyTimeoutMs = 5000): Promise<LedgerDestination> {
  const path = filePathOf(normaliseStoreUrl(url));
  if (path && driver === 'prepared') {
    const db = openSyncLedgerFile(path, busyTimeoutMs);
    closeDb = () => void db.close();
    return { target: syncSqliteLedgerTarget(db) };
  }
  const store = await openStore(url, authToken, { migrate: false, busyTimeoutMs });
  closeDb = () => store.close();
  return store;
}

self.onmessage = async (event: MessageEvent<ToWorker>) => {
  const message = event.data;
  try {
    if (message.type === 'init') {
      const destination = await openDestination(message.url, message.authToken, message.driver, message.busyTimeoutMs);
      writer = new LedgerWriter(destination, {
        flushMs: message.flushMs,
        onError: (err) => {
          owed = true;
          post({ type: 'error', message: String((err as Error)?.message ?? err) });
        },
        onFlush: () => {
          if (owed && writer?.pending === 0) {
            owed = false;
            post({ type: 'drained' });
          }
        },
      });
      post({ type: 'ready' });
    } else if (message.type === 'rows') {
      for (const wire of JSON.parse(message.json) as WireRow[]) {
        const { row, attempts } = decodeRow(wire);
        writer!.record(row, attempts);
      }
      await writer!.flush();
      post({ type: 'ack', seq: message.seq });
    } else if (message.type === 'close') {
      let pending = 0;
      try {
        await writer?.close();
      } catch {
        pending = writer?.pending ?? 0;
      }
      await closeDb?.();
      post({ type: 'closed', pending });
    }
  } catch (err) {
    owed = true;
    post({ type: 'error', seq: message.type === 'rows' ? message.seq : undefined, message: String((err as Error)?.message ?? err) });
  }
};
