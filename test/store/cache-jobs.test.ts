// Response cache (TTL, size bound) and async jobs (CRUD, survive reopen).

import { afterAll, describe, expect, test } from 'bun:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cacheStats, getCached, pruneCache, putCached } from '../../src/store/cache-repo.ts';
import { createJob, getJob, updateJob } from '../../src/store/jobs-repo.ts';
import { openStore } from '../../src/store/open.ts';

const dir = mkdtempSync(join(tmpdir(), `switchyard-cache-${Math.random().toString(36).slice(2)}-`));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('cache repo', () => {
  test('TTL: live entries hit, expired entries are gone', async () => {
    const store = await openStore(`file:${join(dir, 'cache.db')}`);
    expect(await putCached(store.db, { hash: 'a', body: '{"x":1}', ttlMs: 1000 }, { maxBytes: 1e6, now: 1000 })).toBe(true);
    const hit = await getCached(store.db, 'a', 1500);
    expect(hit).toMatchObject({ body: '{"x":1}', status: 200, hits: 1, sizeBytes: 7, expiresAt: 2000 });
    expect((await getCached(store.db, 'a', 1600))?.hits).toBe(2);
    expect(await getCached(store.db, 'a', 2000)).toBeNull();
    expect((await cacheStats(store.db)).entries).toBe(0);
    expect(await getCached(store.db, 'missing')).toBeNull();
    expect(await putCached(store.db, { hash: 'z', body: 'x', ttlMs: 0 }, { maxBytes: 10 })).toBe(false);
    await store.close();
  });

  test('size bound prunes the oldest entries first', async () => {
    const store = await openStore(`file:${join(dir, 'cache2.db')}`);
    const body = 'x'.repeat(100);
    for (let i = 0; i < 10; i++) {
      await putCached(store.db, { hash: `h${i}`, body, ttlMs: 60_000 }, { maxBytes: 350, now: 1000 + i });
    }
    expect(await cacheStats(store.db)).toEqual({ entries: 3, bytes: 300 });
    expect(await getCached(store.db, 'h9', 2000)).not.toBeNull();
    expect(await getCached(store.db, 'h7', 2000)).not.toBeNull();
    expect(await getCached(store.db, 'h6', 2000)).toBeNull();
    // A body bigger than the whole bound is not stored and evicts nothing.
    expect(await putCached(store.db, { hash: 'big', body: 'y'.repeat(400), ttlMs: 1000 }, { maxBytes: 350 })).toBe(false);
    expect((await cacheStats(store.db)).entries).toBe(3);
    // Expired entries are pruned regardless of size.
    expect(await pruneCache(store.db, 1e6, 1e12)).toBe(3);
    await store.close();
  });
});

describe('jobs repo', () => {
  test('create, get (scoped by key), update, and survive reopen', async () => {
    const url = `file:${join(dir, 'jobs.db')}`;
    const a = await openStore(url);
    const job = await createJob(a.db, { id: 'job_1', keyName: 'alice', kind: 'image', request: { prompt: 'a cat' }, createdAt: 10 });
    expect(job).toMatchObject({ status: 'queued', result: null, error: null, createdAt: 10, updatedAt: 10 });
    expect(await getJob(a.db, 'job_1', 'bob')).toBeNull();
    expect((await getJob(a.db, 'job_1', 'alice'))?.kind).toBe('image');
    await updateJob(a.db, 'job_1', { status: 'running' }, 20);
    await a.close();

    const b = await openStore(url);
    const done = await updateJob(b.db, 'job_1', { status: 'succeeded', result: { data: [{ url: 'u' }] } }, 30);
    expect(done).toMatchObject({ status: 'succeeded', result: { data: [{ url: 'u' }] }, updatedAt: 30 });
    expect(await getJob(b.db, 'job_1')).toMatchObject({ request: { prompt: 'a cat' }, status: 'succeeded' });
    expect(await updateJob(b.db, 'nope', { status: 'failed' })).toBeNull();
    await b.close();
  });
});
