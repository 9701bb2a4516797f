// Runtime keys (issued through the admin API), mirrored in memory so authentication stays a
// synchronous map lookup by sha256 digest. Loaded from the store at start; every admin change writes
// the store first and then updates the mirror. Revoked and expired keys stay in the lookup but never
// authenticate: the caller gets `revoked_api_key` / `expired_api_key`, not "invalid".
// The plaintext exists only inside create() and its return value.

import { randomBytes } from 'node:crypto';
import { globToRegExp, sha256Hex } from '../compile/keys.ts';
import type { CompiledKey } from '../compile/types.ts';
import type { StoreDb } from '../store/open.ts';
import { getKey, insertKey, listKeys, revokeKey, updateKey, type NewRuntimeKey, type RuntimeKey, type RuntimeKeyPatch } from '../store/keys-repo.ts';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
export const KEY_PREFIX = 'sk-sy-';
const DISPLAY_CHARS = 10;

/** `sk-sy-` + 32 uniformly random base62 characters (~190 bits). */
export function generateKey(): string {
  let out = '';
  while (out.length < 32) {
    for (const b of randomBytes(48)) {
      if (b < 248 && out.length < 32) out += BASE62[b % 62]; // 248 = 4 × 62: no modulo bias
    }
  }
  return KEY_PREFIX + out;
}

export function compileRuntimeKey(k: RuntimeKey): CompiledKey {
  return Object.freeze({
    name: k.name,
    digest: k.digest,
    group: k.group,
    budgetMicros: k.budgetMicros ?? undefined,
    expiresAt: k.expiresAt ?? undefined,
    modelPatterns: k.models.length ? k.models.map(globToRegExp) : undefined,
    allowIps: k.allowIps.length ? k.allowIps : undefined,
    limits: k.limits ?? undefined,
    source: 'runtime' as const,
    revokedAt: k.revokedAt ?? undefined,
  });
}

export class RuntimeKeyRegistry {
  private readonly byName = new Map<string, RuntimeKey>();
  private readonly byDigest = new Map<string, CompiledKey>();

  private constructor(private readonly db: StoreDb) {}

  static async load(db: StoreDb): Promise<RuntimeKeyRegistry> {
    const registry = new RuntimeKeyRegistry(db);
    for (const k of await listKeys(db, { includeRevoked: true })) registry.put(k);
    return registry;
  }

  /** Auth lookup by digest (revoked keys included, marked by revokedAt: authenticate refuses them). */
  lookup(digest: string): CompiledKey | undefined {
    return this.byDigest.get(digest);
  }

  get(name: string): RuntimeKey | undefined {
    return this.byName.get(name);
  }

  /** The compiled form of an active (not revoked) key. */
  compiled(name: string): CompiledKey | undefined {
    const k = this.byName.get(name);
    return k && k.revokedAt === null ? this.byDigest.get(k.digest) : undefined;
  }

  list(): RuntimeKey[] {
    return [...this.byName.values()].sort((a, b) => a.createdAt - b.createdAt || a.name.localeCompare(b.name));
  }

  /** Issues a key; the plaintext is returned once and never stored. Throws KeyConflictError. */
  async create(input: Omit<NewRuntimeKey, 'digest' | 'prefix'>): Promise<{ key: RuntimeKey; plaintext: string }> {
    const plaintext = generateKey();
    const key = await insertKey(this.db, { ...input, digest: sha256Hex(plaintext), prefix: plaintext.slice(0, DISPLAY_CHARS) });
    this.put(key);
    return { key, plaintext };
  }

  async update(name: string, patch: RuntimeKeyPatch): Promise<RuntimeKey | undefined> {
    const key = await updateKey(this.db, name, patch);
    if (key) this.put(key);
    return key ?? undefined;
  }

  async revoke(name: string): Promise<RuntimeKey | undefined> {
    if (!(await revokeKey(this.db, name))) return undefined;
    const k = await getKey(this.db, name);
    if (k) this.put(k);
    return k ?? undefined;
  }

  private put(k: RuntimeKey): void {
    const previous = this.byName.get(k.name);
    if (previous) this.byDigest.delete(previous.digest);
    this.byName.set(k.name, k);
    this.byDigest.set(k.digest, compileRuntimeKey(k));
  }
}
