// The OpenAI Responses API surface: POST /v1/responses (create, streamed or not), GET /v1/responses/{id},
// GET /v1/responses/{id}/input_items and DELETE /v1/responses/{id}, with or without /v1, on OpenAI
// routes and on `protocol: responses` routes. Stored responses belong to the key that made them.
// Errors keep OpenAI's `{"error":{...}}` shape (the default errorBody).

import { GatewayError } from '../../contracts/errors.ts';
import { readOperationBody } from '../../http/read-body.ts';
import { safeDecode } from '../../http/openai-paths.ts';
import { methodNotAllowed } from '../../http/method-not-allowed.ts';
import { type InboundSurface, type SurfaceRequest, authenticateSurface } from '../surface.ts';
import { createResponse } from './create.ts';
import { notFound } from './state.ts';
import { hideEncrypted } from './stream-encoder.ts';
import type { ResponseObject, ResponsesInputItem } from './wire-types.ts';
import type { JsonObject } from '../../contracts/canonical.ts';

const PATH = /^(?:\/v1)?\/responses(?:\/([^/]+)(\/input_items)?)?$/;

type Target = { kind: 'create' } | { kind: 'get' | 'delete' | 'items'; id: string };

function classify(method: string, path: string): Target | undefined {
  const m = PATH.exec(path);
  if (!m) return undefined;
  if (!m[1]) return method === 'POST' ? { kind: 'create' } : undefined;
  const id = safeDecode(m[1]);
  if (m[2]) return method === 'GET' ? { kind: 'items', id } : undefined;
  return method === 'GET' ? { kind: 'get', id } : method === 'DELETE' ? { kind: 'delete', id } : undefined;
}

export const responsesSurface: InboundSurface = {
  protocol: 'responses',
  claims: (method, path) => classify(method, path) !== undefined,
  async serve(s) {
    const target = classify(s.req.method, s.path);
    if (!target) {
      const m = PATH.exec(s.path);
      if (m) throw methodNotAllowed(s.req.method, s.path, !m[1] ? ['POST'] : m[2] ? ['GET'] : ['GET', 'DELETE']);
      throw new GatewayError({ status: 404, type: 'invalid_request_error', code: 'unknown_route', message: `Unknown path ${s.req.method} ${s.path} on a Responses route. Use POST /v1/responses, GET or DELETE /v1/responses/{id}, GET /v1/responses/{id}/input_items.` });
    }
    const key = authenticateSurface(responsesSurface, s);
    if (target.kind === 'create') {
      const parsed = await readOperationBody(s.req, 'chat', s.ex.gw.maxBodyBytes, s.ex.gw.bodyTimeoutMs);
      return await createResponse(s, key, parsed.body);
    }
    const store = s.rt.responses;
    if (target.kind === 'delete') {
      if (!store || !(await store.delete(target.id, key.name))) throw notFound(target.id);
      return json(s, { id: target.id, object: 'response', deleted: true });
    }
    const row = store ? await store.get(target.id, key.name) : undefined;
    if (!row) throw notFound(target.id);
    const query = new URLSearchParams(s.search);
    if (target.kind === 'get') {
      if (query.get('stream') === 'true') throw new GatewayError({ status: 400, type: 'invalid_request_error', code: 'invalid_value', param: 'stream', message: 'This gateway does not replay stored responses as streams; GET without stream=true.' });
      const response = JSON.parse(row.responseJson) as ResponseObject;
      const expose = query.getAll('include[]').concat(query.getAll('include')).includes('reasoning.encrypted_content');
      return json(s, expose ? response : { ...response, output: response.output.map((i) => hideEncrypted(i as JsonObject)) });
    }
    return json(s, listItems(JSON.parse(row.inputJson) as ResponsesInputItem[], query));
  },
};

/** OpenAI's cursor list: `order` (desc by default), `limit` (1-100, default 20), `after` an item id; anything else is a 400. */
function listItems(items: ResponsesInputItem[], query: URLSearchParams): JsonObject {
  const order = query.get('order') ?? 'desc';
  if (order !== 'asc' && order !== 'desc') throw invalidQuery('order', `"order" must be "asc" or "desc" (got "${order.slice(0, 40)}").`);
  const limitText = query.get('limit');
  const limit = limitText === null ? 20 : Number(limitText);
  if (!Number.isInteger(limit) || limit < 1 || limit > 100) throw invalidQuery('limit', `"limit" must be a whole number from 1 to 100 (got "${(limitText ?? '').slice(0, 40)}").`);
  const ordered = order === 'asc' ? items : [...items].reverse();
  const after = query.get('after');
  const found = after ? ordered.findIndex((i) => i.id === after) : -1;
  if (after && found < 0) throw invalidQuery('after', `"after" names no input item of this response (got "${after.slice(0, 80)}"); use an id from a previous page's last_id.`);
  const start = found + 1;
  const data = ordered.slice(start, start + limit);
  return { object: 'list', data, first_id: (data[0]?.id as string) ?? null, last_id: (data.at(-1)?.id as string) ?? null, has_more: start + limit < ordered.length };
}

function invalidQuery(param: string, message: string): GatewayError {
  return new GatewayError({ status: 400, type: 'invalid_request_error', code: 'invalid_value', param, message });
}

function json(s: SurfaceRequest, body: unknown): Response {
  return new Response(JSON.stringify(body), { status: 200, headers: { 'content-type': 'application/json', 'x-request-id': s.ex.id } });
}
