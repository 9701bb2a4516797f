// The Adapter contract: a pure translator between the canonical (OpenAI) format and one provider's
// wire format. Adapters never call fetch, read the environment, log, or import the server.

import type { ChatChunk, JsonObject, JsonValue, Operation, Usage } from './canonical.ts';
import type { GatewayError } from './errors.ts';

/** What an adapter may know about the provider it talks to (from gateway.yaml, env already resolved). */
export interface ProviderView {
  readonly name: string;
  /** base_url from the config with any trailing slash removed ('' when the adapter needs none). */
  readonly baseUrl: string;
  readonly apiKey?: string;
  /** Extra headers from `providers.X.headers`. */
  readonly headers: Readonly<Record<string, string>>;
  /** The provider's whole config block, for adapter-specific fields (api_version, key, secret, ...). */
  readonly options: Readonly<Record<string, JsonValue>>;
}

/** The request the pipeline hands an adapter, already resolved to one upstream model. */
export interface AdapterRequest {
  readonly operation: Operation;
  /** JSON body (model already renamed to the upstream model). Empty object for GET / multipart. */
  readonly body: JsonObject;
  /** Multipart body for uploads (model field already renamed), when the client sent one. */
  readonly form?: FormData;
  /** Raw bytes for passthrough requests whose body is neither JSON nor multipart. */
  readonly raw?: Uint8Array;
  /** Path below the OpenAI root, e.g. `/chat/completions` or `/files/file-abc/content`. */
  readonly path: string;
  /** Query string including `?`, or ''. */
  readonly search: string;
  readonly method: string;
  /** Did the client ask for a stream? */
  readonly stream: boolean;
  readonly upstreamModel: string;
  /** Content type the client sent (passthrough keeps it). */
  readonly contentType?: string;
  /**
   * A hard output cap: the gateway reserved the key's budget for at most this many output tokens (a model's
   * max_output_tokens for a budgeted key). The body's own caps are already at or below it; an adapter that
   * adds output of its own (a thinking budget) must keep the upstream's whole output within it.
   */
  readonly outputCap?: number;
}

/** Everything needed to make one HTTP call; the upstream module performs it. */
export interface UpstreamRequest {
  url: string;
  method: string;
  headers: Record<string, string>;
  body?: string | FormData | Uint8Array | null;
}

/**
 * A further upstream call an adapter needs before it can answer a non-stream request (create a job,
 * poll its status, fetch its result). The gateway waits `delayMs`, makes the call (all follow-ups of
 * one attempt, waits included, share one provider timeout counted from the first reply), and hands
 * the reply back to `followUp` with `state`; the adapter still never calls fetch itself.
 */
export interface FollowUp {
  request: UpstreamRequest;
  delayMs?: number;
  /** Whatever the adapter must remember between calls (ids, usage seen so far). */
  state?: JsonValue;
}

/** A buffered (non-stream) upstream reply. */
export interface UpstreamReply {
  status: number;
  headers: Headers;
  /** Body text; for binary replies the pipeline passes bytes through without calling the adapter. */
  text: string;
}

export interface DecodedResponse {
  /** Canonical body sent to the client (OpenAI shape for the operation). */
  body: JsonValue;
  usage?: Usage;
  /** Set when `body` is exactly the parse of this upstream text: the gateway may forward the bytes as is. */
  verbatim?: string;
}

/** One step of a stream: chunks to forward (in order), plus what the decoder learned. */
export interface StreamStep {
  chunks: ChatChunk[];
  /** The latest usage reported so far (the last one wins, it is never summed). */
  usage?: Usage;
  /** The upstream signalled a proper end ([DONE], message_stop, ...). */
  done?: boolean;
  /** The upstream reported an error inside the stream. */
  error?: GatewayError;
}

/** Decodes one upstream stream; one instance per request, so it may keep state (indices, ids). */
export interface StreamDecoder {
  /** One server-sent event from the upstream body. */
  push(event: { event?: string; data: string }): StreamStep;
  /** The upstream body ended (cleanly or not). */
  end(): StreamStep;
}

/**
 * Credentials the gateway applies to an upstream call after provider plugins ran, just before the
 * call (plugins never see them). Adapters only describe the scheme; src/upstream implements it.
 * - 'aws-sigv4': AWS Signature Version 4 over the final method, URL, headers and body.
 * - 'oauth2-service-account': an RS256 JWT (RFC 7523) exchanged at `tokenUri` for an access token,
 *   cached until shortly before it expires, sent as `authorization: Bearer <token>`.
 */
export type UpstreamAuth =
  | {
      readonly scheme: 'aws-sigv4';
      readonly service: string;
      readonly region: string;
      readonly accessKeyId: string;
      readonly secretAccessKey: string;
      readonly sessionToken?: string;
    }
  | {
      readonly scheme: 'oauth2-service-account';
      readonly clientEmail: string;
      readonly privateKey: string;
      readonly privateKeyId?: string;
      readonly tokenUri: string;
      readonly scopes: readonly string[];
    };

export interface Adapter {
  readonly id: string;
  /**
   * The adapter-specific fields a `providers.<name>` block may carry besides the common provider fields
   * (adapter, base_url, api_key, headers, models, weight, priority, timeout_ms, plugins, passthrough and
   * the other fields of schema/gateway.schema.json). Any other field is a config error ("did you mean").
   * Omitted: the adapter accepts no extra field.
   */
  readonly providerOptionsSchema?: { type: 'object'; properties: Record<string, JsonValue>; required?: string[] };
  /**
   * Which operations this adapter can translate. With `provider`, for that provider in particular
   * (e.g. 'responses' only for providers that serve the Responses API).
   */
  supports(operation: Operation, provider?: ProviderView): boolean;
  /** Canonical request → upstream HTTP request. Throws GatewayError for requests it cannot express. */
  buildRequest(request: AdapterRequest, provider: ProviderView): UpstreamRequest;
  /**
   * A 2xx non-stream reply → canonical body + usage. Throws GatewayError for error bodies sent with 2xx.
   * `state` is the last FollowUp's state when the adapter made follow-up calls.
   */
  decodeResponse(reply: UpstreamReply, request: AdapterRequest, provider: ProviderView, state?: JsonValue): DecodedResponse;
  /**
   * Multi-call exchanges: called with every 2xx non-stream reply (the first with state undefined)
   * before decodeResponse. A FollowUp makes the gateway send one more request; undefined means this
   * reply is the answer and goes to decodeResponse. Throws GatewayError when the job failed.
   */
  followUp?(reply: UpstreamReply, request: AdapterRequest, provider: ProviderView, state: JsonValue | undefined): FollowUp | undefined;
  /** A non-2xx reply → GatewayError (DESIGN §5 codes, retryable where failover helps). */
  decodeError(reply: UpstreamReply, provider: ProviderView): GatewayError;
  /** A stream decoder for a 2xx streaming reply (required when `streamMode` is 'sse'). */
  createStreamDecoder?(request: AdapterRequest, provider: ProviderView): StreamDecoder;
  /**
   * 'sse' (default): the upstream streams server-sent events.
   * 'emulate': the upstream cannot stream; the gateway calls it non-stream and emulates the stream.
   */
  readonly streamMode?: 'sse' | 'emulate';
  /**
   * How a streamed upstream body is framed (default 'sse'). The gateway hands the decoder one event per
   * frame: an SSE event as is; an NDJSON line as `{data: line}`; an AWS event-stream message as
   * `{event: its :event-type (or :exception-type) header, data: its payload as text}`.
   */
  readonly streamFraming?: 'sse' | 'ndjson' | 'aws-eventstream';
  /**
   * Provider options the gateway fills from environment variables when gateway.yaml leaves them out
   * (option name → variable name, e.g. `region: 'AWS_REGION'`). Adapters never read the environment.
   */
  readonly envDefaults?: Readonly<Record<string, string>>;
  /**
   * The credentials scheme for this provider, computed once when the config is compiled. Throw an Error
   * whose message says how to fix the provider block when the options are incomplete.
   */
  upstreamAuth?(provider: ProviderView): UpstreamAuth | undefined;
  /** GET request for the upstream's own model list (`switchyard models <provider>`). */
  buildModelListRequest?(provider: ProviderView): UpstreamRequest;
  /** The upstream model list reply → model ids. */
  decodeModelList?(reply: UpstreamReply, provider: ProviderView): string[];
  /**
   * In-process upstream (the mock adapter): when present the gateway calls this instead of the network.
   * It receives the request the adapter built and the abort signal.
   */
  serveLocally?(request: UpstreamRequest, signal: AbortSignal): Promise<Response>;
}

/** Identity helper that gives adapter files full type checking. */
export function defineAdapter<A extends Adapter>(adapter: A): A {
  return adapter;
}
