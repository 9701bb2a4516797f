// The Gemini API surface: POST /v1beta/models/{model}:generateContent, :streamGenerateContent (alt=sse or a
// streamed JSON array), :countTokens, and GET /v1beta/models[/{model}], served on the default surface and
// on `protocol: gemini` routes, so @google/genai and Gemini CLI can use any configured model. Requests are
// translated to the canonical chat shape and served by the same pipeline (limits, budgets, failover,
// ledger); answers and errors come back in Gemini's shapes. The key may come as x-goog-api-key or ?key=.

import type { ChatResponse, JsonValue } from '../../contracts/canonical.ts';
import { GatewayError } from '../../contracts/errors.ts';
import { cacheChoice } from '../../http/openai-paths.ts';
import { methodNotAllowed } from '../../http/method-not-allowed.ts';
import { readOperationBody } from '../../http/read-body.ts';
import { gatewayAddress } from '../../http/request-url.ts';
import { modelAllowed, presentedKey } from '../../pipeline/authenticate.ts';
import { assertModelName } from '../../pipeline/model-name.ts';
import { modelReachable } from '../../pipeline/provider-access.ts';
import { type Surface, serveModelCall } from '../../pipeline/serve-call.ts';
import type { Exchange, InboundCall } from '../../pipeline/types.ts';
import { countChatPrompt } from '../../tokens/count.ts';
import { type InboundSurface, type SurfaceRequest, authenticateSurface } from '../surface.ts';
import { geminiErrorFromGateway } from './errors.ts';
import { canonicalToGemini } from './from-canonical.ts';
import { GeminiStreamEncoder } from './stream-encoder.ts';
import { countTokensMessages, geminiToCanonical } from './to-canonical.ts';

// A model name may hold ':' (Ollama's qwen:7b, Bedrock's ...-v1:0) and the SDK sends it unencoded, so the
// method is what follows the LAST ':' (the greedy model group backs off to it; no method name has a ':').
const METHOD_PATH = /^(?:\/v1beta|\/v1)?\/models\/(.+):(generateContent|streamGenerateContent|countTokens)$/;
const MODELS_PATH = /^\/v1beta\/models(?:\/(.+))?$/;
const ROUTE_MODELS_PATH = /^(?:\/v1beta|\/v1)?\/models(?:\/(.+))?$/;

/**
 * Is this a Gemini API path on the default surface? Every path under /v1beta is (only Gemini clients use
 * it), so an unknown one is answered in Gemini's error shape with Gemini's paths.
 */
export function isGeminiPath(method: string, path: string): boolean {
  return path.startsWith('/v1beta/') || path === '/v1beta' || (method === 'POST' && METHOD_PATH.test(path));
}

function shaping(sse: boolean, includeThoughts: boolean): Surface {
  return {
    name: 'gemini',
    streamEncoder: (call) => {
      const encoder = new GeminiStreamEncoder({ model: call.model ?? '', sse, includeThoughts });
      return { contentType: encoder.contentType, chunk: (c) => encoder.chunk(c), finish: (usage) => encoder.finish(usage), error: (err) => encoder.fail(err) };
    },
    shapeBody: (body: JsonValue, call: InboundCall) => canonicalToGemini(body as unknown as ChatResponse, call.model ?? '', includeThoughts) as unknown as JsonValue,
  };
}

function notFound(message: string): GatewayError {
  return new GatewayError({ status: 404, type: 'invalid_request_error', code: 'model_not_found', param: 'model', message });
}

/** The ways a Gemini-surface client may send its key, for the 401 messages. */
const GEMINI_KEY_HEADERS = '"x-goog-api-key: <key>" (as the Gemini SDKs do), the "key" query parameter, "Authorization: Bearer <key>" or "x-api-key: <key>"';

export const geminiSurface: InboundSurface = {
  protocol: 'gemini',
  claims: isGeminiPath,
  // Gemini clients send the key as x-goog-api-key (the SDK) or ?key= (older clients); others as usual.
  presentedKey: (req, search) => req.headers.get('x-goog-api-key')?.trim() || new URLSearchParams(search).get('key')?.trim() || presentedKey(req.headers, GEMINI_KEY_HEADERS),
  keyHeaders: GEMINI_KEY_HEADERS,
  errorBody: (err) => geminiErrorFromGateway(err),
  async serve(s) {
    const { rt, ex, req, path, search } = s;
    const onRoute = ex.route.protocol === 'gemini';
    const method = req.method === 'POST' ? METHOD_PATH.exec(path) : null;
    // A GET of a method path (models/x:generateContent) is not a model named "x:generateContent": a 405 (POST).
    const models = req.method === 'GET' && !METHOD_PATH.test(path) ? (onRoute ? ROUTE_MODELS_PATH : MODELS_PATH).exec(path) : null;
    if (!method && !models) {
      if (METHOD_PATH.test(path)) throw methodNotAllowed(req.method, path, ['POST']);
      // POST models/x:embedContent names a method this surface does not serve (404), not a model read with POST.
      const model = (onRoute ? ROUTE_MODELS_PATH : MODELS_PATH).exec(path);
      if (model && !(req.method === 'POST' && model[1]?.includes(':'))) throw methodNotAllowed(req.method, path, ['GET']);
      throw unknownPath(s);
    }
    const key = authenticateSurface(geminiSurface, s);
    if (models) return listModels(s, models[1] === undefined ? undefined : decodeURIComponent(models[1]));

    const model = decodeURIComponent(method![1]);
    assertModelName(model);
    const verb = method![2];
    const parsed = await readOperationBody(req, 'chat', ex.gw.maxBodyBytes, ex.gw.bodyTimeoutMs);
    // Checked here (not only in the pipeline) so the hints name this surface's models listing.
    if (!ex.gw.models.has(model)) throw notFound(`The model "${model}" does not exist on this gateway. GET /v1beta/models lists the models your key may use.`);
    if (!modelAllowed(key, model)) {
      throw new GatewayError({ status: 403, type: 'permission_error', code: 'model_not_allowed', param: 'model', message: `The API key "${key.name}" may not use model "${model}". GET /v1beta/models lists the models this key may use.` });
    }
    if (verb === 'countTokens') return json(ex, { totalTokens: countChatPrompt(countTokensMessages(parsed.body, model)) });
    const stream = verb === 'streamGenerateContent';
    const canonical = geminiToCanonical(parsed.body, model, stream);
    const call: InboundCall = {
      operation: 'chat', path: '/chat/completions', search: '', method: 'POST', body: canonical as unknown as InboundCall['body'],
      model, stream, includeUsage: false, cache: cacheChoice(req.headers.get('x-switchyard-cache')),
      pinProvider: req.headers.get('x-switchyard-provider')?.trim() || undefined,
    };
    ex.call = call;
    return serveModelCall(rt, ex, call, shaping(new URLSearchParams(search).get('alt') === 'sse', canonical.gemini_thinking?.includeThoughts === true));
  },
};

/**
 * 404 for a path the Gemini surface does not serve, with the paths it does and where the base URL points
 * (server.public_url, else a placeholder: the client's Host header is never echoed).
 */
function unknownPath(s: SurfaceRequest): GatewayError {
  const base = gatewayAddress(s.ex.gw) + s.ex.route.path.replace(/\/$/, '');
  return new GatewayError({
    status: 404, type: 'invalid_request_error', code: 'unknown_route',
    message: `Unknown path ${s.req.method} ${s.path} on the Gemini API. This gateway serves POST /v1beta/models/{model}:generateContent, ` +
      `:streamGenerateContent and :countTokens, and GET /v1beta/models[/{model}]. Point your Gemini client at ${base} ` +
      '(the SDK\'s httpOptions.baseUrl, or GOOGLE_GEMINI_BASE_URL for Gemini CLI; without /v1beta, which the client adds).',
  });
}

function modelResource(id: string) {
  return {
    name: `models/${id}`, baseModelId: id, version: '1', displayName: id, description: `${id} served by Switchyard`,
    supportedGenerationMethods: ['generateContent', 'streamGenerateContent', 'countTokens'],
  };
}

function listModels(s: SurfaceRequest, id: string | undefined): Response {
  const { ex } = s;
  const key = ex.key!;
  if (id !== undefined) {
    const name = id.replace(/^models\//, '');
    if (!ex.gw.models.has(name) || !modelAllowed(key, name) || !modelReachable(ex.gw, key, name)) throw notFound(`The model "${name}" does not exist on this gateway or your key may not use it. GET /v1beta/models lists the models your key may use.`);
    return json(ex, modelResource(name));
  }
  return json(ex, { models: ex.gw.modelNames.filter((name) => modelAllowed(key, name) && modelReachable(ex.gw, key, name)).map(modelResource) });
}

function json(ex: Exchange, body: unknown): Response {
  return new Response(JSON.stringify(body), { headers: { 'content-type': 'application/json', 'x-request-id': ex.id } });
}
