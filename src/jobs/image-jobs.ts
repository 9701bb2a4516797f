// Native async image jobs: POST /v1/images/jobs (body as /v1/images/generations) → 202 {id, status:
// 'queued'}; GET /v1/images/jobs/{id} → {id, status, result?, error?}. onebound-inbound maps its
// images/submit + images/get (Midjourney-style) onto these.
//
// Life of a job:
//   - submit validates the body and model (so obvious mistakes fail at once, not as a failed job), runs
//     the route's onCanonicalRequest plugins on it, stores the job (status queued) and starts it in this
//     process right away, while the caller's key is still in memory. The plaintext key is never stored.
//   - the run goes through the gateway's own pipeline: an in-process POST /v1/images/generations on the
//     default surface with the caller's key, request id = job id. So it is authenticated, limited,
//     budgeted, failed over, billed and metered (one ledger row, id = job id) like any request.
//   - HTTP 200 → succeeded with result = the images.generations body; anything else → failed with
//     error = {message, type, code, status} from the gateway's error body.
//   - while it runs, the job's updated_at is touched every heartbeatMs. A queued/running job whose
//     heartbeat is older than staleMs belongs to a process that died (crash, kill -9, drain timeout): it
//     is marked failed (code job_interrupted) when the service starts and whenever it is read. Jobs are
//     never re-run after a restart (that would need the caller's key). A graceful stop waits for running
//     jobs (they count as in-flight requests for the drain).
//   - a job belongs to the key name that created it; other keys get 404.

import { randomBytes } from 'node:crypto';
import { and, inArray, lt } from 'drizzle-orm';
import type { JsonObject, JsonValue } from '../contracts/canonical.ts';
import { GatewayError } from '../contracts/errors.ts';
import { handleApiRequest } from '../http/handle-request.ts';
import { readOperationBody } from '../http/read-body.ts';
import { assertModelAllowed, presentedKey } from '../pipeline/authenticate.ts';
import { assertModelName } from '../pipeline/model-name.ts';
import { runChain } from '../pipeline/plugin-runner.ts';
import { routeResponse } from '../pipeline/serve-call.ts';
import type { Exchange } from '../pipeline/types.ts';
import type { Runtime } from '../runtime/runtime.ts';
import { type Job, createJob, getJob, updateJob } from '../store/jobs-repo.ts';
import type { StoreDb } from '../store/open.ts';
import { jobs } from '../store/schema.ts';
import type { ImageJobView, JobService } from './types.ts';

export const JOB_KIND = 'images.generations';
const INTERNAL_ORIGIN = 'http://switchyard.internal';

export interface ImageJobOptions {
  /** How often a running job's updated_at is touched (default 10 s). */
  heartbeatMs?: number;
  /** A queued/running job not touched for this long is failed as interrupted (default 30 s). */
  staleMs?: number;
}

export function interruptedError(): JsonObject {
  return {
    message: 'The gateway stopped before this image job finished (restart or crash). Nothing was billed for the unfinished part; submit the job again.',
    type: 'api_error', code: 'job_interrupted', status: 500,
  };
}

/** Marks abandoned jobs (queued/running, heartbeat older than staleMs) failed. Returns how many. */
export async function failStaleJobs(db: StoreDb, staleMs: number, now = Date.now()): Promise<number> {
  const rows = await db
    .update(jobs)
    .set({ status: 'failed', errorJson: JSON.stringify(interruptedError()), updatedAt: now })
    .where(and(inArray(jobs.status, ['queued', 'running']), lt(jobs.updatedAt, now - staleMs)))
    .returning({ id: jobs.id });
  return rows.length;
}

export function jobView(job: Job): ImageJobView {
  const request = job.request as JsonObject | null;
  const view: ImageJobView = {
    id: job.id,
    object: 'image.job',
    status: job.status,
    model: typeof request?.model === 'string' ? request.model : null,
    created_at: Math.floor(job.createdAt / 1000),
    updated_at: Math.floor(job.updatedAt / 1000),
  };
  if (job.result !== null) view.result = job.result;
  if (job.error !== null) view.error = job.error;
  return view;
}

export function createImageJobs(rt: Runtime, db: StoreDb, opts: ImageJobOptions = {}): JobService {
  const heartbeatMs = opts.heartbeatMs ?? 10_000;
  const staleMs = opts.staleMs ?? 30_000;
  const running = new Set<string>();
  const waiters: Array<() => void> = [];

  async function submit(ex: Exchange, req: Request): Promise<Response> {
    const key = ex.key!;
    const parsed = await readOperationBody(req, 'images.generations', ex.gw.maxBodyBytes, ex.gw.bodyTimeoutMs);
    const model = parsed.body.model;
    assertModelName(model);
    if (typeof model !== 'string' || !model) {
      throw new GatewayError({ status: 400, type: 'invalid_request_error', code: 'invalid_value', param: 'model', message: 'The job has no "model". Send the same body as POST /v1/images/generations, with a model listed by GET /v1/models.' });
    }
    if (!ex.gw.models.has(model)) {
      throw new GatewayError({ status: 404, type: 'invalid_request_error', code: 'model_not_found', param: 'model', message: `The model "${model}" does not exist on this gateway. GET /v1/models lists the models your key may use.` });
    }
    assertModelAllowed(key, model);
    ex.scope.model = model;
    let body = parsed.body;
    if (ex.route.plugins.length) {
      body = (await runChain(ex.route.plugins, 'onCanonicalRequest', { operation: 'images.generations' as const, body }, ex.scope, (h, v, ctx) => h.onCanonicalRequest?.(v, ctx))).value.body;
    }
    if (body.stream === true) delete body.stream;
    const apiKey = presentedKey(req.headers)!;
    const job = await createJob(db, { id: `imgjob_${randomBytes(12).toString('hex')}`, keyName: key.name, kind: JOB_KIND, request: body });
    start(job.id, body, apiKey, ex.clientIp);
    const headers = { 'x-request-id': ex.id, location: `${ex.route.path}/v1/images/jobs/${job.id}` };
    return (await routeResponse(ex, 202, headers, jobView(job) as unknown as JsonValue)).response;
  }

  async function read(ex: Exchange, id: string): Promise<Response> {
    let job = await getJob(db, id, ex.key!.name);
    if (!job) {
      throw new GatewayError({ status: 404, type: 'invalid_request_error', code: 'job_not_found', param: 'id', message: `No image job "${id.slice(0, 80)}" exists for your key. Use the id returned by POST /v1/images/jobs.` });
    }
    if ((job.status === 'queued' || job.status === 'running') && !running.has(job.id) && job.updatedAt < Date.now() - staleMs) {
      job = (await updateJob(db, job.id, { status: 'failed', error: interruptedError() })) ?? job;
    }
    return (await routeResponse(ex, 200, { 'x-request-id': ex.id }, jobView(job) as unknown as JsonValue)).response;
  }

  function start(id: string, body: JsonObject, apiKey: string, clientIp: string): void {
    const leave = rt.enter();
    running.add(id);
    // Started synchronously, so a drain that begins now still waits for it.
    const answer = handleApiRequest(rt, new Request(`${INTERNAL_ORIGIN}/v1/images/generations`, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    }), clientIp, id);
    const heartbeat = setInterval(() => void updateJob(db, id, {}).catch(() => {}), heartbeatMs);
    void (async () => {
      try {
        await updateJob(db, id, { status: 'running' });
        const res = await answer;
        const text = await res.text();
        let parsed: JsonValue = null;
        try {
          parsed = JSON.parse(text) as JsonValue;
        } catch {
          parsed = null;
        }
        if (res.status === 200 && parsed !== null) {
          await updateJob(db, id, { status: 'succeeded', result: parsed });
        } else {
          const err = (parsed as { error?: JsonObject } | null)?.error;
          const error: JsonObject = err && typeof err === 'object'
            ? { message: String(err.message ?? 'image generation failed'), type: String(err.type ?? 'api_error'), code: String(err.code ?? 'upstream_error'), status: res.status }
            : { message: `image generation failed with HTTP ${res.status}`, type: 'api_error', code: 'internal_error', status: res.status };
          await updateJob(db, id, { status: 'failed', error });
        }
      } catch (err) {
        rt.log.error('image job failed to run', { job: id, error: String((err as Error)?.message ?? err) });
        await updateJob(db, id, { status: 'failed', error: { message: 'The gateway could not run this image job; submit it again.', type: 'api_error', code: 'internal_error', status: 500 } }).catch(() => {});
      } finally {
        clearInterval(heartbeat);
        running.delete(id);
        leave();
        if (running.size === 0) for (const w of waiters.splice(0)) w();
      }
    })();
  }

  return {
    handle: (ex, req, id) => (id === undefined ? submit(ex, req) : read(ex, id)),
    idle: () => (running.size === 0 ? Promise.resolve() : new Promise<void>((resolve) => waiters.push(resolve))),
    get running() {
      return running.size;
    },
  };
}
