// Serves one authenticated model call: resolve the model, run plugins, admit (limits + budget),
// fail over across targets, then answer (JSON, raw bytes or a relayed stream) and settle + meter.

import type { JsonObject } from '../contracts/canonical.ts';
import { GatewayError } from '../contracts/errors.ts';
import type { CompiledModel, Target } from '../compile/types.ts';
import type { Runtime } from '../runtime/runtime.ts';
import { countRequestPrompt } from '../tokens/count.ts';
import { ClientGone } from '../upstream/call.ts';
import { type AnswerContext, answer } from './answer.ts';
import { assertModelAllowed } from './authenticate.ts';
import { costMicros } from './cost.ts';
import { planTiers } from './failover.ts';
import { meter } from './metering.ts';
import { runChain } from './plugin-runner.ts';
import { restrictPlan } from './provider-access.ts';
import type { Exchange, InboundCall, Surface } from './types.ts';

export type { Surface } from './types.ts';
export { routeResponse } from './route-response.ts';


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

  plan = restrictPlan(plan, key, gw.groups.get(key.group), call.pinProvider, call.model ? `model "${call.model}"` : `${call.method} ${call.path}`);

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
  const ctx: AnswerContext = { rt, ex, call, surface, ticket, promptTokens, multiplier: gw.groups.get(key.group)?.multiplier ?? 1 };
  try {
    return await answer(ctx, plan);
  } catch (err) {
    // Every path that did not hand the request to a stream settles here, exactly once.
    if (err instanceof ClientGone) {
      // Billed for the prompt when an upstream was already asked (it has read it); nothing delivered.
      const price = ex.upstreamCalled ? gw.models.get(ex.answeredModel ?? call.model ?? '')?.price : undefined;
      const usage = { prompt_tokens: promptTokens(), completion_tokens: 0, total_tokens: promptTokens() };
      const cost = price ? costMicros(price, ctx.multiplier, usage) : 0;
      ticket.settle({ usage, costMicros: cost });
      meter(rt, ex, { status: 499, errorCode: 'client_closed_request', usage, usageSource: 'estimated', costMicros: cost, stream: call.stream, partial: true });
    } else {
      ticket.settle({ costMicros: 0 });
    }
    throw err;
  }
}



function passthroughTarget(ex: Exchange, call: InboundCall): Target {
  const match = ex.gw.passthrough.find((p) => call.path === p.prefix || call.path.startsWith(p.prefix + '/'));
  if (!match) {
    throw new GatewayError({
      status: 404, type: 'invalid_request_error', code: 'unknown_route',
      message: `This gateway does not serve ${call.method} /v1${call.path}. Its OpenAI endpoints are /v1/chat/completions, /v1/completions, /v1/embeddings, /v1/images/*, /v1/audio/*, /v1/moderations and /v1/models (check the spelling). Other OpenAI paths (files, batches, ...) are passed through only when the gateway operator lists their prefix in a provider's passthrough (e.g. passthrough: ["${call.path.split('/').slice(0, 2).join('/')}"]).`,
    });
  }
  return { provider: match.provider, upstreamModel: '', weight: 1, priority: 0, breakerKey: `${match.provider.name}/passthrough` };
}

function numberField(body: JsonObject, field: string): number | undefined {
  const v = body[field];
  return typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : undefined;
}


