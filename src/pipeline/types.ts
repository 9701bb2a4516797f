// Per-request types shared by the pipeline stages.

import type { GatewayError } from '../contracts/errors.ts';
import type { ChatChunk, JsonObject, JsonValue, Operation, Usage } from '../contracts/canonical.ts';
import type { CompiledGateway, CompiledKey, CompiledRoute, Target } from '../compile/types.ts';
import type { StepSource } from '../stream/sse-source.ts';
import type { HookScope } from './plugin-runner.ts';
import type { ChunkEncoder } from '../stream/encoders.ts';
import type { Billing } from './finish.ts';

/** A parsed inbound API call, protocol-neutral. */
export interface InboundCall {
  operation: Operation;
  /** Path below the OpenAI root, e.g. `/chat/completions`. */
  path: string;
  search: string;
  method: string;
  body: JsonObject;
  form?: FormData;
  raw?: Uint8Array;
  contentType?: string;
  model?: string;
  stream: boolean;
  /** Per-request cache choice (x-switchyard-cache header or onebound cache=yes|no). */
  cache?: 'yes' | 'no';
  /** `x-switchyard-provider`: pin the call to one provider (keys with can_pin only). */
  pinProvider?: string;
  /** A hard output cap (output-cap.ts): the budget reservation covers at most this many output tokens. */
  outputCap?: number;
  /** The client asked for the usage chunk (`stream_options.include_usage`). */
  includeUsage: boolean;
  /**
   * The call in the client's own protocol (e.g. a Responses body), sent instead of the canonical form to
   * targets whose adapter supports that operation for their provider; others get the canonical form.
   */
  native?: { operation: Operation; path: string; body: JsonObject };
}

/** Everything one request carries through the pipeline. */
export interface Exchange {
  readonly id: string;
  readonly startedAt: number;
  readonly gw: CompiledGateway;
  readonly route: CompiledRoute;
  readonly clientIp: string;
  readonly signal: AbortSignal;
  readonly scope: HookScope;
  key?: CompiledKey;
  /** The provider pinned by the key's `-<provider>` suffix (One API's `KEY-CHANNEL`), set by authentication. */
  keyPin?: string;
  call?: InboundCall;
  attempts: AttemptRecord[];
  /**
   * Set (a fresh object each time) when a request is actually sent to an upstream: a client leaving later
   * is billed for the prompt, on the row of the provider last asked.
   */
  upstreamCalled?: { target: Target };
  /** The inbound protocol surface (openai when unset), for metrics and the request log. */
  surface?: string;
  /** The public model whose target answered (differs from call.model after a fallback). */
  answeredModel?: string;
  /** Admitted call's reservation and, once an upstream answered, its charge (see finish.ts). */
  billing?: Billing;
  /** The error answered to the client, for the ledger row (set where the error response is built). */
  failure?: { status: number; code: string; clientGone?: boolean };
  /** A stream owns the end of the request: the relay's onFinish calls finishRequest, not the HTTP edge. */
  detached: boolean;
  /** The client's `traceparent` header, read only while OTLP trace export is on (the span's parent). */
  traceParent?: string;
  /** Set by finishRequest: the request was settled and metered. */
  finished?: boolean;
  /** Marks the request finished for drain tracking (idempotent; finishRequest calls it). */
  leave: () => void;
}

export interface AttemptRecord {
  provider: string;
  upstreamModel: string;
  status: number;
  errorCode?: string;
  latencyMs: number;
  startedAt: number;
}

export type AttemptResult =
  | { kind: 'json'; target: Target; status: number; headers: Headers; body: JsonValue; usage?: Usage; verbatim?: string }
  | { kind: 'raw'; target: Target; response: Response }
  | { kind: 'stream'; target: Target; source: StepSource; primed: ChatChunk[]; usage?: Usage; done: boolean; ended: boolean; pendingError?: GatewayError };

/** How a protocol surface shapes successful answers (OpenAI: as is; Anthropic: translated). */
export interface Surface {
  /** Distinguishes surfaces in cache keys (the same canonical request answers differently). */
  readonly name: string;
  streamEncoder(call: InboundCall, ex: Exchange): ChunkEncoder;
  shapeBody?(body: JsonValue, call: InboundCall): JsonValue;
}
