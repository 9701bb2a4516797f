// Interfaces between the request pipeline and long-lived runtime services (limits, budgets, ledger),
// so the pipeline never depends on how they are stored.

import type { Usage } from '../contracts/canonical.ts';
import type { CompiledGateway, CompiledKey, CompiledModel } from '../compile/types.ts';

export interface AdmissionRequest {
  gw: CompiledGateway;
  key: CompiledKey;
  model?: CompiledModel;
  /** Estimated prompt tokens (js-tiktoken). */
  promptTokens: number;
  /** The most the request may generate (max_tokens or the model default, × choices), for tpm. */
  maxOutputTokens: number;
  /**
   * Worst-case cost in micro-dollars (see pipeline/reservation.ts), read only for keys with a budget or in a group with one:
   * the caller may compute it lazily.
   */
  reservationMicros: number;
}

/** An admitted request: holds its rate-limit slots and budget reservation until settled. */
export interface Ticket {
  /** x-ratelimit-* headers for the response. */
  readonly headers: Record<string, string>;
  /** The actual cost replaces the reservation; limits are corrected with actual tokens. */
  settle(actual: { usage?: Usage; costMicros: number }): void;
  /** The group whose shared budget holds this request's reservation (its cost is the group's spend too). */
  readonly budgetGroup?: string;
}

export interface Admission {
  /**
   * Throws (or rejects with) a 429 GatewayError when a limit or the budget does not allow the request.
   * In-memory admission answers synchronously; a shared backend (Redis) may answer with a Promise.
   */
  admit(request: AdmissionRequest): Ticket | Promise<Ticket>;
}

export interface RequestRow {
  id: string;
  ts: number;
  keyName: string | null;
  group: string | null;
  route: string;
  model: string | null;
  provider: string | null;
  upstreamModel: string | null;
  promptTokens: number;
  completionTokens: number;
  cachedTokens: number;
  usageSource: 'upstream' | 'estimated' | 'none';
  costMicros: number;
  status: number;
  errorCode: string | null;
  latencyMs: number;
  ttftMs: number | null;
  stream: boolean;
  partial: boolean;
  configHash: string;
  /** The group whose budget this request counted against (its cost adds to the group's spend); else absent. */
  budgetGroup?: string;
  /** The inbound protocol (openai, anthropic, gemini, ...); metrics and logs only, not stored. */
  surface?: string;
  /** Reasoning tokens (part of completionTokens); metrics and logs only, not stored. */
  reasoningTokens?: number;
  /** The gateway operation (chat, embeddings, ...); traces only, not stored. */
  operation?: string;
  /** The client's W3C `traceparent` header, kept only while OTLP export is on; traces only, not stored. */
  traceParent?: string;
}

export interface AttemptRow {
  requestId: string;
  n: number;
  provider: string;
  upstreamModel: string;
  status: number;
  errorCode: string | null;
  latencyMs: number;
  ts: number;
}

export interface Ledger {
  record(row: RequestRow, attempts: AttemptRow[]): void;
  /** Rows recorded and not yet committed (the write queue), when the ledger knows. */
  readonly pending?: number;
  flush(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Exact-match response cache for non-streamed calls. `lookup` returns a cached JSON body when the
 * call opted in (route, key, model or per request) and an entry is fresh; `store` saves a success.
 */
export interface ResponseCache {
  /** Does this call use the cache at all (opted in, not bypassed)? When false the pipeline skips lookup, store and the header. */
  applies?(gw: CompiledGateway, call: CacheableCall): boolean;
  lookup(gw: CompiledGateway, call: CacheableCall): Promise<{ status: number; body: string } | undefined>;
  store(gw: CompiledGateway, call: CacheableCall, status: number, body: string): Promise<void>;
}

export interface CacheableCall {
  keyName: string;
  route: string;
  /** The protocol surface (openai, anthropic): the same canonical request is answered in its shape. */
  surface?: string;
  model?: string;
  operation: string;
  path: string;
  body: Record<string, unknown>;
  /** The request's own opt-in/out (header x-switchyard-cache: yes|no, or onebound cache=yes). */
  requested?: 'yes' | 'no';
}

/** What an attached service (ledger database, shared state) tells GET /ready. */
export interface ReadinessReport {
  ready: boolean;
  status: string;
  message?: string;
  [detail: string]: unknown;
}

export const unlimitedAdmission: Admission = {
  admit: () => ({ headers: {}, settle: () => {} }),
};

export const discardLedger: Ledger = {
  record: () => {},
  flush: async () => {},
  close: async () => {},
};
