// Async jobs (e.g. image generation) kept in the ledger database so they survive restarts. Request,
// result and error are JSON documents; a job belongs to the key that created it.

import { and, eq, inArray, lt } from 'drizzle-orm';
import type { JsonValue } from '../contracts/canonical.ts';
import { view, type StoreDb } from './dialect.ts';
import type { jobs } from './schema.ts';

export type JobStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';

export interface Job {
  id: string;
  keyName: string | null;
  kind: string;
  status: JobStatus;
  request: JsonValue;
  result: JsonValue | null;
  error: JsonValue | null;
  createdAt: number;
  updatedAt: number;
}

export interface NewJob {
  id: string;
  keyName?: string | null;
  kind: string;
  status?: JobStatus;
  request: JsonValue;
  createdAt?: number;
}

export interface JobPatch {
  status?: JobStatus;
  result?: JsonValue | null;
  error?: JsonValue | null;
}

const STATUSES: readonly JobStatus[] = ['queued', 'running', 'succeeded', 'failed', 'cancelled'];

function parse(json: string | null): JsonValue | null {
  if (json === null) return null;
  try {
    return JSON.parse(json) as JsonValue;
  } catch {
    return null;
  }
}

function toJob(r: typeof jobs.$inferSelect): Job {
  const status = (STATUSES as readonly string[]).includes(r.status) ? (r.status as JobStatus) : 'failed';
  return {
    id: r.id,
    keyName: r.keyName,
    kind: r.kind,
    status,
    request: parse(r.requestJson),
    result: parse(r.resultJson),
    error: parse(r.errorJson),
    createdAt: r.createdAt,
    updatedAt: r.updatedAt,
  };
}

export async function createJob(store: StoreDb, job: NewJob): Promise<Job> {
  const { db, t: { jobs } } = view(store);
  const now = job.createdAt ?? Date.now();
  const rows = await db
    .insert(jobs)
    .values({
      id: job.id,
      keyName: job.keyName ?? null,
      kind: job.kind,
      status: job.status ?? 'queued',
      requestJson: JSON.stringify(job.request),
      createdAt: now,
      updatedAt: now,
    })
    .returning();
  const row = rows[0];
  if (!row) throw new Error(`job ${job.id} was not created`);
  return toJob(row);
}

/** A job by id; with keyName, only if it belongs to that key (so keys cannot read each other's jobs). */
export async function getJob(store: StoreDb, id: string, keyName?: string): Promise<Job | null> {
  const { db, t: { jobs } } = view(store);
  const where = keyName === undefined ? eq(jobs.id, id) : and(eq(jobs.id, id), eq(jobs.keyName, keyName));
  const rows = await db.select().from(jobs).where(where);
  return rows[0] ? toJob(rows[0]) : null;
}

/** Updates status/result/error and bumps updated_at; null when there is no such job. */
export async function updateJob(store: StoreDb, id: string, patch: JobPatch, now: number = Date.now()): Promise<Job | null> {
  const { db, t: { jobs } } = view(store);
  const set: Partial<typeof jobs.$inferInsert> = { updatedAt: now };
  if (patch.status !== undefined) set.status = patch.status;
  if (patch.result !== undefined) set.resultJson = patch.result === null ? null : JSON.stringify(patch.result);
  if (patch.error !== undefined) set.errorJson = patch.error === null ? null : JSON.stringify(patch.error);
  const rows = await db.update(jobs).set(set).where(eq(jobs.id, id)).returning();
  return rows[0] ? toJob(rows[0]) : null;
}

/** Marks abandoned jobs (queued/running, heartbeat older than staleMs) failed. Returns how many. */
export async function failStaleJobs(store: StoreDb, staleMs: number, error: JsonValue, now = Date.now()): Promise<number> {
  const { db, t: { jobs } } = view(store);
  const rows = await db
    .update(jobs)
    .set({ status: 'failed', errorJson: JSON.stringify(error), updatedAt: now })
    .where(and(inArray(jobs.status, ['queued', 'running']), lt(jobs.updatedAt, now - staleMs)))
    .returning({ id: jobs.id });
  return rows.length;
}
