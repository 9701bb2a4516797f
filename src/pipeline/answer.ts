// Answers an admitted call: response cache, failover, then the JSON, raw or streamed answer. What the
// request costs is recorded on the exchange (billing.charge) as soon as the upstream answered, before
// route plugins shape the answer; finishRequest settles and meters it once (from the HTTP edge, or from
// the relay's onFinish for a stream).

import { type ChatChunk, type ChatResponse, type JsonValue, type Usage, usageToWire } from '../contracts/canonical.ts';
import { usageToResponsesWire } from '../contracts/responses-usage.ts';
import { chunksFromChatResponse } from '../contracts/emulate-stream.ts';
import type { Price, Target } from '../compile/types.ts';
import type { Runtime } from '../runtime/runtime.ts';
import type { CacheableCall, Ticket } from '../runtime/contracts.ts';
import { ArraySource } from '../stream/array-source.ts';
import { relayStream } from '../stream/relay.ts';
import { sanitize } from './attempt.ts';
import { costMicros } from './cost.ts';
import { clientView } from './failure-report.ts';
import { runWithFailover } from './failover.ts';
import { providerScope } from './exchange.ts';
import { CLIENT_GONE, type Charge, finishRequest } from './finish.ts';
import { usageOrEstimate } from './metering.ts';
import { pluginContext, runSyncChain } from './plugin-runner.ts';
import { imagesIn, isImageOperation } from './reservation.ts';
import { routeResponse } from './route-response.ts';
import type { AttemptResult, Exchange, InboundCall, Surface } from './types.ts';

export interface AnswerContext {
  rt: Runtime;
  ex: Exchange;
  call: InboundCall;
  surface: Surface;
  ticket: Ticket;
  promptTokens: () => number;
  multiplier: number;
}

type Plan = Array<{ model: string; targets: readonly Target[] }>;

export async function answer(ctx: AnswerContext, plan: Plan): Promise<Response> {
  const { rt, ex, call, surface, ticket } = ctx;
  const gw = ex.gw;
  const cacheable = cacheableCall(ctx);
  if (cacheable) {
    const hit = await rt.cache!.lookup(gw, cacheable).catch((err: unknown) => {
      rt.log.warn('response cache lookup failed; serving without cache', { request_id: ex.id, error: String((err as Error)?.message ?? err) });
      return undefined;
    });
    if (hit) {
      const headers: Record<string, string> = { ...ticket.headers, 'x-request-id': ex.id, 'x-switchyard-cache': 'hit', 'x-switchyard-cost-usd': '0.000000' };
      charge(ex, { usageSource: 'none', costMicros: 0, stream: false, partial: false, note: 'cache_hit' });
      return (await routeResponse(ex, hit.status, headers, JSON.parse(hit.body) as JsonValue)).response;
    }
  }

  const result = await runWithFailover(ex, call, plan, rt);
  // Billed at the price of the model that answered (a fallback may differ from the one asked for).
  const price = gw.models.get(ex.answeredModel ?? call.model ?? '')?.price;
  const headers = responseHeaders(ex, result.target, ticket);

  if (result.kind === 'raw') {
    const cost = price ? costMicros(price, ctx.multiplier, undefined) : 0;
    charge(ex, { target: result.target, usageSource: 'none', costMicros: cost, stream: false, partial: false });
    addCostHeaders(headers, undefined, cost);
    const ct = result.response.headers.get('content-type');
    if (ct) headers['content-type'] = ct;
    return new Response(result.response.body, { status: result.response.status, headers });
  }

  if (result.kind === 'json' && !call.stream) {
    const { usage, source, invalid } = usageOrEstimate(result.usage, ctx.promptTokens, result.body, call.operation);
    if (invalid) warnInvalidUsage(ctx, result.target, invalid);
    const units = isImageOperation(call.operation) ? imagesIn(result.body) : 1;
    const cost = price ? costMicros(price, ctx.multiplier, usage, true, units) : 0;
    // Owed from here: a route plugin failing below changes the answer, not the bill.
    charge(ex, { target: result.target, usage, usageSource: source, costMicros: cost, stream: false, partial: false });
    addCostHeaders(headers, usage, cost);
    // expose_upstream: false: the answer names the public model, never the upstream's; missing or invalid
    // upstream usage is replaced by the usage billed (the estimate, as a stream's usage chunk carries it).
    // Either changes the bytes, so the verbatim body no longer serves.
    const renamed = !gw.exposeUpstream && renameModel(result.body, publicModel(ex, call));
    const rebilled = source === 'estimated' && usage !== undefined && replaceUsage(result.body, usage, call.operation);
    let response: Response;
    if (result.verbatim !== undefined && !renamed && !rebilled && !surface.shapeBody && !ex.route.plugins.length && !cacheable) {
      // Fast path: the upstream body is already the answer; forward its bytes without re-serialising.
      headers['content-type'] = 'application/json';
      response = new Response(result.verbatim, { status: result.status, headers });
    } else {
      const body = surface.shapeBody ? surface.shapeBody(result.body, call) : result.body;
      if (cacheable) {
        headers['x-switchyard-cache'] = 'miss';
        if (result.status === 200) await rt.cache!.store(gw, cacheable, result.status, JSON.stringify(body)).catch(() => {});
      }
      ({ response } = await routeResponse(ex, result.status, headers, body));
    }
    return response;
  }

  try {
    return answerStream(ctx, result.kind === 'stream' ? result : emulated(result, call), headers, price);
  } catch (err) {
    if (result.kind === 'stream') result.source.cancel(); // release the upstream body
    throw err;
  }
}

function answerStream(ctx: AnswerContext, result: Extract<AttemptResult, { kind: 'stream' }>, headers: Record<string, string>, price: Price | undefined): Response {
  const { rt, ex, call, surface } = ctx;
  const plugins = [...ex.route.plugins, ...result.target.provider.plugins].filter((p) => p.plugin.onStreamEvent);
  const scope = providerScope(ex.scope, result.target.provider.name);
  const contexts = plugins.map((lp) => pluginContext(lp, scope)); // once per stream, not per chunk
  const runPlugins = plugins.length ? (chunk: ChatChunk) => runSyncChain(plugins, scope, chunk, (h, v, c) => h.onStreamEvent?.(v, c), contexts) : undefined;
  const inner = surface.streamEncoder(call, ex);
  // Errors inside a stream are scrubbed like any other error before they reach the client.
  const encoder = { ...inner, error: (err: Parameters<typeof inner.error>[0]) => inner.error(clientView(sanitize(err, ex.gw.secrets), ex.gw, ex.id)) };
  const streamClosed = rt.openStream();
  headers['content-type'] = encoder.contentType;
  headers['cache-control'] = 'no-cache';
  headers['x-accel-buffering'] = 'no';
  const body = relayStream({
    source: result.source,
    primed: { chunks: result.primed, usage: result.usage, done: result.done, ended: result.ended, error: result.pendingError },
    encoder,
    transform: ex.gw.exposeUpstream ? runPlugins : hideUpstreamModel(publicModel(ex, call), runPlugins),
    finalUsage: (usage, text) => usageOrEstimate(usage, ctx.promptTokens, text(), call.operation).usage,
    cut: rt.cutSignal,
    onFinish: (outcome) => {
      try {
        const { usage, source, invalid } = usageOrEstimate(outcome.usage, ctx.promptTokens, outcome.completionText, call.operation);
        if (invalid) warnInvalidUsage(ctx, result.target, invalid);
        // The upstream failing before it delivered anything costs nothing; every other end is billed for
        // what was sent (a plugin failing, the client leaving, the gateway cutting the stream at shutdown).
        const billable = outcome.completed || outcome.completionText.length > 0 || outcome.error?.type !== 'upstream_error';
        const cost = price ? costMicros(price, ctx.multiplier, usage, billable) : 0;
        charge(ex, { target: result.target, usage, usageSource: source, costMicros: cost, stream: true, partial: !outcome.completed, firstChunkAt: outcome.firstChunkAt });
      } finally {
        streamClosed();
        const status = outcome.error ? outcome.error.status : outcome.clientGone ? 499 : 200;
        finishRequest(rt, ex, status, outcome.error?.code ?? (outcome.clientGone ? CLIENT_GONE : undefined), outcome.clientGone);
      }
    },
  });
  ex.detached = true; // the relay's onFinish finishes this request now
  return new Response(body, { status: 200, headers });
}

/** The public model name of the answer: the model that answered (a fallback may differ from the one asked for). */
function publicModel(ex: Exchange, call: InboundCall): string {
  return ex.answeredModel ?? call.model ?? '';
}

/** Sets a JSON answer's `model` to `name` when it names another (an upstream model); true if it changed. */
function renameModel(body: JsonValue, name: string): boolean {
  if (!name || !body || typeof body !== 'object' || Array.isArray(body) || typeof body.model !== 'string' || body.model === name) return false;
  body.model = name;
  return true;
}

/**
 * Puts the usage the gateway billed (an estimate) in place of an upstream's missing or invalid usage
 * object, in the answer's own shape: a Responses object's names, else OpenAI's (embeddings without
 * completion_tokens). Surfaces (Anthropic, Gemini, Responses from chat) translate it from there. True if it did.
 */
function replaceUsage(body: JsonValue, usage: Usage, operation: string): boolean {
  if (!body || typeof body !== 'object' || Array.isArray(body)) return false;
  const old = body.usage;
  if (body.object === 'response' || (old && typeof old === 'object' && !Array.isArray(old) && 'input_tokens' in old)) body.usage = usageToResponsesWire(usage) as unknown as JsonValue;
  else if (operation === 'embeddings') body.usage = { prompt_tokens: usage.prompt_tokens, total_tokens: usage.total_tokens };
  else body.usage = usageToWire(usage) as unknown as JsonValue;
  return true;
}

/** Every chunk of a stream names the public model (plugins then see that name too). */
function hideUpstreamModel(name: string, next?: (chunk: ChatChunk) => ChatChunk | null): (chunk: ChatChunk) => ChatChunk | null {
  return (chunk) => {
    if (name && chunk.model !== undefined && chunk.model !== name) chunk.model = name;
    return next ? next(chunk) : chunk;
  };
}

/** Records what the request owes (see finish.ts); the last charge recorded wins. */
function charge(ex: Exchange, c: Charge): void {
  if (ex.billing) ex.billing.charge = c;
}

/** Logs an upstream's invalid usage report (the request is then billed on an estimate). */
function warnInvalidUsage(ctx: AnswerContext, target: Target, field: string): void {
  ctx.rt.log.warn('upstream reported invalid usage; billing an estimate instead', { request_id: ctx.ex.id, provider: target.provider.name, field });
}

function cacheableCall(ctx: AnswerContext): CacheableCall | undefined {
  const { rt, ex, call, surface } = ctx;
  if (!rt.cache || call.stream || call.form || call.raw || call.operation === 'passthrough') return undefined;
  const candidate: CacheableCall = {
    keyName: ex.key!.name, route: ex.route.path, surface: surface.name, model: call.model, operation: call.operation, path: call.path, body: call.body, requested: call.cache,
  };
  return rt.cache.applies?.(ex.gw, candidate) ?? true ? candidate : undefined;
}

/** A full answer as a stream, for upstreams that cannot stream (or answered with JSON anyway). */
function emulated(result: Extract<AttemptResult, { kind: 'json' }>, call: InboundCall): Extract<AttemptResult, { kind: 'stream' }> {
  const chunks = call.operation === 'completions' ? completionChunks(result.body) : chunksFromChatResponse(result.body as unknown as ChatResponse, { includeUsage: false });
  return { kind: 'stream', target: result.target, source: new ArraySource(chunks, result.usage), primed: [], usage: result.usage, done: true, ended: false };
}

function completionChunks(body: JsonValue): ChatChunk[] {
  const b = (body ?? {}) as { id?: string; created?: number; model?: string; choices?: Array<{ index?: number; text?: string; finish_reason?: string }> };
  const choices = (b.choices ?? []).map((c, i) => ({ index: c.index ?? i, text: c.text ?? '', finish_reason: c.finish_reason ?? 'stop', logprobs: null }));
  return [{ id: b.id ?? 'cmpl', object: 'text_completion', created: b.created ?? Math.floor(Date.now() / 1000), model: b.model ?? '', choices } as unknown as ChatChunk];
}

function responseHeaders(ex: Exchange, target: Target, ticket: Ticket): Record<string, string> {
  const headers: Record<string, string> = { ...ticket.headers, 'x-request-id': ex.id, 'x-switchyard-attempts': String(ex.attempts.length) };
  // server.expose_upstream: false keeps provider names (and upstream model names) from clients.
  if (ex.gw.exposeUpstream) {
    headers['x-switchyard-provider'] = target.provider.name;
    if (target.upstreamModel) headers['x-switchyard-upstream-model'] = target.upstreamModel;
  }
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
