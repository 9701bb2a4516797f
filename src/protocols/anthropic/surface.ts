// The Anthropic Messages surface: POST /v1/messages (and /v1/messages/count_tokens) on the default
// surface and on `protocol: anthropic` routes. Requests are translated to the canonical chat shape,
// served by the same pipeline (billing, limits, failover), and answered in Anthropic's shapes.
// GET /v1/models[/{id}] answers in Anthropic's shape on `protocol: anthropic` routes and for any client
// that sends `anthropic-version` (every Anthropic SDK and Claude Code do). The client's `anthropic-beta`
// header rides on the canonical request as `anthropic_beta` (bounded, extras.ts) for Anthropic upstreams.

import type { ChatMessage, ChatResponse, JsonObject, JsonValue } from '../../contracts/canonical.ts';
import { GatewayError } from '../../contracts/errors.ts';
import { listModels } from '../../http/models.ts';
import { cacheChoice, safeDecode } from '../../http/openai-paths.ts';
import { readOperationBody } from '../../http/read-body.ts';
import { assertModelAllowed } from '../../pipeline/authenticate.ts';
import { assertModelName } from '../../pipeline/model-name.ts';
import { routeJson } from '../../pipeline/route-response.ts';
import { type Surface, serveModelCall } from '../../pipeline/serve-call.ts';
import type { InboundCall } from '../../pipeline/types.ts';
import type { ChunkEncoder } from '../../stream/encoders.ts';
import { countChatPrompt, countTools, newCountBudget } from '../../tokens/count.ts';
import { type InboundSurface, authenticateSurface } from '../surface.ts';
import { methodNotAllowed } from '../../http/method-not-allowed.ts';
import { anthropicErrorFromGateway, anthropicErrorStatus } from './errors.ts';
import { canonicalToAnthropic, countTokensResponse } from './from-canonical.ts';
import { AnthropicStreamEncoder } from './stream-encoder.ts';
import { anthropicBetaHeader } from './extras.ts';
import { anthropicToCanonical, countTokensRequest } from './to-canonical.ts';

export function isAnthropicPath(method: string, path: string): boolean {
  return method === 'POST' && /^(\/v1)?\/messages(\/count_tokens)?$/.test(path);
}

const MODELS_PATH = /^(?:\/v1)?\/models(?:\/(.+?))?\/?$/;

/** GET /v1/models[/{id}] from an Anthropic client (it sends anthropic-version) on any route. */
export function isAnthropicModelsRequest(method: string, path: string, headers: Headers): boolean {
  return method === 'GET' && headers.has('anthropic-version') && MODELS_PATH.test(path);
}

/** How canonical answers become Anthropic answers (the pipeline half of the surface). */
const shaping: Surface = {
  name: 'anthropic',
  streamEncoder: (call): ChunkEncoder => {
    // The estimate (system, messages and tools) is only computed when the upstream sent no count before content.
    const body = call.body;
    const encoder = new AnthropicStreamEncoder({ model: call.model ?? '', inputTokens: () => promptEstimate(body.messages as unknown as ChatMessage[], Array.isArray(body.tools) ? body.tools : undefined) });
    return {
      contentType: 'text/event-stream; charset=utf-8',
      chunk: (c) => encoder.push(c),
      usage: (u) => encoder.noteUsage(u),
      finish: (usage) => encoder.finish(usage),
      error: (err) => encoder.fail(err),
    };
  },
  shapeBody: (body: JsonValue, call: InboundCall) => canonicalToAnthropic(body as unknown as ChatResponse, call.model ?? '') as unknown as JsonValue,
};

export const anthropicSurface: InboundSurface = {
  protocol: 'anthropic',
  claims: (method, path, headers) => isAnthropicPath(method, path) || isAnthropicModelsRequest(method, path, headers),
  // Anthropic's error shape; route onError plugins may still reshape it, as on the OpenAI surface.
  errorBody: (err, requestId) => anthropicErrorFromGateway(err, requestId),
  errorStatus: anthropicErrorStatus,
  // The Anthropic SDK reads it into `_request_id` and `error.requestID`; Claude Code quotes it.
  requestIdHeader: 'request-id',
  async serve(s) {
    const { rt, ex, req, path, search } = s;
    const models = req.method === 'GET' ? MODELS_PATH.exec(path) : null;
    if (!models && !isAnthropicPath(req.method, path)) {
      if (isAnthropicPath('POST', path)) throw methodNotAllowed(req.method, path, ['POST']);
      if (MODELS_PATH.test(path)) throw methodNotAllowed(req.method, path, ['GET']);
      throw new GatewayError({ status: 404, type: 'invalid_request_error', code: 'unknown_route', message: `Unknown path ${req.method} ${path} on an Anthropic route. Use POST /v1/messages (or GET /v1/models).` });
    }
    const key = authenticateSurface(anthropicSurface, s);
    if (models) return await routeJson(ex, listModels(ex.gw, ex, models[1] === undefined ? undefined : safeDecode(models[1]), 'anthropic', search));
    const parsed = await readOperationBody(req, 'chat', ex.gw.maxBodyBytes, ex.gw.bodyTimeoutMs);
    if (path.endsWith('/count_tokens')) {
      const canonical = countTokensRequest(parsed.body);
      assertModelName(canonical.model);
      if (!ex.gw.models.has(canonical.model)) {
        throw new GatewayError({ status: 404, type: 'invalid_request_error', code: 'model_not_found', param: 'model', message: `The model "${canonical.model}" does not exist on this gateway. GET /v1/models lists the models your key may use.` });
      }
      assertModelAllowed(key, canonical.model);
      return await routeJson(ex, json(200, countTokensResponse(promptEstimate(canonical.messages, canonical.tools)), ex.id));
    }
    const canonical = anthropicToCanonical(parsed.body) as unknown as JsonObject;
    // The client's betas ride on the canonical request (only Anthropic upstreams get them; extras.ts).
    const beta = anthropicBetaHeader(req.headers);
    if (beta) canonical.anthropic_beta = beta;
    assertModelName(canonical.model);
    const stream = canonical.stream === true;
    const call: InboundCall = {
      operation: 'chat', path: '/chat/completions', search: '', method: 'POST', body: canonical,
      model: typeof canonical.model === 'string' ? canonical.model : undefined, stream, includeUsage: false,
      cache: cacheChoice(req.headers.get('x-switchyard-cache')),
      pinProvider: req.headers.get('x-switchyard-provider')?.trim() || undefined,
    };
    ex.call = call;
    return await serveModelCall(rt, ex, call, shaping);
  },
};

/**
 * The gateway's input token estimate for an Anthropic request in canonical form: the messages (the system prompt
 * is the first of them) and the tool definitions, which are part of the prompt too (Anthropic counts them;
 * Claude Code sends dozens). count_tokens answers it; a stream's message_start shows it without an upstream count.
 */
function promptEstimate(messages: readonly ChatMessage[], tools: readonly unknown[] | undefined): number {
  const budget = newCountBudget();
  return countChatPrompt(messages, budget) + countTools(tools, budget);
}

function json(status: number, body: unknown, id: string): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', 'x-request-id': id } });
}
