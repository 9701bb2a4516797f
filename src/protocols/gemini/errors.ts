// Gateway errors in Gemini's shape (google.rpc.Status as JSON): `{"error":{"code","message","status"}}`,
// as an HTTP body and as the last event of a failed stream. `status` is the canonical gRPC code name
// Google's SDKs and Gemini CLI read (RESOURCE_EXHAUSTED means "retry later", UNAUTHENTICATED "bad key").

import type { GatewayError } from '../../contracts/index.ts';

/** google.rpc.RetryInfo, as Gemini sends it with a 429 (Gemini CLI and the SDKs back off by it). */
interface RetryInfo {
  '@type': 'type.googleapis.com/google.rpc.RetryInfo';
  retryDelay: string;
}

export interface GeminiErrorStatus {
  error: { code: number; message: string; status: string; details?: RetryInfo[] };
}

/** HTTP status → google.rpc.Code name. */
export function geminiStatusName(status: number): string {
  switch (status) {
    case 400: case 413: case 415: case 422: return 'INVALID_ARGUMENT';
    case 401: return 'UNAUTHENTICATED';
    case 403: return 'PERMISSION_DENIED';
    case 404: return 'NOT_FOUND';
    case 405: return 'UNIMPLEMENTED'; // the method is not served on that path (google.rpc: not implemented or not supported)
    case 408: return 'DEADLINE_EXCEEDED';
    case 409: return 'ABORTED';
    case 429: return 'RESOURCE_EXHAUSTED';
    case 499: return 'CANCELLED';
    case 501: return 'UNIMPLEMENTED';
    case 503: return 'UNAVAILABLE';
    case 504: return 'DEADLINE_EXCEEDED';
    default: return status >= 500 ? 'INTERNAL' : 'FAILED_PRECONDITION';
  }
}

export function geminiErrorFromGateway(error: Pick<GatewayError, 'status' | 'message'> & { retryAfterMs?: number }): GeminiErrorStatus {
  const body: GeminiErrorStatus = { error: { code: error.status, message: error.message, status: geminiStatusName(error.status) } };
  if (error.retryAfterMs !== undefined && error.retryAfterMs > 0) {
    body.error.details = [{ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: `${Math.ceil(error.retryAfterMs / 1000)}s` }];
  }
  return body;
}
