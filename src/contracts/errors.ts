// GatewayError: the one error type that crosses module boundaries. It carries the OpenAI-shaped
// error fields, the HTTP status, and whether a failover loop may retry it on another target.

export type ErrorType =
  | 'invalid_request_error'
  | 'authentication_error'
  | 'permission_error'
  | 'rate_limit_error'
  | 'upstream_error'
  | 'api_error'
  | 'insufficient_quota';

export interface GatewayErrorInit {
  status: number;
  type: ErrorType;
  code: string;
  message: string;
  param?: string | null;
  /** May the failover loop try another target? */
  retryable?: boolean;
  /** The upstream HTTP status or fault class that caused it (429, 503, 'timeout', 'network'). */
  cause?: number | 'timeout' | 'network';
  /** Milliseconds the caller should wait (from an upstream or our own Retry-After). */
  retryAfterMs?: number;
  /** Extra response headers (x-ratelimit-*). */
  headers?: Record<string, string>;
}

export class GatewayError extends Error {
  readonly status: number;
  readonly type: ErrorType;
  readonly code: string;
  readonly param: string | null;
  readonly retryable: boolean;
  readonly cause?: number | 'timeout' | 'network';
  readonly retryAfterMs?: number;
  readonly headers?: Record<string, string>;

  constructor(init: GatewayErrorInit) {
    super(init.message);
    this.name = 'GatewayError';
    this.status = init.status;
    this.type = init.type;
    this.code = init.code;
    this.param = init.param ?? null;
    this.retryable = init.retryable ?? false;
    this.cause = init.cause;
    this.retryAfterMs = init.retryAfterMs;
    this.headers = init.headers;
  }

  /** The OpenAI-shaped body sent to clients. */
  toBody(): { error: { message: string; type: string; code: string; param: string | null } } {
    return { error: { message: this.message, type: this.type, code: this.code, param: this.param } };
  }
}

/** The same error answered with another HTTP status (a surface's own status for it, e.g. Anthropic's 529). */
export function withStatus(err: GatewayError, status: number): GatewayError {
  return new GatewayError({
    status, type: err.type, code: err.code, message: err.message, param: err.param, retryable: err.retryable,
    cause: err.cause, retryAfterMs: err.retryAfterMs, headers: err.headers,
  });
}

export function isGatewayError(value: unknown): value is GatewayError {
  return value instanceof GatewayError || (typeof value === 'object' && value !== null && (value as { name?: unknown }).name === 'GatewayError');
}

/** Shorthands for the DESIGN §5 table, so every module words the same condition the same way. */
export const errors = {
  invalidJson: (detail: string) =>
    new GatewayError({ status: 400, type: 'invalid_request_error', code: 'invalid_json', message: `The request body is not valid JSON (${detail}). Send a JSON object with Content-Type: application/json.` }),
  invalidValue: (param: string, message: string) =>
    new GatewayError({ status: 400, type: 'invalid_request_error', code: 'invalid_value', param, message }),
  upstreamError: (message: string, cause?: number | 'timeout' | 'network', retryable = true, retryAfterMs?: number) =>
    new GatewayError({ status: 502, type: 'upstream_error', code: 'upstream_error', message, cause, retryable, retryAfterMs }),
  /**
   * The upstream said it is overloaded (Anthropic's 529 overloaded_error): retried on another target like
   * any 5xx; as the final failure, 503 upstream_overloaded like the gateway's own overflow (the Anthropic
   * surface answers it 529 overloaded_error, as Anthropic does).
   */
  upstreamOverloaded: (message: string, retryAfterMs?: number) =>
    new GatewayError({ status: 503, type: 'upstream_error', code: 'upstream_overloaded', message, cause: 529, retryable: true, retryAfterMs }),
  upstreamAuth: (provider: string) =>
    new GatewayError({
      status: 502, type: 'upstream_error', code: 'upstream_auth_failed', retryable: true, cause: 401,
      message: `Provider "${provider}" rejected the gateway's own provider key. Your key is fine; the gateway operator must fix providers.${provider}.api_key in gateway.yaml.`,
    }),
  upstreamInvalid: (provider: string, detail: string) =>
    new GatewayError({ status: 502, type: 'upstream_error', code: 'upstream_invalid_response', retryable: true, message: `Provider "${provider}" sent a response the gateway could not read (${detail}).` }),
  /**
   * `stage`: how far the upstream got: nothing (`answer`, the default), the headers and part of a body
   * (`body`), a stream without content yet (`content`), a stream that went quiet (`stream`).
   */
  upstreamTimeout: (provider: string, ms: number, stage: 'answer' | 'body' | 'content' | 'stream' = 'answer') =>
    new GatewayError({ status: 504, type: 'upstream_error', code: 'upstream_timeout', retryable: true, cause: 'timeout', message: TIMEOUT_TEXT[stage](provider, ms) }),
};

const TIMEOUT_TEXT: Readonly<Record<'answer' | 'body' | 'content' | 'stream', (provider: string, ms: number) => string>> = {
  answer: (p, ms) => `Provider "${p}" did not answer within ${ms} ms.`,
  body: (p, ms) => `Provider "${p}" started its answer, then stopped sending it: the whole answer did not arrive within ${ms} ms.`,
  content: (p, ms) => `Provider "${p}" opened its stream but sent no content within ${ms} ms.`,
  stream: (p, ms) => `Provider "${p}" stopped sending its stream: nothing arrived for ${ms} ms.`,
};

/** Is this the upstream's own overload (a 529 overloaded_error), not the gateway's full connection pool? */
export function isUpstreamOverload(err: GatewayError): boolean {
  return err.code === 'upstream_overloaded' && err.cause === 529;
}
