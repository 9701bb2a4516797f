// GET /v1/models and /v1/models/{id}: only the models the caller's key may use (its model globs, and
// a provider its group may reach), in OpenAI's shape, or in Anthropic's on an Anthropic route or for a
// client that sends `anthropic-version` (Claude Code, @anthropic-ai/sdk): {data: [{type: "model", id,
// display_name, created_at, ...}], has_more, first_id, last_id}, paged by limit (1-1000, default 20),
// after_id and before_id as Anthropic pages.

import type { CompiledGateway } from '../compile/types.ts';
import { GatewayError } from '../contracts/errors.ts';
import { modelAllowed } from '../pipeline/authenticate.ts';
import { modelReachable } from '../pipeline/provider-access.ts';
import type { Exchange } from '../pipeline/types.ts';

export type ModelsShape = 'openai' | 'anthropic';

function openAIModel(gw: CompiledGateway, id: string) {
  const model = gw.models.get(id)!;
  // server.expose_upstream: false names no provider here either.
  const owners = gw.exposeUpstream ? [...new Set(model.tiers.flat().map((t) => t.provider.name))] : [];
  return { id, object: 'model', created: Math.floor(gw.loadedAt / 1000), owned_by: owners.join(',') || 'switchyard' };
}

/** Anthropic's ModelInfo; what the gateway does not know is null, as Anthropic documents for unknowns. */
function anthropicModel(gw: CompiledGateway, id: string) {
  return {
    type: 'model', id, display_name: id, created_at: new Date(gw.loadedAt).toISOString(),
    capabilities: null, deprecated_at: null, lifecycle: 'active', line: null,
    max_input_tokens: null, max_tokens: null, retires_at: null,
  };
}

function notFound(id: string): GatewayError {
  return new GatewayError({ status: 404, type: 'invalid_request_error', code: 'model_not_found', param: 'model', message: `The model "${id}" does not exist on this gateway or your key may not use it. GET /v1/models lists the models your key may use.` });
}

function badParam(param: string, message: string): GatewayError {
  return new GatewayError({ status: 400, type: 'invalid_request_error', code: 'invalid_value', param, message });
}

export function listModels(gw: CompiledGateway, ex: Exchange, id?: string, shape: ModelsShape = 'openai', search = ''): Response {
  const key = ex.key!;
  const headers = { 'content-type': 'application/json', 'x-request-id': ex.id };
  const one = shape === 'anthropic' ? anthropicModel : openAIModel;
  if (id !== undefined) {
    if (!gw.models.has(id) || !modelAllowed(key, id) || !modelReachable(gw, key, id)) throw notFound(id);
    return new Response(JSON.stringify(one(gw, id)), { headers });
  }
  const names = gw.modelNames.filter((name) => modelAllowed(key, name) && modelReachable(gw, key, name));
  const body = shape === 'anthropic' ? anthropicPage(gw, names, new URLSearchParams(search)) : { object: 'list', data: names.map((n) => openAIModel(gw, n)) };
  return new Response(JSON.stringify(body), { headers });
}

/** One page of Anthropic's list: `after_id` pages forward, `before_id` backward, `limit` items at most. */
function anthropicPage(gw: CompiledGateway, names: string[], q: URLSearchParams) {
  const limitText = q.get('limit');
  const limit = limitText === null || limitText === '' ? 20 : Number(limitText);
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw badParam('limit', 'limit must be an integer from 1 to 1000.');
  const after = q.get('after_id');
  const before = q.get('before_id');
  if (after !== null && before !== null) throw badParam('before_id', 'Send at most one of after_id and before_id.');
  let start = 0;
  let end = names.length;
  for (const [param, cursor] of [['after_id', after], ['before_id', before]] as const) {
    if (cursor === null) continue;
    const at = names.indexOf(cursor);
    if (at < 0) throw badParam(param, `${param} "${cursor.slice(0, 100)}" is not a model id from this list.`);
    if (param === 'after_id') start = at + 1;
    else end = at;
  }
  const page = before !== null ? names.slice(Math.max(start, end - limit), end) : names.slice(start, Math.min(end, start + limit));
  const hasMore = before !== null ? end - page.length > start : start + page.length < end;
  return {
    data: page.map((n) => anthropicModel(gw, n)),
    has_more: hasMore,
    first_id: page[0] ?? null,
    last_id: page.at(-1) ?? null,
  };
}
