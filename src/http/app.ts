// The Elysia app: health and readiness, the admin API, and one catch-all that hands every API
// request to the pipeline (routes come from gateway.yaml and change on reload, so dispatch is ours).

import { Elysia } from 'elysia';
import type { Runtime } from '../runtime/runtime.ts';
import { handleAdmin } from './admin.ts';
import { handleApiRequest } from './handle-request.ts';
import { handleMetrics } from './metrics-route.ts';

type ServerLike = { requestIP(request: Request): { address: string } | null } | null;

export function clientIpOf(rt: Runtime, request: Request, server: ServerLike): string {
  if (rt.current().trustProxy) {
    // The rightmost entry is the one our own proxy appended; entries to its left are client-supplied.
    const forwarded = request.headers.get('x-forwarded-for')?.split(',').at(-1)?.trim() || request.headers.get('x-real-ip')?.trim();
    if (forwarded) return forwarded;
  }
  return server?.requestIP(request)?.address ?? '127.0.0.1';
}

export interface AppOptions {
  /** Worker index under a `server.workers` supervisor, shown on /health. */
  worker?: number;
}

export function createApp(rt: Runtime, opts: AppOptions = {}) {
  const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
  // /health names the process that answered (pid, and the worker index under a supervisor).
  const health = { status: 'ok', pid: process.pid, ...(opts.worker !== undefined && { worker: opts.worker }) };
  return new Elysia()
    .get('/health', () => json(200, health))
    .get('/ready', () => (rt.draining ? json(503, { status: 'draining' }) : json(200, { status: 'ready', config: rt.status.hash })))
    .all('/admin/*', ({ request }) => handleAdmin(rt, request), { parse: 'none' })
    .get('/metrics', ({ request }) => handleMetrics(rt, request))
    .all('/*', ({ request, server }) => handleApiRequest(rt, request, () => clientIpOf(rt, request, server as ServerLike)), { parse: 'none' });
}
