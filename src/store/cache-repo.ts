// Response cache in libsql: entries keyed by a hash of the normalised request, with a TTL and a total size
// bound. Expired entries are never returned (and are removed when seen); when the total exceeds the bound
// the oldest entries are pruned first. Bodies are stored as text (the serialised response).

import { eq, lte, sql } from 'drizzle-orm';
import { run, view, type StoreDb } from './dialect.ts';

export interface CacheEntry {
  hash: string;
  body: string;
  status: number;
  createdAt: number;
  expiresAt: number;
  sizeBytes: number;
  hits: number;
}

export interface CachePut {
  hash: string;
  body: string;
  /** HTTP status of the cached response (default 200). */
  status?: number;
  ttlMs: number;
}

export interface CachePutOptions {
  /** Bound on the sum of body sizes in bytes; oldest entries are pruned past it. */
  maxBytes: number;
  now?: number;
}

/** A live entry (hit counter bumped), or null when absent or expired. */
export async function getCached(store: StoreDb, hash: string, now: number = Date.now()): Promise<CacheEntry | null> {
  const { db, t: { cacheEntries } } = view(store);
  const rows = await db.select().from(cacheEntries).where(eq(cacheEntries.hash, hash));
  const row = rows[0];
  if (!row) return null;
  if (row.expiresAt <= now) {
    await db.delete(cacheEntries).where(eq(cacheEntries.hash, hash));
    return null;
  }
  await db
    .update(cacheEntries)
    .set({ hits: sql`${cacheEntries.hits} + 1` })
    .where(eq(cacheEntries.hash, hash));
  return { ...row, hits: row.hits + 1 };
}

/** Stores (or replaces) an entry, then prunes. False when the body alone exceeds maxBytes or ttl ≤ 0. */
export async function putCached(store: StoreDb, entry: CachePut, opts: CachePutOptions): Promise<boolean> {
  const { db, t: { cacheEntries } } = view(store);
  const now = opts.now ?? Date.now();
  const sizeBytes = Buffer.byteLength(entry.body, 'utf8');
  if (entry.ttlMs <= 0 || sizeBytes > opts.maxBytes) return false;
  const values = {
    hash: entry.hash,
    body: entry.body,
    status: entry.status ?? 200,
    createdAt: now,
    expiresAt: now + entry.ttlMs,
    sizeBytes,
    hits: 0,
  };
  await db
    .insert(cacheEntries)
    .values(values)
    .onConflictDoUpdate({
      target: cacheEntries.hash,
      set: {
        body: values.body,
        status: values.status,
        createdAt: values.createdAt,
        expiresAt: values.expiresAt,
        sizeBytes: values.sizeBytes,
        hits: 0,
      },
    });
  await pruneCache(store, opts.maxBytes, now);
  return true;
}

/** Removes expired entries, then the oldest until the total size fits maxBytes. Returns entries removed. */
export async function pruneCache(store: StoreDb, maxBytes: number, now: number = Date.now()): Promise<number> {
  const { db, t: { cacheEntries } } = view(store);
  const expired = await db.delete(cacheEntries).where(lte(cacheEntries.expiresAt, now)).returning({ hash: cacheEntries.hash });
  // Same SQL on both dialects (PostgreSQL wants the derived table named).
  const over = await run(store, sql`
    DELETE FROM cache_entries WHERE hash IN (
      SELECT hash FROM (
        SELECT hash, SUM(size_bytes) OVER (ORDER BY created_at DESC, hash DESC ROWS UNBOUNDED PRECEDING) AS running
        FROM cache_entries
      ) AS sized WHERE running > ${maxBytes}
    )`);
  return expired.length + over;
}

/** Entry count and total bytes (for metrics and the admin API). */
export async function cacheStats(store: StoreDb): Promise<{ entries: number; bytes: number }> {
  const { db, t: { cacheEntries } } = view(store);
  const rows = await db
    .select({ entries: sql<number>`count(*)`, bytes: sql<number>`coalesce(sum(${cacheEntries.sizeBytes}), 0)` })
    .from(cacheEntries);
  return { entries: Number(rows[0]?.entries ?? 0), bytes: Number(rows[0]?.bytes ?? 0) };
}
