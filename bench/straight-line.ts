// The gateway's straight line (issue 13): one non-streamed chat request through every check the gateway
// makes on it, written as one function on raw Bun.serve with the gateway's own modules (the runtime started
// from BENCH_CONFIG: its keys, limits, budget, breakers, connection gate and ledger), but none of its layers:
// no framework, no route matching beyond the static path, no surfaces, no failover loop, no answer builder.
// It answers only the straight case (a key, a model with one target, an upstream 200 with JSON); anything
// else is a 500, which the bench counts. It shows what the layering costs (the gateway minus this) and,
// with BENCH_SKIP, what each check costs: every name in the comma list replaces that check by the floor's
// cheaper way of doing the same job (bench/floor-ladder.ts):
//   body      readOperationBody (size and time limits, depth scan, steering fields) → req.text() + JSON.parse
//   validate  validateChat, splitToolCallIds, assertModelName → nothing
//   request   adapterRequestFor + the adapter's buildRequest (copy, strip, stringify) → the client's bytes
//             (with `body` skipped too), or the parsed body stringified as it is (without it)
//   abort     callUpstream (an AbortController on fetch, a deadline, the client's abort) → a bare fetch
//   decode    response header checks, the adapter's decodeResponse, the shape check → JSON.parse for usage
//   headers   the rate-limit, cost and request-id headers → content-type only
//   ledger    finishRequest's ledger row → settle only (limits and budget still settled)
// Prints {"port":N}.

import { BENCH_MODEL } from './gateway-config.ts';
import { exitWithParent } from './orphan-guard.ts';
import { startGateway } from '../src/gateway.ts';
import { createLogger } from '../src/log.ts';
import { matchRoute, newRequestId } from '../src/http/handle-request.ts';
import { readOperationBody } from '../src/http/read-body.ts';
import { invalidHost, requestTarget } from '../src/http/request-url.ts';
import { validateChat } from '../src/http/validate-chat.ts';
import { closeIfBodyUnread } from '../src/http/app.ts';
import { splitToolCallIds } from '../src/protocols/openai/tool-ids.ts';
import { authenticate } from '../src/pipeline/authenticate.ts';
import { RequestExchange, RequestScope } from '../src/pipeline/exchange.ts';
import { laneFor } from '../src/pipeline/lane.ts';
import { assertModelName } from '../src/pipeline/model-name.ts';
import { CallAdmission } from '../src/pipeline/call-admission.ts';
import { adapterRequestFor } from '../src/pipeline/attempt.ts';
import { callUpstream } from '../src/upstream/call.ts';
import { answerShapeProblem } from '../src/pipeline/answer-shape.ts';
import { usageOrEstimate } from '../src/pipeline/metering.ts';
import { costMicros } from '../src/pipeline/cost.ts';
import { addCostHeaders } from '../src/pipeline/answer.ts';
import { finishRequest } from '../src/pipeline/finish.ts';
import { type JsonObject, type Usage, usageFromWire } from '../src/contracts/canonical.ts';
import type { InboundCall } from '../src/pipeline/types.ts';
import { serveModelCall } from '../src/pipeline/serve-call.ts';
import { openAISurface } from '../src/http/openai-surface.ts';

const CHECKS = ['body', 'validate', 'request', 'abort', 'decode', 'headers', 'ledger'] as const;
const skip = new Set((process.env.BENCH_SKIP ?? '').split(',').filter(Boolean));
for (const s of skip) if (!(CHECKS as readonly string[]).includes(s)) throw new Error(`BENCH_SKIP: unknown check "${s}" (one of ${CHECKS.join(', ')})`);
// BENCH_FROM=serveModelCall: the straight line up to the admitted call's inputs, then the gateway's own layers
// from serveModelCall on (admission, answer, failover, attempt, answer building): the layers' share split in two.
const fromLayer = process.env.BENCH_FROM;
if (fromLayer !== undefined && fromLayer !== 'serveModelCall') throw new Error('BENCH_FROM: only serveModelCall');
const configPath = process.env.BENCH_CONFIG;
if (!configPath) throw new Error('BENCH_CONFIG (a gateway.yaml) is required');

const gateway = await startGateway({ configPath, port: 0, watch: false, logger: createLogger('silent') });
const rt = gateway.runtime;
const fail = (message: string) => new Response(message, { status: 500 });

async function straightLine(request: Request, server: { requestIP(r: Request): { address: string } | null }): Promise<Response> {
  const gw = rt.current();
  if (invalidHost(request)) return fail('host');
  const id = newRequestId();
  const { route } = matchRoute(gw, requestTarget(request).pathname);
  const signal = request.signal;
  const scope = new RequestScope(id, route.path, signal, rt.log, gw.secrets);
  const ipOf = () => server.requestIP(request)?.address ?? '127.0.0.1';
  const ex = new RequestExchange(id, gw, route, ipOf, signal, scope, rt);
  let status = 500;
  try {
    const key = (ex.key = authenticate(gw, request.headers, ex, rt.runtimeKeyLookup));
    scope.keyName = key.name;
    scope.group = key.group;
    let text: string | undefined;
    const body = skip.has('body')
      ? (JSON.parse((text = await request.text())) as JsonObject)
      : (await readOperationBody(request, 'chat', gw.maxBodyBytes, gw.bodyTimeoutMs)).body;
    if (request.headers.get('x-switchyard-provider') || request.headers.get('x-switchyard-cache')) return fail('pinned or cached');
    const model = typeof body.model === 'string' ? body.model : BENCH_MODEL;
    const call: InboundCall = { operation: 'chat', path: '/chat/completions', search: '', method: 'POST', body, model, stream: false, includeUsage: false };
    if (!skip.has('validate')) {
      validateChat(body);
      splitToolCallIds(body);
      assertModelName(model);
    }
    ex.call = call;
    if (fromLayer === 'serveModelCall') {
      const response = await serveModelCall(rt, ex, call, openAISurface);
      status = response.status;
      return closeIfBodyUnread(request, response);
    }
    const lane = laneFor(gw, key, model);
    if (!lane || lane.plan.length !== 1 || lane.plan[0]!.targets.length !== 1) return fail('not a one-target model');
    scope.model = model;
    const asked = new CallAdmission(gw, key, lane.model, call, lane.plan, lane.priced, lane.multiplier);
    const promptTokens = () => asked.promptTokens;
    const admitted = rt.admission.admit(asked);
    const ticket = admitted instanceof Promise ? await admitted : admitted;
    ex.billing = { ticket, multiplier: lane.multiplier, promptTokens };
    const target = lane.plan[0]!.targets[0]!;
    const provider = target.provider;
    if (!rt.breakers.tryAcquire(target.breakerKey)) return fail('breaker open');
    const lease = rt.upstreamGate?.tryAcquire(provider.name, provider.maxConnections, true);
    if (rt.upstreamGate && !lease) {
      rt.breakers.release(target.breakerKey);
      return fail('no connection slot');
    }
    const started = Date.now();
    const areq = adapterRequestFor(call, target);
    const ureq = skip.has('request')
      ? { url: `${provider.view.baseUrl}/chat/completions`, method: 'POST', headers: { authorization: `Bearer ${provider.view.apiKey}`, 'content-type': 'application/json' }, body: text ?? JSON.stringify(body) }
      : provider.adapter.buildRequest(areq, provider.view);
    ex.upstreamCalled = { target };
    let answer: string;
    let usage: Usage | undefined;
    let parsed: JsonObject;
    if (skip.has('abort')) {
      let res: Response;
      try {
        res = await fetch(ureq.url, { method: 'POST', headers: ureq.headers, body: ureq.body as string });
        answer = await res.text();
      } finally {
        lease?.release();
      }
      if (res.status !== 200) return fail('upstream status');
      parsed = JSON.parse(answer) as JsonObject;
      usage = usageFromWire(parsed.usage as never);
    } else {
      const upstream = await callUpstream(ureq, { provider: provider.name, timeoutMs: provider.timeoutMs, signal, lease, maxResponseBytes: provider.maxResponseBytes });
      const response = upstream.response;
      if (skip.has('decode')) {
        answer = await upstream.text();
        parsed = JSON.parse(answer) as JsonObject;
        usage = usageFromWire(parsed.usage as never);
      } else {
        if (response.status !== 200 || !(response.headers.get('content-type') ?? '').includes('json')) {
          upstream.abort(); // frees the connection slot
          return fail('upstream status');
        }
        answer = await upstream.text();
        const decoded = provider.adapter.decodeResponse({ status: 200, headers: response.headers, text: answer }, areq, provider.view);
        if (answerShapeProblem('chat', decoded.body)) return fail('upstream shape'); // text() already freed the slot
        parsed = decoded.body as JsonObject;
        usage = decoded.usage;
      }
    }
    rt.breakers.success(target.breakerKey);
    ex.attempts.push({ provider: provider.name, upstreamModel: target.upstreamModel, status: 200, latencyMs: Date.now() - started, startedAt: started });
    const checked = usageOrEstimate(usage, promptTokens, parsed, 'chat');
    const cost = lane.model.price ? costMicros(lane.model.price, lane.multiplier, checked.usage, true, 1) : 0;
    ex.billing.charge = { target, usage: checked.usage, usageSource: checked.source, costMicros: cost, stream: false, partial: false };
    status = 200;
    if (skip.has('headers')) return new Response(answer, { headers: { 'content-type': 'application/json' } });
    const headers: Record<string, string> = {
      ...ticket.headers, 'x-request-id': id, 'x-switchyard-attempts': '1', 'x-switchyard-provider': provider.name, 'x-switchyard-upstream-model': target.upstreamModel, 'content-type': 'application/json',
    };
    addCostHeaders(headers, checked.usage, cost);
    return closeIfBodyUnread(request, new Response(answer, { status: 200, headers }));
  } catch (err) {
    return fail(String((err as Error).message).slice(0, 200));
  } finally {
    if (skip.has('ledger')) {
      ex.billing?.ticket.settle({ usage: ex.billing.charge?.usage, costMicros: ex.billing.charge?.costMicros ?? 0 });
      ex.leave();
    } else finishRequest(rt, ex, status);
  }
}

const server = Bun.serve({ hostname: '127.0.0.1', port: 0, idleTimeout: 0, fetch: straightLine });
process.on('SIGTERM', () => {
  server.stop();
  void gateway.stop().then(() => process.exit(0));
  setTimeout(() => process.exit(1), 8000).unref();
});
exitWithParent();
console.log(JSON.stringify({ port: server.port }));
