// Route plugins' onCanonicalRequest. A hook may change `model` to another model of this gateway (an
// alias or downgrade plugin): the call is then served, limited and billed as that model, which must
// exist and which the key must be allowed to use. Flipping `stream` is refused (the client's choice
// decides the answer's shape). Nothing a hook changes is silently ignored.

import type { CompiledModel } from '../compile/types.ts';
import { GatewayError } from '../contracts/errors.ts';
import { assertModelAllowed } from './authenticate.ts';
import { runChain } from './plugin-runner.ts';
import type { Exchange, InboundCall } from './types.ts';

/** Runs the hooks on `call.body`; returns the model to serve instead when a hook changed it. */
export async function runCanonicalHooks(ex: Exchange, call: InboundCall): Promise<CompiledModel | undefined> {
  let switched: CompiledModel | undefined;
  for (const lp of ex.route.plugins) {
    if (typeof lp.plugin.onCanonicalRequest !== 'function') continue;
    const view = (await runChain([lp], 'onCanonicalRequest', { operation: call.operation, body: call.body }, ex.scope, (h, v, ctx) => h.onCanonicalRequest?.(v, ctx))).value;
    call.body = view.body;
    if ((call.operation === 'chat' || call.operation === 'completions') && (view.body.stream === true) !== call.stream) {
      // The client's choice decides the answer's shape (JSON or SSE); a hook cannot flip it.
      throw new GatewayError({ status: 500, type: 'api_error', code: 'plugin_error', message: `Plugin "${lp.name}" changed "stream" in onCanonicalRequest (request ${ex.id}); the client decides whether the answer streams. The gateway operator should fix the plugin.` });
    }
    const next = view.body.model;
    if (call.operation === 'passthrough' || call.model === undefined || next === call.model) continue;
    if (typeof next !== 'string') {
      throw new GatewayError({ status: 500, type: 'api_error', code: 'plugin_error', message: `Plugin "${lp.name}" set "model" to a non-string in onCanonicalRequest (request ${ex.id}).` });
    }
    const model = ex.gw.models.get(next);
    if (!model) {
      throw new GatewayError({ status: 500, type: 'api_error', code: 'plugin_error', message: `Plugin "${lp.name}" changed the model to "${next.slice(0, 100)}" in onCanonicalRequest, which this gateway does not serve (request ${ex.id}). The gateway operator should fix the plugin or add that model.` });
    }
    assertModelAllowed(ex.key!, next);
    call.model = next;
    ex.scope.model = next;
    switched = model;
  }
  return switched;
}
