// Balance endpoints (filled in by the ledger work): the legacy OpenAI billing endpoints chat UIs poll
// and the native balance of the caller's own key.

import type { Exchange } from '../pipeline/types.ts';
import type { Runtime } from '../runtime/runtime.ts';
import { GatewayError } from '../contracts/errors.ts';

export async function handleBilling(_rt: Runtime, _ex: Exchange, path: string): Promise<Response> {
  throw new GatewayError({ status: 404, type: 'invalid_request_error', code: 'unknown_route', message: `${path} is not available on this gateway.` });
}
