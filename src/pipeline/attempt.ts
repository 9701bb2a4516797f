// One upstream attempt: adapter builds the request, provider plugins may rewrite it, the upstream
// module performs it, and the reply is decoded. For streams, the attempt reads until the first chunk
// so an error that arrives before any content can still fail over (also one a provider plugin raises
// from an event, onUpstreamStreamEvent). A 200 that is not a readable answer
// for the operation (see answer-shape.ts) fails the attempt like any other upstream fault.

import type { AdapterRequest, UpstreamReply, UpstreamRequest } from '../contracts/adapter.ts';
import { UPSTREAM_MAX_DEPTH, upstreamTooDeep } from '../http/json-depth.ts';
import type { ChatChunk, JsonObject, JsonValue } from '../contracts/canonical.ts';
import type { UpstreamStreamEvent } from '../contracts/plugin.ts';
import { GatewayError, errors, isGatewayError } from '../contracts/errors.ts';
import { capUpstreamText } from '../contracts/upstream-errors.ts';
import type { Target } from '../compile/types.ts';
import { withIdleTimeout } from '../stream/idle-timeout.ts';
import { createFramer, isStreamContentType } from '../stream/framing.ts';
import { SseSource } from '../stream/sse-source.ts';
import { ClientGone, type UpstreamCall, callUpstream } from '../upstream/call.ts';
import type { Lease } from '../upstream/connection-gate.ts';
import { answerShapeProblem, expectsJson } from './answer-shape.ts';
import { redact, stripUpstreamDetails } from '../upstream/redact.ts';
import { runFollowUps } from './follow-up.ts';
import { providerScope } from './exchange.ts';
import { pluginContext, runChain, runSyncChain } from './plugin-runner.ts';
import { runUpstreamRequestHooks } from './upstream-hooks.ts';
import type { AttemptResult, Exchange, InboundCall } from './types.ts';

export function adapterRequestFor(call: InboundCall, target: Target): AdapterRequest {
  const native = call.native && target.provider.adapter.supports(call.native.operation, target.provider.view) ? call.native : undefined;
  if (native) {
    return {
      operation: native.operation, body: { ...native.body, model: target.upstreamModel }, path: native.path, search: '', method: call.method,
      stream: call.stream, upstreamModel: target.upstreamModel, contentType: 'application/json', outputCap: call.outputCap,
    };
  }
  const body: JsonObject = call.model !== undefined && call.operation !== 'passthrough' ? { ...call.body, model: target.upstreamModel } : call.body;
  let form = call.form;
  if (form && call.model !== undefined && form.has('model')) {
    form = new FormData();
    for (const [k, v] of call.form!.entries()) form.append(k, k === 'model' ? target.upstreamModel : v);
  }
  return {
    operation: call.operation, body, form, raw: call.raw, path: call.path, search: call.search, method: call.method,
    stream: call.stream, upstreamModel: target.upstreamModel, contentType: call.contentType, outputCap: call.outputCap,
  };
}

/** `lease`: the connection slot for this attempt, held until the upstream answer has been read. */
export async function attemptTarget(ex: Exchange, call: InboundCall, target: Target, lease?: Lease): Promise<AttemptResult> {
  const { provider } = target;
  const adapter = provider.adapter;
  const scope = provider.plugins.length ? providerScope(ex.scope, provider.name) : ex.scope; // hooks only
  const areq = adapterRequestFor(call, target);
  let ureq: UpstreamRequest = adapter.buildRequest(areq, provider.view);
  // Hooks see the request without the provider's credentials, which are added back after them.
  if (provider.plugins.length) ureq = await runUpstreamRequestHooks(provider, ureq, areq, scope);
  // Credentials that cover the final request (SigV4) or come from a token exchange are applied after
  // the plugins, so no plugin sees them.
  if (provider.auth) {
    ureq = await provider.auth.authorize(ureq, ex.signal).catch((err: unknown) => {
      throw isGatewayError(err) ? sanitize(err, ex.gw.secrets) : errors.upstreamError(`The gateway could not authenticate its request to provider "${provider.name}".`, undefined, false);
    });
  }
  // A client that left during the hooks above is not sent anywhere (and so not billed).
  if (ex.signal.aborted) throw new ClientGone();
  ex.upstreamCalled = { target };
  const upstream = await callUpstream(ureq, {
    provider: provider.name,
    timeoutMs: provider.timeoutMs,
    signal: ex.signal,
    serveLocally: adapter.serveLocally?.bind(adapter),
    lease,
    maxResponseBytes: provider.maxResponseBytes,
  });
  try {
    return await readAnswer(ex, call, target, areq, upstream);
  } catch (err) {
    upstream.abort(err); // whatever failed, the upstream stops sending (and its connection slot is freed)
    throw err;
  }
}

async function readAnswer(ex: Exchange, call: InboundCall, target: Target, areq: AdapterRequest, upstream: UpstreamCall): Promise<AttemptResult> {
  const { provider } = target;
  const adapter = provider.adapter;
  const scope = provider.plugins.length ? providerScope(ex.scope, provider.name) : ex.scope; // hooks only
  const { response } = upstream;
  const contentType = response.headers.get('content-type') ?? '';
  const scrub = (e: GatewayError) => sanitize(e, ex.gw.secrets);

  if (response.status < 200 || response.status >= 300) {
    let reply: UpstreamReply = { status: response.status, headers: response.headers, text: await upstream.text().catch(() => '') };
    if (provider.plugins.length) reply = await pluginReply(reply, target, scope).catch((err: unknown) => { throw isGatewayError(err) ? scrub(err) : err; });
    throw scrub(adapter.decodeError(reply, provider.view));
  }

  const wantsStream = call.stream && adapter.streamMode !== 'emulate';
  if (wantsStream && isStreamContentType(adapter.streamFraming, contentType)) {
    // The attempt's timeout keeps running until the first content: bytes that carry none (SSE comments,
    // pings, a role-only opener) do not hold the request past timeout_ms. The SSE source's idle timeout
    // (same duration) watches the stream from there.
    if (!adapter.createStreamDecoder) throw errors.upstreamInvalid(provider.name, 'the adapter cannot decode streams');
    const source = new SseSource(response.body!, adapter.createStreamDecoder(areq, provider.view), {
      provider: provider.name, idleTimeoutMs: provider.timeoutMs, abortUpstream: (reason) => upstream.abort(reason), onClose: () => upstream.finish(),
      framer: createFramer(adapter.streamFraming, provider.maxEventBytes),
      transformEvent: provider.plugins.length ? upstreamEventHooks(target, scope) : undefined,
    });
    // Chunks that carry nothing yet (the role-only opener of OpenAI and Anthropic streams) are held
    // back, so an error that follows them still fails over: nothing has reached the client.
    const primed: ChatChunk[] = [];
    let done = false;
    for (;;) {
      const step = await source.next();
      primed.push(...step.chunks);
      done ||= step.done ?? false;
      const committed = primed.some(carriesContent);
      if (step.error && !committed) {
        source.cancel();
        throw upstream.timedOut() ? errors.upstreamTimeout(provider.name, provider.timeoutMs, 'content') : scrub(step.error);
      }
      // Over before anything readable arrived (an empty body, one that is not SSE, or `[DONE]` after events
      // without a single choice, content or finish_reason): an unreadable answer, never an empty 200.
      if (step.ended && !committed) throw errors.upstreamInvalid(provider.name, 'the stream ended without an answer');
      if (committed || step.ended || step.error) {
        upstream.stopTimer();
        return { kind: 'stream', target, source, primed, usage: step.usage, done, ended: step.ended ?? false, pendingError: step.error ? scrub(step.error) : undefined };
      }
    }
  }

  const json = expectsJson(call);
  if (!(contentType.includes('json') || (contentType === '' && json))) {
    // An HTML page from a CDN or proxy where JSON was due: unreadable, and never shown to the client.
    if (json) {
      upstream.abort();
      throw errors.upstreamInvalid(provider.name, `the answer is ${contentType.split(';')[0] || 'untyped'}, not JSON`);
    }
    upstream.stopTimer(); // raw bodies (audio, files) stream through to the client, under an idle timeout
    const body = response.body ? withIdleTimeout(response.body, provider.timeoutMs, () => upstream.abort(new Error('stalled')), () => upstream.finish()) : null;
    if (!body) upstream.finish();
    return { kind: 'raw', target, response: new Response(body, { status: response.status, headers: response.headers }) };
  }
  let reply: UpstreamReply = { status: response.status, headers: response.headers, text: await upstream.text() };
  if (provider.plugins.length) reply = await pluginReply(reply, target, scope).catch((err: unknown) => { throw isGatewayError(err) ? scrub(err) : err; });
  let state: JsonValue | undefined;
  if (adapter.followUp) {
    try {
      ({ reply, state } = await runFollowUps(ex, target, areq, reply, {
        request: async (r) => (provider.plugins.length ? runUpstreamRequestHooks(provider, r, areq, scope) : r), // credential-free view here too
        reply: async (r) => (provider.plugins.length ? pluginReply(r, target, scope) : r),
      }));
    } catch (err) {
      throw isGatewayError(err) ? scrub(err) : err;
    }
  }
  if (upstreamTooDeep(reply.text)) throw errors.upstreamInvalid(provider.name, `the answer is nested more than ${UPSTREAM_MAX_DEPTH} levels deep`);
  try {
    const decoded = adapter.decodeResponse(reply, areq, provider.view, state);
    const problem = answerShapeProblem(areq.operation, decoded.body); // the operation sent (a native Responses call answers a Response)
    if (problem) throw errors.upstreamInvalid(provider.name, problem);
    return { kind: 'json', target, status: reply.status, headers: reply.headers, body: decoded.body, usage: decoded.usage, verbatim: decoded.verbatim };
  } catch (err) {
    if (isGatewayError(err)) throw scrub(err);
    throw errors.upstreamInvalid(provider.name, 'the adapter could not decode the reply');
  }
}

async function pluginReply(reply: UpstreamReply, target: Target, scope: Exchange["scope"]): Promise<UpstreamReply> {
  return (await runChain(target.provider.plugins, 'onUpstreamResponse', reply, scope, (h, v, ctx) => h.onUpstreamResponse?.(v, ctx))).value;
}


/** Provider plugins' onUpstreamStreamEvent as one transform (contexts made once per stream), or undefined without any. */
function upstreamEventHooks(target: Target, scope: Exchange['scope']): ((event: UpstreamStreamEvent) => UpstreamStreamEvent | null) | undefined {
  const plugins = target.provider.plugins.filter((p) => p.plugin.onUpstreamStreamEvent);
  if (!plugins.length) return undefined;
  const contexts = plugins.map((lp) => pluginContext(lp, scope));
  return (event) => runSyncChain(plugins, scope, event, (h, v, c) => h.onUpstreamStreamEvent?.(v, c), contexts, 'onUpstreamStreamEvent');
}

/** Does a chunk carry anything a client would act on (text, reasoning, signed reasoning, tool calls, a finish)? */
function carriesContent(chunk: ChatChunk): boolean {
  return (chunk.choices ?? []).some((c) => {
    const d = c.delta ?? {};
    return Boolean(c.finish_reason || d.content || d.reasoning_content || d.refusal || d.function_call || (d.tool_calls && d.tool_calls.length > 0) || d.thinking_blocks);
  });
}

/** The longest message an upstream-born error carries (the gateway's words around UPSTREAM_TEXT_MAX of upstream text). */
const UPSTREAM_ERROR_MAX = 800;

/**
 * Removes secrets from an error message before it can reach a client or a log; with `upstream` (the text
 * may come from an upstream) also URLs, stack frames, file paths and host:port addresses, and cuts it to
 * UPSTREAM_ERROR_MAX characters (an adapter may quote more than upstreamMessage keeps).
 */
export function sanitize(err: GatewayError, secrets: readonly string[], upstream = true): GatewayError {
  const redacted = redact(err.message, secrets);
  const message = upstream ? capUpstreamText(stripUpstreamDetails(redacted), UPSTREAM_ERROR_MAX) : redacted;
  if (message === err.message) return err;
  return new GatewayError({ status: err.status, type: err.type, code: err.code, message, param: err.param, retryable: err.retryable, cause: err.cause, retryAfterMs: err.retryAfterMs, headers: err.headers });
}
