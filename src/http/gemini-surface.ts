// The Gemini API surface: POST /v1beta/models/{model}:generateContent, :streamGenerateContent (alt=sse or a
// streamed JSON array), :countTokens, and GET /v1beta/models[/{model}], served on the default surface and
// on `protocol: gemini` routes, so @google/genai and Gemini CLI can use any configured model. Requests are
// translated to the canonical chat shape and served by the same pipeline (limits, budgets, failover,
// ledger); answers and errors come back in Gemini's shapes. The key may come as x-goog-api-key or ?key=.

import type { ChatResponse, JsonValue } from '../contracts/canonical.ts';
import { GatewayError } from '../contracts/errors.ts';
import { assertModelAllowed, authenticate, modelAllowed } from '../pipeline/authenticate.ts';
import { meterFailure } from '../pipeline/metering.ts';
import { type Surface, serveModelCall } from '../pipeline/serve-call.ts';
import type { Exchange, InboundCall } from '../pipeline/types.ts';
import { GeminiStreamEncoder, canonicalToGemini, countTokensMessages, geminiErrorFromGateway, geminiToCanonical } from '../protocols/gemini/index.ts';
import type { Runtime } from '../runtime/runtime.ts';
import { countChatPrompt } from '../tokens/count.ts';
import { ClientGone } from '../upstream/call.ts';
import { errorResponse, toGatewayError } from './error-response.ts';
import { cacheChoice } from './openai-paths.ts';
import { readOperationBody } from './read-body.ts';

const METHOD_PATH = /^(?:\/v1beta|\/v1)?\/models\/([^:]+):(generateContent|streamGenerateContent|countTokens)$/;
const MODELS_PATH = /^\/v1beta\/models(?:\/([^:]+))?$/;
const ROUTE_MODELS_PATH = /^(?:\/v1beta|\/v1)?\/models(?:\/([^:]+))?$/;

/** Is this a Gemini API path on the default surface? */
export function isGeminiPath(method: string, path: string): boolean {
  return (method === 'POST' && METHOD_PATH.test(path)) || (method === 'GET' && MODELS_PATH.test(path));
}

function geminiSurface(sse: boolean, includeThoughts: boolean): Surface {
  return {
    name: 'gemini',
    streamEncoder: (call) => {
      const encoder = new GeminiStreamEncoder({ model: call.model ?? '', sse, includeThoughts });
      return { contentType: encoder.contentType, chunk: (c) => encoder.chunk(c), finish: (usage) => encoder.finish(usage), error: (err) => encoder.fail(err) };
    },
    shapeBody: (body: JsonValue, call: InboundCall) => canonicalToGemini(body as unknown as ChatResponse, call.model ?? '', includeThoughts) as unknown as JsonValue,
  };
}

/** The caller's key as the pipeline expects it: x-goog-api-key or ?key= become a bearer credential. */
function credentialHeaders(req: Request, search: URLSearchParams): Headers {
  const googKey = req.headers.get('x-goog-api-key')?.trim() || search.get('key')?.trim();
  if (!googKey) return req.headers;
  const headers = new Headers(req.headers);
  headers.set('authorization', `Bearer ${googKey}`);
  return headers;
}

function notFound(message: string): GatewayError {
  return new GatewayError({ status: 404, type: 'invalid_request_error', code: 'model_not_found', param: 'model', message });
}

export async function handleGemini(rt: Runtime, ex: Exchange, req: Request, path: string, search: string, onRoute: boolean): Promise<Response> {
  ex.surface = 'gemini';
  try {
    const query = new URLSearchParams(search);
    const method = req.method === 'POST' ? METHOD_PATH.exec(path) : null;
    const models = req.method === 'GET' ? (onRoute ? ROUTE_MODELS_PATH : MODELS_PATH).exec(path) : null;
    if (!method && !models) {
      throw new GatewayError({ status: 404, type: 'invalid_request_error', code: 'unknown_route', message: `Unknown path ${req.method} ${path} on the Gemini API. Use POST /v1beta/models/{model}:generateContent, :streamGenerateContent or :countTokens, or GET /v1beta/models.` });
    }
    ex.key = authenticate(ex.gw, credentialHeaders(req, query), () => ex.clientIp, rt.runtimeKeyLookup);
    ex.scope.keyName = ex.key.name;
    ex.scope.group = ex.key.group;
    if (models) return listGeminiModels(ex, models[1] === undefined ? undefined : decodeURIComponent(models[1]));

    const model = decodeURIComponent(method![1]);
    const verb = method![2];
    const parsed = await readOperationBody(req, 'chat', ex.gw.maxBodyBytes);
    if (verb === 'countTokens') {
      if (!ex.gw.models.has(model)) throw notFound(`The model "${model}" does not exist on this gateway. GET /v1beta/models lists the models your key may use.`);
      assertModelAllowed(ex.key, model);
      return json({ totalTokens: countChatPrompt(countTokensMessages(parsed.body, model)) }, ex.id);
    }
    const stream = verb === 'streamGenerateContent';
    const canonical = geminiToCanonical(parsed.body, model, stream);
    const thinking = (parsed.body.generationConfig as { thinkingConfig?: { includeThoughts?: unknown } } | undefined)?.thinkingConfig;
    const call: InboundCall = {
      operation: 'chat', path: '/chat/completions', search: '', method: 'POST', body: canonical as unknown as InboundCall['body'],
      model, stream, includeUsage: false, cache: cacheChoice(req.headers.get('x-switchyard-cache')),
    };
    ex.call = call;
    return await serveModelCall(rt, ex, call, geminiSurface(query.get('alt') === 'sse', thinking?.includeThoughts === true));
  } catch (err) {
    if (err instanceof ClientGone) return new Response(null, { status: 499, headers: { 'x-request-id': ex.id } });
    const gwErr = toGatewayError(err, rt.log, ex.id);
    if (ex.key) meterFailure(rt, ex, gwErr);
    return errorResponse(gwErr, ex.id, ex.route, ex.scope, ex.gw.secrets, geminiErrorFromGateway);
  }
}

function modelResource(id: string) {
  return {
    name: `models/${id}`, baseModelId: id, version: '1', displayName: id, description: `${id} served by Switchyard`,
    supportedGenerationMethods: ['generateContent', 'streamGenerateContent', 'countTokens'],
  };
}

function listGeminiModels(ex: Exchange, id: string | undefined): Response {
  const key = ex.key!;
  if (id !== undefined) {
    const name = id.replace(/^models\//, '');
    if (!ex.gw.models.has(name) || !modelAllowed(key, name)) throw notFound(`The model "${name}" does not exist on this gateway or your key may not use it. GET /v1beta/models lists the models your key may use.`);
    return json(modelResource(name), ex.id);
  }
  return json({ models: ex.gw.modelNames.filter((name) => modelAllowed(key, name)).map(modelResource) }, ex.id);
}

function json(body: unknown, id: string): Response {
  return new Response(JSON.stringify(body), { headers: { 'content-type': 'application/json', 'x-request-id': id } });
}
