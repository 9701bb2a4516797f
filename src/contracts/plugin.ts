// The Plugin contract: typed hooks a user's .ts file implements. Plugins get a narrow context (no
// secrets, no runtime internals), run under a time budget, and their failures become clean errors.

import type { AdapterRequest, UpstreamReply, UpstreamRequest } from './adapter.ts';
import type { ChatChunk, JsonObject, JsonValue, Operation } from './canonical.ts';

export interface PluginLogger {
  info(message: string, fields?: Record<string, JsonValue>): void;
  warn(message: string, fields?: Record<string, JsonValue>): void;
  error(message: string, fields?: Record<string, JsonValue>): void;
}

/** What a hook may see about the request it runs in. */
export interface PluginContext<Options = JsonObject> {
  readonly requestId: string;
  /** The route path prefix the request came in on ('' for the default surface). */
  readonly route: string;
  /** Set after authentication. */
  readonly keyName?: string;
  readonly group?: string;
  /** The public model name the client asked for, once known. */
  readonly model?: string;
  /** The provider of the current attempt (provider-scope hooks only). */
  readonly provider?: string;
  readonly options: Readonly<Options>;
  readonly log: PluginLogger;
  /** Per-request scratch space shared by this plugin's hooks. */
  readonly state: Map<string, unknown>;
  /** Aborted when the client goes away. */
  readonly signal: AbortSignal;
}

/** The canonical request as plugins see it. */
export interface CanonicalRequestView {
  readonly operation: Operation;
  body: JsonObject;
}

/** One raw event of a streamed upstream reply (an SSE event: its `event:` name and `data:` text). */
export interface UpstreamStreamEvent {
  event?: string;
  data: string;
}

/** A final (non-stream) response as route plugins see it. */
export interface ResponseView {
  status: number;
  /** Response headers; set `content-type` here when you set `rawBody` to something other than JSON. */
  headers: Record<string, string>;
  body: JsonValue;
  /**
   * Exact text to send instead of `JSON.stringify(body)` (e.g. XML). Set it in the last plugin of the
   * chain: later plugins still see and may change `body`, but `rawBody`, once set, is what the client gets.
   */
  rawBody?: string;
}

/** An error about to be sent to a client; `body` is the OpenAI-shaped error object. */
export interface ErrorView {
  status: number;
  headers: Record<string, string>;
  body: JsonValue;
  /** Exact text to send instead of `JSON.stringify(body)` (see ResponseView.rawBody). */
  rawBody?: string;
}

type Maybe<T> = T | void | undefined | Promise<T | void | undefined>;

export interface PluginHooks<Options = JsonObject> {
  /**
   * Route scope, before auth: rewrite the inbound HTTP request, or answer it directly with a Response.
   * The request comes without the client's credentials (see `readsCredentials`); they are added back after.
   */
  onRequest?(request: Request, ctx: PluginContext<Options>): Maybe<Request | Response>;
  /** After auth and parsing: transform the canonical request body. */
  onCanonicalRequest?(request: CanonicalRequestView, ctx: PluginContext<Options>): Maybe<CanonicalRequestView>;
  /**
   * Provider scope: transform the HTTP request about to go upstream. It comes without the provider's
   * credentials (added after the hooks); the path, query, headers and body may change, the host may not.
   */
  onUpstreamRequest?(request: UpstreamRequest, ctx: PluginContext<Options> & { readonly adapterRequest: AdapterRequest }): Maybe<UpstreamRequest>;
  /** Provider scope: transform a buffered (non-stream) upstream reply; throw a GatewayError to fail it. */
  onUpstreamResponse?(reply: UpstreamReply, ctx: PluginContext<Options>): Maybe<UpstreamReply>;
  /**
   * Provider scope: one raw event of a streamed upstream reply, before the adapter decodes it (the stream
   * counterpart of onUpstreamResponse). Return a changed event, or `null` to drop it; throw a GatewayError to
   * fail the stream: before its first content the attempt fails (a retryable error fails over), after it the
   * client gets the error as the stream's error event. Synchronous.
   */
  onUpstreamStreamEvent?(event: UpstreamStreamEvent, ctx: PluginContext<Options>): UpstreamStreamEvent | null | void | undefined;
  /** Route scope: transform the final non-stream response. */
  onResponse?(response: ResponseView, ctx: PluginContext<Options>): Maybe<ResponseView>;
  /** Transform a stream chunk; return null to drop it. */
  onStreamEvent?(chunk: ChatChunk, ctx: PluginContext<Options>): ChatChunk | null | void | undefined;
  /** Route scope: reshape an error response. */
  onError?(error: ErrorView, ctx: PluginContext<Options>): Maybe<ErrorView>;
}

export interface Plugin<Options = JsonObject> extends PluginHooks<Options> {
  readonly name: string;
  /** JSON Schema for `plugins.<name>.options`; checked with ajv when the config loads. */
  readonly optionsSchema?: JsonObject;
  /** Time budget per async hook call in ms (default 2000). */
  readonly timeoutMs?: number;
  /**
   * Only for plugins that translate another API's way of sending keys (e.g. onebound's `?secret=`):
   * their onRequest sees the client's credentials. Every other plugin's onRequest gets the request
   * without Authorization, x-api-key, api-key, x-goog-api-key, ?key= and ?api_key=.
   */
  readonly readsCredentials?: boolean;
}

/** Identity helper that gives plugin files full type checking. */
export function definePlugin<Options = JsonObject>(plugin: Plugin<Options>): Plugin<Options> {
  return plugin;
}
