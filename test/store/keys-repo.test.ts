// Runtime keys: CRUD by digest, plaintext never stored (the db files are scanned for it), spend adjust.

import { afterAll, describe, expect, test } from 'bun:test';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  findByDigest,
  getKey,
  insertKey,
  KeyConflictError,
  listKeys,
  revokeKey,
  updateKey,
} from '../../src/store/keys-repo.ts';
import { openStore } from '../../src/store/open.ts';
import { adjustBudget, getSpend, loadSpend } from '../../src/store/spend.ts';

const dir = mkdtempSync(join(tmpdir(), `switchyard-keys-${Math.random().toString(36).slice(2)}-`));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const sha = (s: string): string => createHash('sha256').update(s).digest('hex');

describe('keys repo', () => {
  test('insert, find by digest, update, revoke, list; plaintext never reaches the file', async () => {
    const url = `file:${join(dir, 'keys.db')}`;
    const store = await openStore(url);
    const plaintext = `sk-sy-${randomBytes(24).toString('hex')}`;
    const key = await insertKey(store.db, {
      name: 'ci-bot',
      digest: sha(plaintext),
      prefix: plaintext.slice(0, 10),
      group: 'team',
      budgetMicros: 5_000_000,
      models: ['gpt-*'],
      allowIps: ['10.0.0.0/8'],
      limits: { rpm: 60 },
      createdAt: 1,
    });
    expect(key).toMatchObject({ name: 'ci-bot', group: 'team', models: ['gpt-*'], limits: { rpm: 60 }, revokedAt: null });
    await expect(insertKey(store.db, { name: 'ci-bot', digest: sha('other'), prefix: 'x' })).rejects.toBeInstanceOf(KeyConflictError);
    await expect(insertKey(store.db, { name: 'dupe', digest: sha(plaintext), prefix: 'x' })).rejects.toBeInstanceOf(KeyConflictError);
    await expect(insertKey(store.db, { name: 'bad', digest: plaintext, prefix: 'x' })).rejects.toThrow('sha256');

    expect((await findByDigest(store.db, sha(plaintext)))?.name).toBe('ci-bot');
    expect((await findByDigest(store.db, sha(plaintext).toUpperCase()))?.name).toBe('ci-bot');
    expect(await findByDigest(store.db, sha('nope'))).toBeNull();
    expect(await findByDigest(store.db, plaintext)).toBeNull();

    const updated = await updateKey(store.db, 'ci-bot', { budgetMicros: null, expiresAt: 99, models: [], limits: null });
    expect(updated).toMatchObject({ budgetMicros: null, expiresAt: 99, models: [], limits: null, group: 'team' });
    expect(await updateKey(store.db, 'missing', { expiresAt: 1 })).toBeNull();

    await insertKey(store.db, { name: 'second', digest: sha('second'), prefix: 'sk-sy-2', createdAt: 2 });
    expect((await listKeys(store.db)).map((k) => k.name)).toEqual(['ci-bot', 'second']);
    expect(await revokeKey(store.db, 'ci-bot', 1234)).toBe(true);
    expect(await revokeKey(store.db, 'ci-bot', 9999)).toBe(true);
    expect((await getKey(store.db, 'ci-bot'))?.revokedAt).toBe(1234);
    expect(await revokeKey(store.db, 'missing')).toBe(false);
    expect((await listKeys(store.db)).map((k) => k.name)).toEqual(['second']);
    expect((await listKeys(store.db, { includeRevoked: true })).length).toBe(2);
    expect((await findByDigest(store.db, sha(plaintext)))?.revokedAt).toBe(1234);
    await store.close();

    const secretPart = plaintext.slice(10);
    for (const f of readdirSync(dir)) {
      const bytes = readFileSync(join(dir, f));
      expect(bytes.includes(Buffer.from(plaintext))).toBe(false);
      expect(bytes.includes(Buffer.from(secretPart))).toBe(false);
    }
  });

  test('budget adjustments persist across reopen', async () => {
    const url = `file:${join(dir, 'spend.db')}`;
    const a = await openStore(url);
    expect(await adjustBudget(a.db, 'k', 2_000_000)).toEqual({ spentMicros: 0, adjustMicros: 2_000_000 });
    expect(await adjustBudget(a.db, 'k', -500_000)).toEqual({ spentMicros: 0, adjustMicros: 1_500_000 });
    await a.close();
    const b = await openStore(url);
    expect((await loadSpend(b.db)).get('k')).toEqual({ spentMicros: 0, adjustMicros: 1_500_000 });
    expect(await getSpend(b.db, 'none')).toEqual({ spentMicros: 0, adjustMicros: 0 });
    await b.close();
  });
});
