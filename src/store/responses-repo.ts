// Stored Responses API responses (table `responses`), always read and deleted under the key that made
// them: another key's id answers exactly like an unknown one. Writes happen after the answer went out;
// a read of an id whose write is still in flight waits for it, so a client that continues a
// conversation the moment a stream ends (previous_response_id) never misses its own last turn.

import { and, eq } from 'drizzle-orm';
import { view, type StoreDb, type Tables } from './dialect.ts';

export interface StoredResponse {
  id: string;
  keyName: string;
  createdAt: number;
  model: string | null;
  previousResponseId: string | null;
  /** JSON array: the request's own input items. */
  inputJson: string;
  /** JSON object: the Response. */
  responseJson: string;
}

export class ResponseStore {
  private readonly pending = new Map<string, Promise<unknown>>();
  private readonly db: ReturnType<typeof view>['db'];
  private readonly t: Tables['responses'];

  constructor(store: StoreDb, private readonly onError: (message: string) => void) {
    const v = view(store);
    this.db = v.db;
    this.t = v.t.responses;
  }

  /** Saves a response (replacing one with the same id); failures are reported, never thrown. */
  put(row: StoredResponse): Promise<void> {
    const write = this.db.insert(this.t).values(row)
      .onConflictDoUpdate({ target: this.t.id, set: { responseJson: row.responseJson, inputJson: row.inputJson } })
      .then(() => undefined, (err: unknown) => this.onError(String((err as Error)?.message ?? err)))
      .finally(() => {
        if (this.pending.get(row.id) === write) this.pending.delete(row.id);
      });
    this.pending.set(row.id, write);
    return write;
  }

  async get(id: string, keyName: string): Promise<StoredResponse | undefined> {
    await this.pending.get(id);
    const rows = await this.db.select().from(this.t).where(and(eq(this.t.id, id), eq(this.t.keyName, keyName)));
    return rows[0];
  }

  /** True when a response of this key was deleted. */
  async delete(id: string, keyName: string): Promise<boolean> {
    await this.pending.get(id);
    const gone = await this.db.delete(this.t).where(and(eq(this.t.id, id), eq(this.t.keyName, keyName))).returning({ id: this.t.id });
    return gone.length > 0;
  }
}
