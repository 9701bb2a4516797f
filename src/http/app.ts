// The Elysia app: health and readiness, the admin API, /metrics, the dashboard, and one catch-all that hands every API
// request to the pipeline (routes come from gateway.yaml and change on reload, so dispatch is ours).
// An answer sent before the request body was read to its end (a bad key, a timeout, a body too large)
// closes the connection: otherwise the server keeps it open for the rest of a body nobody wants, and a
// client trickling bytes could hold connections for ever.

import { Elysia } from 'elysia';
import type { Runtime } from '../runtime/runtime.ts';
import { handleAdmin } from './admin.ts';
import { preflight, withCors } from './cors.ts';
import { errorHeaders } from './error-response.ts';
import { handleApiRequest, newRequestId } from './handle-request.ts';
import { handleMetrics } from './metrics-route.ts';
import { OPENAI_POST_PATHS } from './openai-paths.ts';
import { Dashboard } from './dashboard/dashboard.ts';
import { LoginThrottle } from './token-guard.ts';
import { dotSegmentProblem } from './path-segments.ts';
import { clientAddress, fromTrustedProxy } from './client-address.ts';

type ServerLike = { requestIP(request: Request): { address: string } | null } | null;

export function clientIpOf(rt: Runtime, request: Request, server: ServerLike): string {
  return clientAddress(rt.current().clientAddress, request.headers, peerOf(request, server));
}

/** The TCP peer's address. */
function peerOf(request: Request, server: ServerLike): string {
  return server?.requestIP(request)?.address ?? '127.0.0.1';
}

/**
 * 400 invalid_path (OpenAI-shaped, with an x-request-id) for a path with a dot segment, before any routing:
 * a front proxy that exposes only /v1/ must not be walked out of it into /admin or /dashboard.
 */
function refuseDotSegments(request: Request): Response | undefined {
  const problem = dotSegmentProblem(request);
  return problem && new Response(JSON.stringify(problem.toBody()), { status: problem.status, headers: errorHeaders(problem, newRequestId()) });
}

/** 503 while draining or while an attached service (ledger database, shared state) is not ready; says which and why. */
function ready(rt: Runtime, json: (status: number, body: unknown) => Response): Response {
  if (rt.draining) return json(503, { status: 'draining' });
  if (rt.readiness.size === 0) return json(200, { status: 'ready', config: rt.status.hash });
  const checks = Object.fromEntries([...rt.readiness].map(([name, check]) => [name, check()]));
  const ok = Object.values(checks).every((c) => c.ready);
  return json(ok ? 200 : 503, { status: ok ? 'ready' : 'not_ready', config: rt.status.hash, checks });
}

export interface AppOptions {
  /** Worker index under a `server.workers` supervisor, shown on /health. */
  worker?: number;
}

export function createApp(rt: Runtime, opts: AppOptions = {}) {
  const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
  // /health names the process that answered (pid, and the worker index under a supervisor).
  const health = { status: 'ok', pid: process.pid, ...(opts.worker !== undefined && { worker: opts.worker }) };
  // One failed-token limit per address for every place that takes the admin (or metrics) token, so the
  // admin API cannot be used to guess what the dashboard login refuses to let anyone guess.
  const throttle = new LoginThrottle();
  const dashboard = new Dashboard(rt, throttle);
  // The server comes from the app itself, never from the handler's context: a handler that names `server`
  // makes Elysia define a getter on every request's context (a function and an accessor per request; on the
  // chat path the saving was not measurable, bench/README.md), and only the client's address needs it.
  let built: { server: unknown } | undefined; // the app below (listen() sets its server)
  const serverOf = (): ServerLike => (built?.server ?? null) as ServerLike;
  const app = new Elysia()
    .get('/health', () => json(200, health))
    .get('/ready', () => ready(rt, json))
    .all('/admin/*', async ({ request }) => closeIfBodyUnread(request, refuseDotSegments(request) ?? await handleAdmin(rt, request, { throttle, ip: () => clientIpOf(rt, request, serverOf()) })), { parse: 'none' })
    .get('/metrics', ({ request }) => refuseDotSegments(request) ?? handleMetrics(rt, request, { throttle, ip: () => clientIpOf(rt, request, serverOf()) }));
  // Handlers take `request` alone: Elysia reads what a handler uses from its source, and one that passes the
  // whole context on is given parsed headers, cookies and query and the getter, on every request.
  type Ctx = { request: Request };
  // CORS (server.cors) is compiled with the config: off, it costs one property read per request.
  const serveApi = async (request: Request) => {
    const cors = rt.current().cors;
    if (cors !== undefined && request.method === 'OPTIONS') {
      const answer = preflight(cors, request);
      if (answer) return answer;
    }
    // HEAD is served wherever GET is (RFC 9110): as a GET, and Bun's server sends the head without the body.
    const asked = request.method === 'HEAD' ? new Request(request.url, { method: 'GET', headers: request.headers, signal: request.signal }) : request;
    const response = closeIfBodyUnread(request, refuseDotSegments(request) ?? await handleApiRequest(rt, asked, () => clientIpOf(rt, request, serverOf())));
    return cors === undefined ? response : withCors(cors, request, response);
  };
  const apiOnly = ({ request }: Ctx) => serveApi(request);
  // The dashboard's own paths only: /dashboard/billing/* stays OpenAI's billing API (handled by the pipeline).
  const serveDashboard = async (request: Request) =>
    closeIfBodyUnread(request, refuseDotSegments(request) ?? await dashboard.handle(request, () => clientIpOf(rt, request, serverOf()), () => fromTrustedProxy(rt.current().clientAddress, peerOf(request, serverOf()))));
  const api = ({ request }: Ctx) => (Dashboard.owns(request.url) ? serveDashboard(request) : serveApi(request));
  // The fixed OpenAI POST paths (and Anthropic's and Responses' main ones) as static routes: Elysia hands them
  // to Bun's native router, cheaper than the catch-all's match (bench/README.md); never the dashboard's paths,
  // so without its ownership check.
  for (const path of [...OPENAI_POST_PATHS, '/v1/messages', '/v1/responses']) app.post(path, apiOnly, { parse: 'none' });
  built = app;
  return app.all('/*', api, { parse: 'none' });
}

/** Adds `Connection: close` when the request carried a body that was not read to its end. */
export function closeIfBodyUnread(request: Request, response: Response): Response {
  const declared = request.headers.get('content-length');
  const hasBody = (declared !== null && declared !== '0') || request.headers.has('transfer-encoding');
  if (!hasBody || (request.bodyUsed && response.status !== 408 && response.status !== 413)) return response;
  try {
    response.headers.set('connection', 'close');
  } catch {
    // immutable headers: the server's own handling applies
  }
  return response;
}
