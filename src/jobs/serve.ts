// Entry from the HTTP layer for /v1/images/jobs: hands the call to the attached job service, or says
// clearly that this gateway runs without one.

import { GatewayError } from '../contracts/errors.ts';
import type { Exchange } from '../pipeline/types.ts';
import type { Runtime } from '../runtime/runtime.ts';

export async function serveImageJobs(rt: Runtime, ex: Exchange, req: Request, id: string | undefined): Promise<Response> {
  if (!rt.jobs) {
    throw new GatewayError({
      status: 501, type: 'api_error', code: 'jobs_unavailable',
      message: 'Async image jobs are not available: this gateway runs without its ledger database. Use POST /v1/images/generations, or ask the operator to configure storage.',
    });
  }
  return rt.jobs.handle(ex, req, id);
}
