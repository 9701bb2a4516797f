// Serves one authenticated model call: resolve the model (and the fallbacks the key may use), run
// plugins, cap a budgeted key's output (output-cap.ts), admit (limits + budget reservation), then answer.
// Settling and metering happen once, in finishRequest (finish.ts), called by the HTTP edge or the
// stream's finaliser.

import { GatewayError } from '../contracts/errors.ts';
import { leavesPrefix } from '../http/path-segments.ts';
import type { CompiledModel, Target } from '../compile/types.ts';
import type { Runtime } from '../runtime/runtime.ts';
import { answer } from './answer.ts';
import { assertModelAllowed } from './authenticate.ts';
import { keyPlan, laneFor } from './lane.ts';
import { runCanonicalHooks } from './canonical-hooks.ts';
import { restrictPlan } from './provider-access.ts';
import type { Plan } from './reservation.ts';
import { CallAdmission } from './call-admission.ts';
import { capOutput } from './output-cap.ts';
import type { Exchange, InboundCall, Surface } from './types.ts';

export type { Surface } from './types.ts';
export { routeResponse } from './route-response.ts';

export async function serveModelCall(rt: Runtime, ex: Exchange, call: InboundCall, surface: Surface): Promise<Response> {
  const gw = ex.gw;
  const key = ex.key!;
  // A `<key>-<provider>` suffix pins like the x-switchyard-provider header (which wins when both are sent).
  if (ex.keyPin !== undefined) call.pinProvider ??= ex.keyPin;
  let model: CompiledModel | undefined;
  let plan: Plan;
  let multiplier: number;
  let priced: readonly CompiledModel[] | undefined;
  if (call.operation === 'passthrough') {
    plan = restrictPlan([{ model: '', targets: [passthroughTarget(ex, call)] }], key, gw.groups.get(key.group), call.pinProvider, `${call.method} ${call.path}`);
    multiplier = gw.groups.get(key.group)?.multiplier ?? 1;
  } else {
    if (!call.model) throw new GatewayError({ status: 400, type: 'invalid_request_error', code: 'invalid_value', param: 'model', message: 'The request has no "model". Name one of the models listed by GET /v1/models.' });
    const lane = call.pinProvider === undefined ? laneFor(gw, key, call.model) : undefined;
    if (lane) {
      ({ model, plan, multiplier, priced } = lane);
      ex.scope.model = call.model;
    } else {
      model = gw.models.get(call.model);
      if (!model) {
        throw new GatewayError({ status: 404, type: 'invalid_request_error', code: 'model_not_found', param: 'model', message: `The model "${call.model}" does not exist on this gateway. GET /v1/models lists the models your key may use.` });
      }
      assertModelAllowed(key, call.model);
      ex.scope.model = call.model;
      plan = keyPlan(gw, key, model, call.pinProvider, `model "${call.model}"`);
      multiplier = gw.groups.get(key.group)?.multiplier ?? 1;
    }
  }

  if (ex.route.plugins.length) {
    // A plugin may switch the model (it must exist and be allowed for the key); then that model is served.
    const switched = await runCanonicalHooks(ex, call);
    if (switched) {
      plan = keyPlan(gw, key, (model = switched), call.pinProvider, `model "${call.model}"`);
      priced = undefined;
    }
  }

  // A budgeted key's request (its own budget or its group's) on a model with max_output_tokens asks for at most that (output-cap.ts).
  if (model?.outputCap !== undefined && (key.budgetMicros !== undefined || gw.groups.get(key.group)?.budget !== undefined)) capOutput(call, model.outputCap);
  // Counting prompt tokens costs real CPU on long prompts: only done when a budget, a tpm limit or a
  // missing upstream usage needs it, and then once (call-admission.ts).
  const asked = new CallAdmission(gw, key, model, call, plan, priced, multiplier);
  const promptTokens = () => asked.promptTokens;
  const admitted = rt.admission.admit(asked);
  const ticket = admitted instanceof Promise ? await admitted : admitted; // the in-memory limiter answers synchronously
  // From here the request holds a reservation: finishRequest settles it, whatever happens next.
  ex.billing = { ticket, multiplier, promptTokens };
  return answer({ rt, ex, call, surface, ticket, promptTokens, multiplier }, plan);
}


function passthroughTarget(ex: Exchange, call: InboundCall): Target {
  const match = ex.gw.passthrough.find((p) => call.path === p.prefix || call.path.startsWith(p.prefix + '/'));
  if (!match) {
    throw new GatewayError({
      status: 404, type: 'invalid_request_error', code: 'unknown_route',
      message: `This gateway does not serve ${call.method} /v1${call.path}. Its OpenAI endpoints are /v1/chat/completions, /v1/completions, /v1/embeddings, /v1/images/*, /v1/audio/*, /v1/moderations and /v1/models (check the spelling). Other OpenAI paths (files, batches, ...) are passed through only when the gateway operator lists their prefix in a provider's passthrough (e.g. passthrough: ["${call.path.split('/').slice(0, 2).join('/')}"]).`,
    });
  }
  if (leavesPrefix(call.path)) {
    throw new GatewayError({
      status: 400, type: 'invalid_request_error', code: 'invalid_path',
      message: `The path /v1${call.path.slice(0, 200)} has a "." or ".." segment or an encoded "/" or "\\" (plain or percent-encoded): passthrough paths must name the upstream resource directly, below "/v1${match.prefix}".`,
    });
  }
  return { provider: match.provider, upstreamModel: '', weight: 1, priority: 0, breakerKey: `${match.provider.name}/passthrough` };
}
