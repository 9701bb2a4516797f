// What the client learns when upstream attempts failed: one error that summarises every attempt
// (provider, status or cause), carries x-switchyard-provider / x-switchyard-attempts like an answer does,
// and, with `server.expose_upstream: false`, names no provider and quotes no upstream text (the ledger and
// the log keep both).

import { GatewayError } from '../contracts/errors.ts';
import type { CompiledGateway } from '../compile/types.ts';

/** One attempt, or one target skipped without a request (rate limited, overloaded). */
export interface AttemptNote {
  provider: string;
  /** e.g. `HTTP 503`, `timeout`, `network error`, `unreadable answer`, `overloaded`. */
  outcome: string;
}

export function outcomeOf(err: GatewayError): string {
  if (err.code === 'upstream_overloaded') return err.cause === 529 ? 'HTTP 529 (overloaded)' : 'overloaded (max_connections)';
  if (err.code === 'upstream_invalid_response') return 'unreadable answer';
  if (err.cause === 'timeout' || err.code === 'upstream_timeout') return 'timeout';
  if (err.cause === 'network') return 'network error';
  if (typeof err.cause === 'number') return `HTTP ${err.cause}`;
  return err.code;
}

function summary(notes: readonly AttemptNote[], expose: boolean): string {
  return notes.map((n, i) => (expose ? `${n.provider}: ${n.outcome}` : `#${i + 1}: ${n.outcome}`)).join('; ');
}

/** The log's (and ledger-side) view: always with provider names. */
export function describeAttempts(notes: readonly AttemptNote[]): string {
  return summary(notes, true);
}

/** Messages for upstream failures that name no provider and quote no upstream text. */
function hiddenMessage(err: GatewayError, requestId: string): string {
  const wait = err.retryAfterMs !== undefined ? ` Retry in ${Math.max(1, Math.ceil(err.retryAfterMs / 1000))} s.` : '';
  switch (err.code) {
    case 'rate_limit_exceeded': return `The upstream service is rate limiting this model.${wait || ' Retry shortly.'}`;
    case 'upstream_auth_failed': return `The upstream service rejected the gateway's own credentials. Your key is fine; quote request id ${requestId} to the gateway operator.`;
    case 'upstream_timeout': return 'The upstream service did not answer in time.';
    case 'upstream_invalid_response': return 'The upstream service sent an answer the gateway could not read.';
    case 'upstream_overloaded': return err.cause === 529
      ? `The upstream service is overloaded.${wait || ' Retry shortly.'}`
      : `The gateway's connections to the upstream service are all in use.${wait || ' Retry shortly.'}`;
    case 'upstream_rejected_request':
    case 'upstream_not_found': return `The upstream service rejected the request${typeof err.cause === 'number' ? ` (HTTP ${err.cause})` : ''}. Check the request's fields and values.`;
    case 'adapter_error': return `The gateway could not translate this request or its answer. Quote request id ${requestId} to the gateway operator.`;
    default: return `The upstream service failed.${wait}`;
  }
}

function rebuild(err: GatewayError, message: string, headers?: Record<string, string>, over: Partial<Pick<GatewayError, 'status' | 'type' | 'code'>> = {}): GatewayError {
  return new GatewayError({
    status: over.status ?? err.status, type: over.type ?? err.type, code: over.code ?? err.code, message, param: err.param,
    retryable: err.retryable, cause: err.cause, retryAfterMs: err.retryAfterMs, headers: headers ? { ...err.headers, ...headers } : err.headers,
  });
}

/** Is this error about an upstream (and so subject to expose_upstream)? */
function upstreamBorn(err: GatewayError): boolean {
  return err.type === 'upstream_error' || err.code.startsWith('upstream_') || err.code === 'adapter_error' || err.code === 'rate_limit_exceeded';
}

/** The error as a client may see it under `server.expose_upstream` (unchanged when exposed). */
export function clientView(err: GatewayError, gw: CompiledGateway, requestId: string): GatewayError {
  if (gw.exposeUpstream || !upstreamBorn(err)) return err;
  return rebuild(err, hiddenMessage(err, requestId));
}

/**
 * The error a failed failover loop answers with: `err` (the last failure, or the rate limit) with every
 * attempt summarised when there were several, and the attempt headers.
 */
export function finalError(err: GatewayError, notes: readonly AttemptNote[], attempts: number, gw: CompiledGateway, requestId: string): GatewayError {
  const headers: Record<string, string> = { 'x-switchyard-attempts': String(attempts) };
  const last = notes[notes.length - 1];
  if (gw.exposeUpstream && last) headers['x-switchyard-provider'] = last.provider;
  const attemptsText = notes.length > 1 ? ` Attempts: ${summary(notes, gw.exposeUpstream)}.` : '';
  const base = gw.exposeUpstream || !upstreamBorn(err) ? err.message : hiddenMessage(err, requestId);
  // The summary is its own sentence, also after a message that ends without a full stop.
  const stop = attemptsText && !/[.!?]$/.test(base) ? '.' : '';
  return rebuild(err, `${base}${stop}${attemptsText}`, headers);
}

/** 429 for a model whose targets are all rate limiting the gateway (never a 502). */
export function rateLimited(model: string, retryAfterMs: number, cause?: GatewayError): GatewayError {
  const detail = cause ? ` ${cause.message}` : '';
  return new GatewayError({
    status: 429, type: 'rate_limit_error', code: 'rate_limit_exceeded', retryable: false, cause: 429, retryAfterMs,
    message: `Every provider of ${model} is rate limiting the gateway; retry in ${Math.max(1, Math.ceil(retryAfterMs / 1000))} s.${detail}`,
  });
}

/** 503 when every target's connections are in use (Envoy-style overflow: fail fast, never queue). */
export function overloaded(model: string): GatewayError {
  return new GatewayError({
    status: 503, type: 'upstream_error', code: 'upstream_overloaded', retryable: true, retryAfterMs: 1000,
    message: `Every provider of ${model} is at its connection limit (max_connections); retry shortly. The gateway operator can raise providers.<name>.max_connections.`,
  });
}
