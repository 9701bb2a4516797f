// The one module that calls fetch: per-attempt timeout until response headers, client-abort
// propagation, redirects refused, network faults classified for failover.

import type { UpstreamRequest } from '../contracts/adapter.ts';
import { GatewayError, errors } from '../contracts/errors.ts';

export interface CallOptions {
  provider: string;
  timeoutMs: number;
  /** Aborted when the client goes away or the request is otherwise abandoned. */
  signal: AbortSignal;
  /** In-process upstream (mock adapter). */
  serveLocally?: (request: UpstreamRequest, signal: AbortSignal) => Promise<Response>;
}

export class ClientGone extends Error {
  constructor() {
    super('client disconnected');
    this.name = 'ClientGone';
  }
}

export interface UpstreamCall {
  response: Response;
  /** Aborts this attempt's upstream request (used on client disconnect and stream stalls). */
  abort: (reason?: unknown) => void;
  signal: AbortSignal;
  /**
   * Reads a buffered body as text under the same timeout (which keeps running after the headers, so
   * an upstream that stalls mid-body cannot hold the request forever), then stops the timer.
   */
  text(): Promise<string>;
  /** Stops the timeout: a stream's idle timer takes over. */
  stopTimer(): void;
}

export async function callUpstream(request: UpstreamRequest, options: CallOptions): Promise<UpstreamCall> {
  const controller = new AbortController();
  const onClientAbort = () => controller.abort(new ClientGone());
  if (options.signal.aborted) throw new ClientGone();
  options.signal.addEventListener('abort', onClientAbort, { once: true });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort(new Error('timeout'));
  }, options.timeoutMs);

  try {
    const response = options.serveLocally
      ? await options.serveLocally(request, controller.signal)
      : await fetch(request.url, {
          method: request.method,
          headers: request.headers,
          body: (request.body ?? undefined) as BodyInit | undefined,
          redirect: 'manual',
          signal: controller.signal,
        });
    if (response.status >= 300 && response.status < 400) {
      clearTimeout(timer);
      controller.abort();
      throw errors.upstreamError(`Provider "${options.provider}" answered with a redirect (HTTP ${response.status}); the gateway does not follow redirects. Check providers.${options.provider}.base_url.`, response.status, true);
    }
    return {
      response,
      abort: (reason) => controller.abort(reason),
      signal: controller.signal,
      stopTimer: () => clearTimeout(timer),
      async text() {
        try {
          return await response.text();
        } catch (err) {
          if (options.signal.aborted) throw new ClientGone();
          if (timedOut) throw errors.upstreamTimeout(options.provider, options.timeoutMs);
          throw errors.upstreamError(`Provider "${options.provider}" cut the connection while sending its answer (${networkReason(err)}).`, 'network', true);
        } finally {
          clearTimeout(timer);
        }
      },
    };
  } catch (err) {
    clearTimeout(timer);
    if (err instanceof GatewayError) throw err;
    if (options.signal.aborted) throw new ClientGone();
    if (timedOut) throw errors.upstreamTimeout(options.provider, options.timeoutMs);
    throw errors.upstreamError(`Could not reach provider "${options.provider}" (${networkReason(err)}).`, 'network', true);
  }
  // The client-abort listener stays attached: a client leaving mid-body must still abort the upstream.
}

function networkReason(err: unknown): string {
  const code = (err as { code?: string }).code;
  if (code === 'ConnectionRefused' || code === 'ECONNREFUSED') return 'connection refused';
  if (code === 'ECONNRESET' || code === 'ConnectionClosed') return 'connection reset';
  if (code === 'ENOTFOUND' || code === 'DNSException') return 'host not found';
  return code ? code.toLowerCase() : 'network error';
}
