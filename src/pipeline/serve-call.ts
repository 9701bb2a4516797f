// Serves one authenticated model call: resolve the model, run plugins, admit (limits + budget),
// fail over across targets, then answer (JSON, raw bytes or a relayed stream) and settle + meter.

import type { ChatResponse, JsonObject, JsonValue, Usage } from '../contracts/canonical.ts';
import { chunksFromChatResponse } from '../contracts/emulate-stream.ts';
import { GatewayError } from '../contracts/errors.ts';
import type { ResponseView } from '../contracts/plugin.ts';
import type { CompiledModel, Target } from '../compile/types.ts';
import type { Runtime } from '../runtime/runtime.ts';
import type { Ticket } from '../runtime/contracts.ts';
import type { ChunkEncoder } from '../stream/encoders.ts';
import { relayStream } from '../stream/relay.ts';
import { countRequestPrompt } from '../tokens/count.ts';
import { assertModelAllowed } from './authenticate.ts';
import { costMicros } from './cost.ts';
import { planTiers, runWithFailover } from './failover.ts';
import { meter, usageOrEstimate } from './metering.ts';
import { runChain, runSyncChain } from './plugin-runner.ts';
import { ArraySource } from '../stream/array-source.ts';
import type { AttemptResult, Exchange, InboundCall } from './types.ts';

/** How a protocol surface shapes successful answers (OpenAI: as is; Anthropic: translated). */
export interface Surface {
  streamEncoder(call: InboundCall, ex: Exchange): ChunkEncoder;
  shapeBody?(body: JsonValue, call: InboundCall): JsonValue;
}

export async function serveModelCall(rt: Runtime, ex: Exchange, call: InboundCall, surface: Surface): Promise<Response> {
  const gw = ex.gw;
  const key = ex.key!;
  let model: CompiledModel | undefined;
  let plan: Array<{ model: string; targets: readonly Target[] }>;
  if (call.operation === 'passthrough') {
    plan = [{ model: '', targets: [passthroughTarget(ex, call)] }];
  } else {
    if (!call.model) throw new GatewayError({ status: 400, type: 'invalid_request_error', code: 'invalid_value', param: 'model', message: 'The request has no "model". Name one of the models listed by GET /v1/models.' });
    model = gw.models.get(call.model);
    if (!model) {
      throw new GatewayError({ status: 404, type: 'invalid_request_error', code: 'model_not_found', param: 'model', message: `The model "${call.model}" does not exist on this gateway. GET /v1/models lists the models your key may use.` });
    }
    assertModelAllowed(key, call.model);
    ex.scope.model = call.model;
    plan = planTiers(gw, model);
  }

  if (ex.route.plugins.length) {
    const view = (await runChain(ex.route.plugins, 'onCanonicalRequest', { operation: call.operation, body: call.body }, ex.scope, (h, v, ctx) => h.onCanonicalRequest?.(v, ctx))).value;
    call.body = view.body;
  }

  // Counting prompt tokens costs real CPU on long prompts: only done when a budget, a tpm limit or a
  // missing upstream usage needs it, and then once.
  let counted: number | undefined;
  const promptTokens = () => (counted ??= call.operation === 'passthrough' ? 0 : countRequestPrompt(call.body));
  const maxOut = numberField(call.body, 'max_completion_tokens') ?? numberField(call.body, 'max_tokens') ?? model?.maxOutputTokens ?? 0;
  const admitted = rt.admission.admit({
    gw, key, model, get promptTokens() { return promptTokens(); },
    maxOutputTokens: call.operation === 'chat' || call.operation === 'completions' ? maxOut : 0,
  });
  const ticket = admitted instanceof Promise ? await admitted : admitted; // the in-memory limiter answers synchronously

  const cacheCall = rt.cache && !call.stream && !call.form && !call.raw && call.operation !== 'passthrough'
    ? { keyName: key.name, route: ex.route.path, model: call.model, operation: call.operation, path: call.path, body: call.body, requested: call.cache }
    : undefined;
  const cacheable = cacheCall && (rt.cache!.applies?.(gw, cacheCall) ?? true) ? cacheCall : undefined;
  if (cacheable) {
    const hit = await rt.cache!.lookup(gw, cacheable).catch((err: unknown) => {
      rt.log.warn('response cache lookup failed; serving without cache', { request_id: ex.id, error: String((err as Error)?.message ?? err) });
      return undefined;
    });
    if (hit) {
      ticket.settle({ costMicros: 0 });
      meter(rt, ex, { status: hit.status, usageSource: 'none', costMicros: 0, stream: false, partial: false, errorCode: 'cache_hit' });
      const headers: Record<string, string> = { ...ticket.headers, 'x-request-id': ex.id, 'x-switchyard-cache': 'hit', 'x-switchyard-cost-usd': '0.000000' };
      return (await routeResponse(ex, hit.status, headers, JSON.parse(hit.body) as JsonValue)).response;
    }
  }

  let result: AttemptResult;
  try {
    result = await runWithFailover(ex, call, plan, rt);
  } catch (err) {
    ticket.settle({ costMicros: 0 });
    throw err;
  }
  const multiplier = gw.groups.get(key.group)?.multiplier ?? 1;
  const price = model?.price;
  const headers = responseHeaders(ex, result.target, ticket);

  if (result.kind === 'raw') {
    const cost = price ? costMicros(price, multiplier, undefined) : 0;
    ticket.settle({ costMicros: cost });
    meter(rt, ex, { target: result.target, status: result.response.status, usage: undefined, usageSource: 'none', costMicros: cost, stream: false, partial: false });
    addCostHeaders(headers, undefined, cost);
    const ct = result.response.headers.get('content-type');
    if (ct) headers['content-type'] = ct;
    return new Response(result.response.body, { status: result.response.status, headers });
  }

  if (result.kind === 'json' && !call.stream) {
    const { usage, source } = usageOrEstimate(result.usage, promptTokens, result.body, call.operation);
    const cost = price ? costMicros(price, multiplier, usage) : 0;
    ticket.settle({ usage, costMicros: cost });
    meter(rt, ex, { target: result.target, status: result.status, usage, usageSource: source, costMicros: cost, stream: false, partial: false });
    addCostHeaders(headers, usage, cost);
    if (result.verbatim !== undefined && !surface.shapeBody && !ex.route.plugins.length && !cacheable) {
      // Fast path: the upstream body is already the answer; forward its bytes without re-serialising.
      headers['content-type'] = 'application/json';
      return new Response(result.verbatim, { status: result.status, headers });
    }
    const body = surface.shapeBody ? surface.shapeBody(result.body, call) : result.body;
    if (cacheable) {
      headers['x-switchyard-cache'] = 'miss';
      if (result.status === 200) await rt.cache!.store(gw, cacheable, result.status, JSON.stringify(body)).catch(() => {});
    }
    return (await routeResponse(ex, result.status, headers, body)).response;
  }

  // Streams: a real upstream stream, or an emulated one from a full answer.
  const streamResult = result.kind === 'stream' ? result : emulated(result);
  const plugins = [...ex.route.plugins, ...streamResult.target.provider.plugins].filter((p) => p.plugin.onStreamEvent);
  const encoder = surface.streamEncoder(call, ex);
  ex.detached = true;
  headers['content-type'] = encoder.contentType;
  headers['cache-control'] = 'no-cache';
  headers['x-accel-buffering'] = 'no';
  const body = relayStream({
    source: streamResult.source,
    primed: { chunks: streamResult.primed, usage: streamResult.usage, done: streamResult.done, ended: streamResult.ended, error: streamResult.pendingError },
    encoder,
    transform: plugins.length ? (chunk) => runSyncChain(plugins, { ...ex.scope, provider: streamResult.target.provider.name }, chunk, (h, v, ctx) => h.onStreamEvent?.(v, ctx)) : undefined,
    estimateUsage: (text) => usageOrEstimate(undefined, promptTokens, text, call.operation).usage,
    onFinish: (outcome) => {
      try {
        const { usage, source } = usageOrEstimate(outcome.usage, promptTokens, outcome.completionText, call.operation);
        const partial = !outcome.completed;
        const billable = outcome.completed || outcome.clientGone || (outcome.completionText.length > 0);
        const cost = price ? costMicros(price, multiplier, usage, billable) : 0;
        ticket.settle({ usage, costMicros: cost });
        meter(rt, ex, {
          target: streamResult.target, status: outcome.error ? outcome.error.status : outcome.clientGone ? 499 : 200, errorCode: outcome.error?.code,
          usage, usageSource: source, costMicros: cost, stream: true, partial, firstChunkAt: outcome.firstChunkAt,
        });
      } finally {
        ex.leave();
      }
    },
  });
  return new Response(body, { status: 200, headers });
}

/** Route plugins' onResponse, then the JSON response (or the plugins' `rawBody`, e.g. XML). */
export async function routeResponse(ex: Exchange, status: number, headers: Record<string, string>, body: JsonValue): Promise<{ response: Response }> {
  let raw: string | undefined;
  if (ex.route.plugins.length) {
    const view = (await runChain(ex.route.plugins, 'onResponse', { status, headers: { ...headers }, body } as ResponseView, ex.scope, (h, v, ctx) => h.onResponse?.(v, ctx))).value;
    body = view.body;
    status = view.status;
    raw = view.rawBody;
    Object.assign(headers, view.headers);
  }
  headers['content-type'] ??= 'application/json';
  return { response: new Response(raw ?? JSON.stringify(body), { status, headers }) };
}

function emulated(result: Extract<AttemptResult, { kind: 'json' }>): Extract<AttemptResult, { kind: 'stream' }> {
  const chunks = chunksFromChatResponse(result.body as unknown as ChatResponse, { includeUsage: false });
  return { kind: 'stream', target: result.target, source: new ArraySource(chunks, result.usage), primed: [], usage: result.usage, done: true, ended: false };
}

function passthroughTarget(ex: Exchange, call: InboundCall): Target {
  const match = ex.gw.passthrough.find((p) => call.path === p.prefix || call.path.startsWith(p.prefix + '/'));
  if (!match) {
    throw new GatewayError({
      status: 404, type: 'invalid_request_error', code: 'unknown_route',
      message: `This gateway does not serve ${call.method} /v1${call.path}. To pass it through, add its prefix to a provider's passthrough list in gateway.yaml (e.g. passthrough: ["${call.path.split('/').slice(0, 2).join('/')}"]).`,
    });
  }
  return { provider: match.provider, upstreamModel: '', weight: 1, priority: 0, breakerKey: `${match.provider.name}/passthrough` };
}

function numberField(body: JsonObject, field: string): number | undefined {
  const v = body[field];
  return typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : undefined;
}

function responseHeaders(ex: Exchange, target: Target, ticket: Ticket): Record<string, string> {
  const headers: Record<string, string> = { ...ticket.headers, 'x-request-id': ex.id, 'x-switchyard-provider': target.provider.name, 'x-switchyard-attempts': String(ex.attempts.length) };
  if (target.upstreamModel) headers['x-switchyard-upstream-model'] = target.upstreamModel;
  return headers;
}

/** Usage and cost on a response, so clients can bill their own users. */
export function addCostHeaders(h: Record<string, string>, usage: Usage | undefined, cost: number): void {
  h['x-switchyard-cost-usd'] = (cost / 1e6).toFixed(6);
  if (usage) {
    h['x-switchyard-prompt-tokens'] = String(usage.prompt_tokens);
    h['x-switchyard-completion-tokens'] = String(usage.completion_tokens);
    h['x-switchyard-cached-tokens'] = String(usage.cached_tokens ?? 0);
  }
}
