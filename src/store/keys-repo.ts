// Runtime client keys issued through the admin API. The plaintext never reaches this module: callers pass
// the hex sha256 digest (computed once, at issue time) and a short display prefix. Lookups at auth time go
// by digest. Rows are never deleted, only revoked, so the ledger's key names stay meaningful.

import { asc, eq, isNull } from 'drizzle-orm';
import type { LimitSpec } from '../config/types.ts';
import { view, type StoreDb } from './dialect.ts';
import type { runtimeKeys } from './schema.ts';

export interface RuntimeKey {
  name: string;
  /** Lowercase hex sha256 of the plaintext key. */
  digest: string;
  /** Short display prefix, e.g. `sk-sy-3f9a`. */
  prefix: string;
  group: string;
  /** Budget in micro-dollars; null = unlimited. */
  budgetMicros: number | null;
  /** Expiry, ms since epoch; null = never. */
  expiresAt: number | null;
  /** Model glob patterns; empty = every model. */
  models: string[];
  /** CIDRs; empty = any address. */
  allowIps: string[];
  limits: LimitSpec | null;
  revokedAt: number | null;
  createdAt: number;
}

export interface NewRuntimeKey {
  name: string;
  digest: string;
  prefix: string;
  group?: string;
  budgetMicros?: number | null;
  expiresAt?: number | null;
  models?: string[];
  allowIps?: string[];
  limits?: LimitSpec | null;
  createdAt?: number;
}

/** Fields an admin may change after issue. `undefined` leaves a field as it is; `null` clears it. */
export interface RuntimeKeyPatch {
  group?: string;
  budgetMicros?: number | null;
  expiresAt?: number | null;
  models?: string[];
  allowIps?: string[];
  limits?: LimitSpec | null;
}

/** Name or digest already taken. */
export class KeyConflictError extends Error {
  constructor(name: string) {
    super(`a key named "${name}" (or with the same secret) already exists`);
    this.name = 'KeyConflictError';
  }
}

const DIGEST = /^[0-9a-f]{64}$/;
const MAX_PREFIX = 16;

function checkDigest(digest: string): string {
  const d = digest.toLowerCase();
  if (!DIGEST.test(d)) throw new TypeError('digest must be a hex sha256 (64 hex characters) of the key');
  return d;
}

function checkPrefix(prefix: string): string {
  if (prefix.length > MAX_PREFIX) throw new TypeError(`display prefix must be at most ${MAX_PREFIX} characters`);
  return prefix;
}

function parseList(json: string): string[] {
  try {
    const v: unknown = JSON.parse(json);
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
  } catch {
    return [];
  }
}

function parseLimits(json: string | null): LimitSpec | null {
  if (json === null) return null;
  try {
    const v: unknown = JSON.parse(json);
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return null;
    const out: LimitSpec = {};
    for (const k of ['rpm', 'tpm', 'concurrency'] as const) {
      const n = (v as Record<string, unknown>)[k];
      if (typeof n === 'number') out[k] = n;
    }
    return out;
  } catch {
    return null;
  }
}

type Row = typeof runtimeKeys.$inferSelect;

function toKey(r: Row): RuntimeKey {
  return {
    name: r.name,
    digest: r.digest,
    prefix: r.prefix,
    group: r.groupName,
    budgetMicros: r.budgetMicros,
    expiresAt: r.expiresAt,
    models: parseList(r.models),
    allowIps: parseList(r.allowIps),
    limits: parseLimits(r.limits),
    revokedAt: r.revokedAt,
    createdAt: r.createdAt,
  };
}

/** Stores a new key; throws KeyConflictError when the name or digest exists. */
export async function insertKey(store: StoreDb, key: NewRuntimeKey): Promise<RuntimeKey> {
  const { db, t: { runtimeKeys } } = view(store);
  const rows = await db
    .insert(runtimeKeys)
    .values({
      name: key.name,
      digest: checkDigest(key.digest),
      prefix: checkPrefix(key.prefix),
      groupName: key.group ?? 'default',
      budgetMicros: key.budgetMicros ?? null,
      expiresAt: key.expiresAt ?? null,
      models: JSON.stringify(key.models ?? []),
      allowIps: JSON.stringify(key.allowIps ?? []),
      limits: key.limits ? JSON.stringify(key.limits) : null,
      createdAt: key.createdAt ?? Date.now(),
    })
    .onConflictDoNothing()
    .returning();
  const row = rows[0];
  if (!row) throw new KeyConflictError(key.name);
  return toKey(row);
}

/** Keys ordered by creation; revoked ones only when asked. */
export async function listKeys(store: StoreDb, opts: { includeRevoked?: boolean } = {}): Promise<RuntimeKey[]> {
  const { db, t: { runtimeKeys } } = view(store);
  const q = db.select().from(runtimeKeys);
  const rows = opts.includeRevoked
    ? await q.orderBy(asc(runtimeKeys.createdAt), asc(runtimeKeys.name))
    : await q.where(isNull(runtimeKeys.revokedAt)).orderBy(asc(runtimeKeys.createdAt), asc(runtimeKeys.name));
  return rows.map(toKey);
}

export async function getKey(store: StoreDb, name: string): Promise<RuntimeKey | null> {
  const { db, t: { runtimeKeys } } = view(store);
  const rows = await db.select().from(runtimeKeys).where(eq(runtimeKeys.name, name));
  return rows[0] ? toKey(rows[0]) : null;
}

/** Auth lookup. Returns revoked and expired keys too: the caller decides (and picks the error code). */
export async function findByDigest(store: StoreDb, digest: string): Promise<RuntimeKey | null> {
  const { db, t: { runtimeKeys } } = view(store);
  const d = digest.toLowerCase();
  if (!DIGEST.test(d)) return null;
  const rows = await db.select().from(runtimeKeys).where(eq(runtimeKeys.digest, d));
  return rows[0] ? toKey(rows[0]) : null;
}

/** Applies a patch; returns the updated key, or null when there is no such key. */
export async function updateKey(store: StoreDb, name: string, patch: RuntimeKeyPatch): Promise<RuntimeKey | null> {
  const { db, t: { runtimeKeys } } = view(store);
  const set: Partial<typeof runtimeKeys.$inferInsert> = {};
  if (patch.group !== undefined) set.groupName = patch.group;
  if (patch.budgetMicros !== undefined) set.budgetMicros = patch.budgetMicros;
  if (patch.expiresAt !== undefined) set.expiresAt = patch.expiresAt;
  if (patch.models !== undefined) set.models = JSON.stringify(patch.models);
  if (patch.allowIps !== undefined) set.allowIps = JSON.stringify(patch.allowIps);
  if (patch.limits !== undefined) set.limits = patch.limits === null ? null : JSON.stringify(patch.limits);
  if (Object.keys(set).length === 0) return getKey(store, name);
  const rows = await db.update(runtimeKeys).set(set).where(eq(runtimeKeys.name, name)).returning();
  return rows[0] ? toKey(rows[0]) : null;
}

/** Marks a key revoked (idempotent: the first revocation time is kept). False when there is no such key. */
export async function revokeKey(store: StoreDb, name: string, at: number = Date.now()): Promise<boolean> {
  const { db, t: { runtimeKeys } } = view(store);
  const existing = await getKey(store, name);
  if (!existing) return false;
  if (existing.revokedAt === null) {
    await db.update(runtimeKeys).set({ revokedAt: at }).where(eq(runtimeKeys.name, name));
  }
  return true;
}
