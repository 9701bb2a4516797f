// Async image jobs (POST /v1/images/jobs, GET /v1/images/jobs/{id}); see image-jobs.ts for the life of a job.
//
//   const jobs = await attachJobs(rt, store);   // after the store is open; sets rt.jobs
//
// Attaching first fails jobs abandoned by a previous process (heartbeat older than staleMs).

import type { Runtime } from '../runtime/runtime.ts';
import type { Store } from '../store/open.ts';
import { type ImageJobOptions, createImageJobs, failStaleJobs } from './image-jobs.ts';
import type { JobService } from './types.ts';

export type { ImageJobView, JobService } from './types.ts';
export { type ImageJobOptions, failStaleJobs, interruptedError, jobView } from './image-jobs.ts';

export async function attachJobs(rt: Runtime, store: Pick<Store, 'db'>, opts: ImageJobOptions = {}): Promise<JobService> {
  const failed = await failStaleJobs(store.db, opts.staleMs ?? 30_000);
  if (failed) rt.log.warn('image jobs interrupted by a previous stop were marked failed', { jobs: failed });
  const service = createImageJobs(rt, store.db, opts);
  rt.jobs = service;
  return service;
}
