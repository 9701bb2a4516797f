// The async image job service as the HTTP layer sees it (attached to the Runtime by attachJobs).

import type { Exchange } from '../pipeline/types.ts';

export interface JobService {
  /** POST /v1/images/jobs (id undefined) or GET /v1/images/jobs/{id}, for an authenticated caller. */
  handle(ex: Exchange, req: Request, id: string | undefined): Promise<Response>;
  /** Resolves when no job started by this process is still running (tests, shutdown). */
  idle(): Promise<void>;
  /** Jobs started by this process and not finished yet. */
  readonly running: number;
}

/** The job object clients see (POST returns it with status 'queued'). */
export interface ImageJobView {
  id: string;
  object: 'image.job';
  status: 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';
  model: string | null;
  /** Unix seconds. */
  created_at: number;
  updated_at: number;
  /** The images.generations response, once succeeded. */
  result?: unknown;
  /** {message, type, code, status} once failed. */
  error?: unknown;
}
