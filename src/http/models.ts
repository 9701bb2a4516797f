// GET /v1/models and /v1/models/{id}: only the models the caller's key may use (its model globs, and
// a provider its group may reach), in OpenAI's shape.

import type { CompiledGateway } from '../compile/types.ts';
import { GatewayError } from '../contracts/errors.ts';
import { modelAllowed } from '../pipeline/authenticate.ts';
import { modelReachable } from '../pipeline/provider-access.ts';
import type { Exchange } from '../pipeline/types.ts';

function modelObject(gw: CompiledGateway, id: string) {
  const model = gw.models.get(id)!;
  const owners = [...new Set(model.tiers.flat().map((t) => t.provider.name))];
  return { id, object: 'model', created: Math.floor(gw.loadedAt / 1000), owned_by: owners.join(',') || 'switchyard' };
}

export function listModels(gw: CompiledGateway, ex: Exchange, id?: string): Response {
  const key = ex.key!;
  const headers = { 'content-type': 'application/json', 'x-request-id': ex.id };
  if (id !== undefined) {
    if (!gw.models.has(id) || !modelAllowed(key, id) || !modelReachable(gw, key, id)) {
      throw new GatewayError({ status: 404, type: 'invalid_request_error', code: 'model_not_found', param: 'model', message: `The model "${id}" does not exist on this gateway or your key may not use it. GET /v1/models lists the models your key may use.` });
    }
    return new Response(JSON.stringify(modelObject(gw, id)), { headers });
  }
  const data = gw.modelNames.filter((name) => modelAllowed(key, name) && modelReachable(gw, key, name)).map((name) => modelObject(gw, name));
  return new Response(JSON.stringify({ object: 'list', data }), { headers });
}
