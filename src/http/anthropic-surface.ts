// Placeholder for the Anthropic surface until it is wired.
import type { Exchange } from '../pipeline/types.ts';
import type { Runtime } from '../runtime/runtime.ts';
import { GatewayError } from '../contracts/errors.ts';

export function isAnthropicPath(method: string, path: string): boolean {
  return method === 'POST' && (path === '/v1/messages' || path === '/messages' || path === '/v1/messages/count_tokens' || path === '/messages/count_tokens');
}

export async function handleAnthropic(_rt: Runtime, _ex: Exchange, _req: Request, _path: string): Promise<Response> {
  throw new GatewayError({ status: 404, type: 'invalid_request_error', code: 'unknown_route', message: 'not yet' });
}
