// Worker-thread entry of the ledger: owns its own libsql connection and a LedgerWriter, so SQLite work
// (statement preparation, inserts, fsync) never runs on the thread that serves requests.
// Protocol (messages from the main thread): init → rows* → close. Every `rows` message is committed at
// once and acknowledged with its sequence number; a failed commit is reported and retried by the writer.

import { LedgerWriter, type AttemptRow, type RequestRow } from './ledger.ts';
import { openStore, type Store } from './open.ts';

export type ToWorker =
  | { type: 'init'; url: string; authToken?: string; flushMs: number }
  /** `json`: the batch as a JSON array of [RequestRow, AttemptRow[]] pairs. */
  | { type: 'rows'; seq: number; json: string }
  | { type: 'close' };

export type FromWorker =
  | { type: 'ready' }
  | { type: 'ack'; seq: number }
  | { type: 'error'; seq?: number; message: string }
  | { type: 'closed'; pending: number };

declare const self: Worker;

let store: Store | undefined;
let writer: LedgerWriter | undefined;
const post = (message: FromWorker) => self.postMessage(message);

self.onmessage = async (event: MessageEvent<ToWorker>) => {
  const message = event.data;
  try {
    if (message.type === 'init') {
      store = await openStore(message.url, message.authToken, { migrate: false });
      writer = new LedgerWriter(store, { flushMs: message.flushMs, onError: (err) => post({ type: 'error', message: String((err as Error)?.message ?? err) }) });
      post({ type: 'ready' });
    } else if (message.type === 'rows') {
      for (const [row, attempts] of JSON.parse(message.json) as Array<[RequestRow, AttemptRow[]]>) writer!.record(row, attempts);
      await writer!.flush();
      post({ type: 'ack', seq: message.seq });
    } else if (message.type === 'close') {
      let pending = 0;
      try {
        await writer?.close();
      } catch {
        pending = writer?.pending ?? 0;
      }
      await store?.close();
      post({ type: 'closed', pending });
    }
  } catch (err) {
    post({ type: 'error', seq: message.type === 'rows' ? message.seq : undefined, message: String((err as Error)?.message ?? err) });
  }
};
