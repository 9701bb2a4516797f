// The inbound surface contract: one protocol clients speak (Anthropic Messages, OpenAI Responses,
// Gemini native, ...), in its own folder under src/protocols/<name>/. A surface parses its requests into
// a canonical InboundCall, hands it to the shared pipeline (serveModelCall: limits, budgets, failover,
// plugins, billing, ledger), and shapes answers, streams and errors in its protocol's wire format.
// handleApiRequest (src/http/handle-request.ts) picks the surface, keeps the one catch, and renders
// errors with the surface's errorBody. The OpenAI surface is the default and lives in src/http.

import type { CompiledKey } from '../compile/types.ts';
import type { GatewayError } from '../contracts/errors.ts';
import { authenticateKey, presentedKey } from '../pipeline/authenticate.ts';
import type { Exchange } from '../pipeline/types.ts';
import type { Runtime } from '../runtime/runtime.ts';

/** One request handed to a surface: the route prefix is already stripped from `path`. */
export interface SurfaceRequest {
  readonly rt: Runtime;
  readonly ex: Exchange;
  /** The request after route onRequest plugins (may differ from the one the client sent). */
  readonly req: Request;
  /** Path below the route prefix, e.g. `/v1/responses`. */
  readonly path: string;
  /** Query string including `?`, or ''. */
  readonly search: string;
}

export interface InboundSurface {
  /** The `routes[].protocol` value that selects this surface. */
  readonly protocol: string;
  /**
   * Requests this surface also serves on routes of the default (OpenAI) protocol, e.g. POST /v1/messages.
   * Paths are below the route prefix; absent = only on routes with `protocol: <this>`. `headers` lets a
   * surface claim by a header its clients always send (GET /v1/models with `anthropic-version`).
   */
  claims?(method: string, path: string, headers: Headers): boolean;
  /** The client key as this protocol's clients send it (default: Authorization Bearer, x-api-key, api-key). */
  presentedKey?(req: Request, search: string): string | undefined;
  /** How this protocol's clients may send the key, for the 401 messages (default: KEY_HEADERS). */
  readonly keyHeaders?: string;
  /** Serves one request; throws GatewayError for anything that is not an answer. */
  serve(s: SurfaceRequest): Promise<Response>;
  /** The HTTP status this protocol answers an error with, when it differs from err.status (Anthropic: 529 for an upstream's overload). */
  errorStatus?(err: GatewayError): number;
  /** The error body in this protocol's shape (default: OpenAI's `{"error":{...}}`). */
  errorBody?(err: GatewayError, requestId: string): unknown;
  /** The protocol's own request-id header, sent besides x-request-id on every answer and error (Anthropic: `request-id`). */
  readonly requestIdHeader?: string;
}

/** Authenticates the caller of a surface request and records it on the exchange (and plugin scope). */
export function authenticateSurface(surface: InboundSurface, s: SurfaceRequest): CompiledKey {
  const presented = surface.presentedKey ? surface.presentedKey(s.req, s.search) : presentedKey(s.req.headers);
  const key = authenticateKey(s.ex.gw, presented, s.ex, s.rt.runtimeKeyLookup, undefined, surface.keyHeaders, s.ex); // the exchange looks the address up only if asked
  s.ex.key = key;
  s.ex.scope.keyName = key.name;
  s.ex.scope.group = key.group;
  return key;
}
