// Hand-written read queries (dashboard series, attempt stats) on either ledger dialect: one SQL text with
// `?` placeholders, run on libsql as is and on PostgreSQL with `$n` placeholders. Rows come back as plain
// objects; PostgreSQL returns bigint and numeric aggregates as strings, so callers convert with Number().

import type { Store } from './open.ts';

export async function readRows(store: Store, sql: string, args: ReadonlyArray<string | number | null> = []): Promise<Array<Record<string, unknown>>> {
  if (store.dialect === 'pg') {
    let n = 0;
    const text = sql.replace(/\?/g, () => `$${++n}`);
    return (await store.pool.query(text, [...args])).rows as Array<Record<string, unknown>>;
  }
  const res = await store.client.execute({ sql, args: [...args] });
  return res.rows.map((r) => Object.fromEntries(res.columns.map((c, i) => [c, r[i]])));
}
