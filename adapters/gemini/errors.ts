// Gemini error bodies (google.rpc.Status JSON: {error:{code,message,status,details}}) → GatewayError
// via the shared status mapping. Two Google specifics: an invalid key comes back as HTTP 400
// INVALID_ARGUMENT with reason API_KEY_INVALID (mapped like a 401: the gateway's key is at fault,
// not the client), and 429s carry the wait in a RetryInfo detail (`retryDelay: "38s"`).
// Every message is scrubbed of the provider key.

import {
  errorFromUpstreamStatus, parseRetryAfter, upstreamMessage,
  type GatewayError, type ProviderView, type UpstreamReply,
} from '../../src/contracts/index.ts';
import { scrubKey } from './endpoint.ts';
import type { GeminiErrorBody } from './wire-types.ts';

type GeminiStatus = GeminiErrorBody['error'];

/** The error object of a body that is `{error}` or (non-SSE stream form) `[{error}]`. */
export function errorObject(text: string): GeminiStatus | undefined {
  try {
    const parsed = JSON.parse(text) as unknown;
    const first = Array.isArray(parsed) ? parsed[0] : parsed;
    const error = (first as { error?: unknown } | null)?.error;
    return error && typeof error === 'object' && !Array.isArray(error) ? (error as GeminiStatus) : undefined;
  } catch {
    return undefined;
  }
}

function isKeyProblem(error: GeminiStatus): boolean {
  if (error.status === 'UNAUTHENTICATED' || error.status === 'PERMISSION_DENIED') return true;
  return (error.details ?? []).some((d) => d.reason === 'API_KEY_INVALID' || d.reason === 'API_KEY_SERVICE_BLOCKED');
}

function retryDelayMs(error: GeminiStatus): number | undefined {
  for (const detail of error.details ?? []) {
    const delay = detail.retryDelay;
    if (typeof delay === 'string') {
      const seconds = Number.parseFloat(delay);
      if (Number.isFinite(seconds)) return Math.max(0, Math.round(seconds * 1000));
    }
  }
  return undefined;
}

/** Maps an upstream status + Google error object to a GatewayError. */
export function gatewayErrorFor(provider: ProviderView, status: number, error: GeminiStatus | undefined, fallbackText: string, retryAfterMs?: number): GatewayError {
  const raw = error?.message ?? upstreamMessage(fallbackText);
  const message = scrubKey(raw || `HTTP ${status}`, provider);
  const effective = error && isKeyProblem(error) && status < 500 ? 401 : status;
  return errorFromUpstreamStatus(provider.name, effective, message, retryAfterMs ?? (error ? retryDelayMs(error) : undefined));
}

/** Adapter.decodeError for every Gemini operation. */
export function decodeGeminiError(reply: UpstreamReply, provider: ProviderView): GatewayError {
  const error = errorObject(reply.text);
  const retryAfter = parseRetryAfter(reply.headers.get('retry-after'));
  return gatewayErrorFor(provider, reply.status, error, reply.text, retryAfter);
}
