// Entry point for every API request: takes the gateway snapshot once, matches a route, runs route
// onRequest plugins, authenticates, parses the body and hands the call to the pipeline. One `finally`
// finishes the request (settle + one ledger row, finish.ts) unless a stream took over the end.

import type { CompiledGateway, CompiledRoute } from '../compile/types.ts';
import { GatewayError, withStatus } from '../contracts/errors.ts';
import { assertModelAllowed, authenticate } from '../pipeline/authenticate.ts';
import type { HookScope } from '../pipeline/plugin-runner.ts';
import { runRequestHooks } from '../pipeline/request-hooks.ts';
import { CLIENT_GONE, finishRequest } from '../pipeline/finish.ts';
import { meterFailure } from '../pipeline/metering.ts';
import { assertModelName } from '../pipeline/model-name.ts';
import { ClientGone } from '../upstream/call.ts';
import { serveModelCall } from '../pipeline/serve-call.ts';
import { routeJson } from '../pipeline/route-response.ts';
import { serveImageJobs } from '../jobs/serve.ts';
import type { Exchange, InboundCall } from '../pipeline/types.ts';
import type { Runtime } from '../runtime/runtime.ts';
import { handleBilling } from './billing.ts';
import { errorResponse, toGatewayError } from './error-response.ts';
import { listModels } from './models.ts';
import { cacheChoice, classifyOpenAIPath } from './openai-paths.ts';
import { methodNotAllowed } from './method-not-allowed.ts';
import { openAISurface } from './openai-surface.ts';
import { readOperationBody } from './read-body.ts';
import { type RequestTarget, gatewayAddress, invalidHost, requestTarget, requestUrl } from './request-url.ts';
import { RequestExchange, RequestScope } from '../pipeline/exchange.ts';
import { assertStreamFlag, validateChat } from './validate-chat.ts';
import { validateEmbeddings } from './validate-embeddings.ts';
import { splitToolCallIds } from '../protocols/openai/tool-ids.ts';
import { type InboundSurface, surfaceFor } from '../protocols/index.ts';

let counter = 0;
const bootTag = Date.now().toString(36);
export function newRequestId(): string {
  counter = (counter + 1) % 1_000_000_000;
  return `req_${bootTag}${counter.toString(36).padStart(6, '0')}${Math.floor(Math.random() * 1e6).toString(36)}`;
}

export function matchRoute(gw: CompiledGateway, path: string): { route: CompiledRoute; rest: string } {
  for (const route of gw.routes) {
    if (path === route.path || path.startsWith(route.path + '/')) return { route, rest: path.slice(route.path.length) || '/' };
  }
  return { route: gw.defaultRoute, rest: path };
}

/** `internalId`: the ledger id for a request the gateway makes itself (an image job); never taken from a client. */
export async function handleApiRequest(rt: Runtime, request: Request, clientIp: string | (() => string), internalId?: string): Promise<Response> {
  const gw = rt.current();
  // Our own id always: it is the ledger's primary key, so a client must not be able to choose it.
  const id = internalId ?? newRequestId();
  const hostProblem = invalidHost(request);
  // No Host (HTTP/1.0): Bun's url is relative; the pipeline and plugins get the request at a placeholder origin.
  if (!hostProblem && request.url.charCodeAt(0) === 47) request = new Request(requestUrl(request), request);
  const url = requestTarget(request);
  const { route, rest } = matchRoute(gw, url.pathname);
  const signal = request.signal;
  const scope = new RequestScope(id, route.path, signal, rt.log, gw.secrets);
  // The client address is looked up only when something needs it (allow_ips, jobs, the request log).
  const ex = new RequestExchange(id, gw, route, clientIp, signal, scope, rt);
  // OTLP export on: the client's trace context becomes the span's parent (and nothing else).
  if (rt.spans) ex.traceParent = request.headers.get('traceparent') ?? undefined;
  let status = 500;
  try {
    const response = await serveApiRequest(rt, ex, request, url, rest, hostProblem);
    status = response.status;
    return response;
  } finally {
    // The one place a request ends (a stream ends in its relay's onFinish instead). A failure is recorded
    // with the error's own status, even when an onError plugin answered it differently (an envelope).
    const failure = ex.failure;
    if (!ex.detached) finishRequest(rt, ex, failure ? failure.status : status, failure?.code, failure?.clientGone);
  }
}

async function serveApiRequest(rt: Runtime, ex: Exchange, request: Request, url: RequestTarget, rest: string, hostProblem?: GatewayError): Promise<Response> {
  const { gw, route, scope, id } = ex;
  let surface: InboundSurface | undefined;
  try {
    if (hostProblem) throw hostProblem;
    if (rt.draining) throw new GatewayError({ status: 503, type: 'api_error', code: 'shutting_down', message: 'The gateway is shutting down; retry shortly.', retryAfterMs: 1000 });
    let req = request;
    if (route.plugins.length) {
      const out = await runRequestHooks(route.plugins, req, scope); // without the client's credentials
      if (out instanceof Response) return withRequestId(out, id);
      req = out;
    }
    const path = req === request ? rest : matchRoute(gw, requestUrl(req).pathname).rest;
    const search = req === request ? url.search : requestUrl(req).search;
    surface = surfaceFor(route.protocol, req.method, path, req.headers);
    if (surface) {
      ex.surface = surface.protocol;
      const answer = await surface.serve({ rt, ex, req, path, search });
      return surface.requestIdHeader ? withRequestId(answer, id, surface.requestIdHeader) : answer;
    }

    let target = classifyOpenAIPath(req.method, path);
    if (target.kind === 'method') {
      // An operator's passthrough prefix still takes what it names (DELETE /v1/models/ft:... to OpenAI).
      const { path: below } = target;
      const passed = target.passable && path.startsWith('/v1/') && gw.passthrough.some((p) => below === p.prefix || below.startsWith(p.prefix + '/'));
      if (!passed) throw methodNotAllowed(req.method, url.pathname, target.allow);
      target = { kind: 'operation', operation: 'passthrough', path: below };
    }
    if (target.kind === 'unknown') {
      throw new GatewayError({ status: 404, type: 'invalid_request_error', code: 'unknown_route', message: `Unknown path ${req.method} ${url.pathname}. ${target.hint.replaceAll('<gateway>', gatewayAddress(gw) + route.path)}` });
    }
    ex.key = authenticate(gw, req.headers, ex, rt.runtimeKeyLookup, undefined, ex); // the exchange looks the address up only if asked
    scope.keyName = ex.key.name;
    scope.group = ex.key.group;
    if (target.kind === 'models') return await routeJson(ex, listModels(gw, ex, target.id));
    if (target.kind === 'billing') return await routeJson(ex, await handleBilling(rt, ex, target.path, search));
    if (target.kind === 'jobs') return await serveImageJobs(rt, ex, req, target.id);

    const parsed = await readOperationBody(req, target.operation, gw.maxBodyBytes, gw.bodyTimeoutMs);
    // Only chat and completions stream; `stream: true` elsewhere is ignored, as OpenAI does.
    const stream = parsed.body.stream === true && (target.operation === 'chat' || target.operation === 'completions');
    const streamOptions = parsed.body.stream_options;
    const call: InboundCall = {
      operation: target.operation,
      path: target.path,
      search: target.operation === 'passthrough' ? search : '',
      method: req.method,
      body: parsed.body,
      form: parsed.form,
      raw: parsed.raw,
      contentType: parsed.contentType,
      model: typeof parsed.body.model === 'string' ? parsed.body.model : undefined,
      stream,
      cache: cacheChoice(req.headers.get('x-switchyard-cache')),
      pinProvider: req.headers.get('x-switchyard-provider')?.trim() || undefined,
      includeUsage: stream && typeof streamOptions === 'object' && streamOptions !== null && !Array.isArray(streamOptions) && streamOptions.include_usage === true,
    };
    if (target.operation !== 'passthrough' && parsed.body.model !== undefined && typeof parsed.body.model !== 'string') {
      throw new GatewayError({ status: 400, type: 'invalid_request_error', code: 'invalid_value', param: 'model', message: '"model" must be a string.' });
    }
    if (target.operation === 'chat') {
      validateChat(call.body);
      splitToolCallIds(call.body);
    } else if (target.operation === 'completions') assertStreamFlag(call.body);
    else if (target.operation === 'embeddings') validateEmbeddings(call.body);
    assertModelName(call.model ?? parsed.passthroughModel);
    if (parsed.passthroughModel !== undefined) assertModelAllowed(ex.key, parsed.passthroughModel);
    ex.call = call;
    return await serveModelCall(rt, ex, call, openAISurface);
  } catch (err) {
    // The client left (or its upload broke off): nobody reads this answer; recorded as 499, or as cut by
    // the gateway when a stop closed the connection at its drain timeout.
    if (err instanceof ClientGone) {
      const cut = rt.cutSignal.aborted;
      ex.failure = { status: cut ? 503 : 499, code: cut ? 'drain_timeout' : CLIENT_GONE, clientGone: true };
      return new Response(null, { status: 499, headers: { 'x-request-id': id } });
    }
    let gwErr = toGatewayError(err, rt.log, id);
    // The surface's error shape, also when the request failed before its surface was chosen (onRequest).
    // A surface's path asked with a method it does not serve (GET /v1/messages: 405) answers in that surface's shape too.
    const shaping = surface ?? surfaceFor(route.protocol, request.method, rest) ?? surfaceFor(route.protocol, 'POST', rest);
    const status = shaping?.errorStatus?.(gwErr);
    if (status !== undefined && status !== gwErr.status) gwErr = withStatus(gwErr, status);
    meterFailure(rt, ex, gwErr);
    const shape = shaping?.errorBody;
    const answer = await errorResponse(gwErr, id, route, scope, gw.secrets, shape ? (e) => shape(e, id) : undefined);
    return shaping?.requestIdHeader ? withRequestId(answer, id, shaping.requestIdHeader) : answer;
  }
}

function withRequestId(response: Response, id: string, header = 'x-request-id'): Response {
  if (!response.headers.has(header)) {
    try {
      response.headers.set(header, id);
    } catch {
      // immutable headers: leave as is
    }
  }
  return response;
}
