// POST /v1/responses: expands previous_response_id, decides per model whether any target needs the
// canonical chat form (built-in tools are refused then), and hands one call to the shared pipeline with
// both forms: native Responses targets (openai/azure with the Responses API) get the Responses body,
// every other target the chat translation. Answers are shaped as Response objects / Responses events and
// stored under the caller's key unless store: false.

import type { ChatResponse, JsonObject, JsonValue } from '../../contracts/canonical.ts';
import { usageFromWire } from '../../contracts/canonical.ts';
import { GatewayError } from '../../contracts/errors.ts';
import type { CompiledKey } from '../../compile/types.ts';
import { assertModelAllowed } from '../../pipeline/authenticate.ts';
import { assertModelName } from '../../pipeline/model-name.ts';
import { planTiers } from '../../pipeline/failover.ts';
import { type Surface, serveModelCall } from '../../pipeline/serve-call.ts';
import type { InboundCall } from '../../pipeline/types.ts';
import type { SurfaceRequest } from '../surface.ts';
import { type ResponseEcho, outputFromChat, responseEnvelope } from './from-canonical.ts';
import { conversationBefore, statelessItems, withIds } from './state.ts';
import { ResponsesStreamEncoder, hideEncrypted } from './stream-encoder.ts';
import { inputItems, responsesToCanonical } from './to-canonical.ts';
import { validateResponsesRequest } from './validate.ts';
import type { ResponseObject, ResponsesRequest } from './wire-types.ts';

const ENCRYPTED = 'reasoning.encrypted_content';

export async function createResponse(s: SurfaceRequest, key: CompiledKey, body: JsonObject): Promise<Response> {
  const { rt, ex } = s;
  const req = body as ResponsesRequest;
  assertModelName(req.model);
  if (typeof req.model !== 'string' || !req.model) throw invalid('model', 'The request has no "model". Name one of the models listed by GET /v1/models.');
  const model = ex.gw.models.get(req.model);
  if (!model) throw new GatewayError({ status: 404, type: 'invalid_request_error', code: 'model_not_found', param: 'model', message: `The model "${req.model}" does not exist on this gateway. GET /v1/models lists the models your key may use.` });
  assertModelAllowed(key, req.model);
  if (req.previous_response_id !== undefined && req.previous_response_id !== null && typeof req.previous_response_id !== 'string') throw invalid('previous_response_id', '"previous_response_id" must be a string.');
  if (req.include !== undefined && req.include !== null && !Array.isArray(req.include)) throw invalid('include', '"include" must be an array of strings.');
  if (req.metadata !== undefined && req.metadata !== null && (typeof req.metadata !== 'object' || Array.isArray(req.metadata))) throw invalid('metadata', '"metadata" must be an object of string values.');
  validateResponsesRequest(req);

  const own = inputItems(req.input);
  const previousId = req.previous_response_id || null;
  const history = previousId ? await conversationBefore(rt.responses, previousId, key.name) : [];
  const items = [...history, ...own];
  const stream = req.stream === true;

  // Built-in tools and OpenAI-only items are refused only when some target needs the chat form.
  const targets = planTiers(ex.gw, model).flatMap((tier) => tier.targets);
  const nativeTargets = targets.filter((t) => t.provider.adapter.supports('responses', t.provider.view));
  const chat = responsesToCanonical(req, items, nativeTargets.length < targets.length) as unknown as JsonObject;
  if (stream) chat.stream = true;

  const id = `resp_${ex.id.replace(/^req_/, '')}`;
  const store = req.store !== false && rt.responses !== undefined;
  const echo: ResponseEcho = { id, createdAt: Math.floor(Date.now() / 1000), model: req.model, previousResponseId: previousId, store, request: req };
  const exposeEncrypted = (req.include ?? []).includes(ENCRYPTED);
  const save = (response: ResponseObject) => {
    if (!store) return;
    void rt.responses!.put({
      id, keyName: key.name, createdAt: Date.now(), model: req.model ?? null, previousResponseId: previousId,
      inputJson: JSON.stringify(withIds(own, id)), responseJson: JSON.stringify(response),
    });
  };

  const call: InboundCall = {
    operation: 'chat', path: '/chat/completions', search: '', method: 'POST', body: chat, model: req.model, stream, includeUsage: false,
    cache: 'no', // a cached answer would repeat another response's id and skip storage
    pinProvider: s.req.headers.get('x-switchyard-provider')?.trim() || undefined,
    native: nativeTargets.length ? { operation: 'responses', path: '/responses', body: nativeBody(req, items, stream) } : undefined,
  };
  ex.call = call;

  const shaping: Surface = {
    name: 'responses',
    streamEncoder: () => {
      const encoder = new ResponsesStreamEncoder({ echo, exposeEncrypted, onComplete: save });
      return { contentType: 'text/event-stream; charset=utf-8', chunk: (c) => encoder.push(c), finish: (usage) => encoder.end(usage), error: (e) => encoder.fail(e) };
    },
    shapeBody: (answer: JsonValue) => {
      const response = toResponse(answer, echo);
      save(response);
      return (exposeEncrypted ? response : { ...response, output: response.output.map((i) => hideEncrypted(i as JsonObject)) }) as unknown as JsonValue;
    },
  };
  return await serveModelCall(rt, ex, call, shaping);
}

/** The Responses body for native upstreams: stateless (store:false, full items), encrypted reasoning asked for. */
function nativeBody(req: ResponsesRequest, items: ReturnType<typeof inputItems>, stream: boolean): JsonObject {
  const body: Record<string, unknown> = { ...req, input: statelessItems(items), store: false, stream };
  delete body.previous_response_id;
  if (!stream) delete body.stream;
  if (req.reasoning || (req.include ?? []).includes(ENCRYPTED)) body.include = [...new Set([...(req.include ?? []), ENCRYPTED])];
  return body as JsonObject;
}

/** A non-streamed answer (a native Response or a chat completion) as our Response object. */
function toResponse(answer: JsonValue, echo: ResponseEcho): ResponseObject {
  const a = answer as JsonObject;
  if (a && a.object === 'response') {
    const upstream = a as unknown as ResponseObject;
    return {
      ...upstream, id: echo.id, model: echo.model, previous_response_id: echo.previousResponseId, store: echo.store,
      metadata: echo.request.metadata ?? {}, user: echo.request.user ?? null,
      instructions: typeof echo.request.instructions === 'string' ? echo.request.instructions : null,
      text: echo.request.text?.format ? { ...upstream.text, format: echo.request.text.format as JsonObject } : upstream.text,
    };
  }
  const chat = answer as unknown as ChatResponse;
  const { output, status, incomplete } = outputFromChat(chat, echo.id);
  const response = responseEnvelope(echo, status, output, usageFromWire(chat.usage));
  if (incomplete) response.incomplete_details = { reason: incomplete };
  return response;
}

function invalid(param: string, message: string): GatewayError {
  return new GatewayError({ status: 400, type: 'invalid_request_error', code: 'invalid_value', param, message });
}
