// The one module that calls fetch: per-attempt timeout until response headers, client-abort propagation
// (polled by client-watch.ts, not a listener per request), redirects refused, network faults classified for
// failover, buffered bodies bounded, and the connection slot (see connection-gate.ts) held until the answer
// has been read.

import type { UpstreamRequest } from '../contracts/adapter.ts';
import { GatewayError, errors } from '../contracts/errors.ts';
import type { Lease } from './connection-gate.ts';
import { ContentDecodingError, decodedResponse } from './decode-body.ts';
import { type Deadline, deadlines } from '../runtime/deadline-wheel.ts';
import { type Watched, clientWatch } from './client-watch.ts';

/**
 * Bun honours `decompress: false` (no Accept-Encoding is sent; decode-body.ts inflates what an upstream
 * compresses anyway, only as fast as it is read). A runtime that ignores the option (Deno) has already
 * inflated the body and keeps the Content-Encoding header: decoding again would fail every compressed answer.
 */
const FETCH_HONOURS_DECOMPRESS = typeof (globalThis as { Bun?: unknown }).Bun !== 'undefined';
const ownDecoding = (response: Response): Response => (FETCH_HONOURS_DECOMPRESS ? decodedResponse(response) : response);

export interface CallOptions {
  provider: string;
  timeoutMs: number;
  /** Aborted when the client goes away or the request is otherwise abandoned. */
  signal: AbortSignal;
  /** In-process upstream (mock adapter). */
  serveLocally?: (request: UpstreamRequest, signal: AbortSignal) => Promise<Response>;
  /** Connection slot released by finish() (or any abort of this attempt). */
  lease?: Lease;
  /** Largest body text() accepts, in bytes (default unlimited). */
  maxResponseBytes?: number;
}

export class ClientGone extends Error {
  constructor() {
    super('client disconnected');
    this.name = 'ClientGone';
  }
}

export interface UpstreamCall {
  response: Response;
  /** Aborts this attempt's upstream request (used on client disconnect and stream stalls). A method: bind it to pass it on. */
  abort(reason?: unknown): void;
  signal: AbortSignal;
  /**
   * Reads a buffered body as text under the same timeout (which keeps running after the headers, so
   * an upstream that stalls mid-body cannot hold the request forever), then stops the timer.
   */
  text(): Promise<string>;
  /** Stops the timeout: a stream's idle timer takes over. */
  stopTimer(): void;
  /** Did the timeout abort this attempt? */
  timedOut(): boolean;
  /** The answer has been read (or abandoned): stops the timer and frees the connection slot. Idempotent. */
  finish(): void;
}

export async function callUpstream(request: UpstreamRequest, options: CallOptions): Promise<UpstreamCall> {
  if (options.signal.aborted) {
    options.lease?.release();
    throw new ClientGone();
  }
  // One object per attempt holds its state and is itself what the client watch polls and what its deadline
  // calls; besides it, an attempt allocates its abort controller and its deadline entry (no closures).
  const call = new Attempt(options);
  try {
    const response = options.serveLocally
      ? await options.serveLocally(request, call.controller.signal)
      : ownDecoding(await fetch(request.url, {
          method: request.method,
          headers: request.headers,
          body: (request.body ?? undefined) as BodyInit | undefined,
          redirect: 'manual',
          signal: call.controller.signal,
          decompress: false, // see decode-body.ts: inflation stops where the reader stops
        }));
    if (response.status >= 300 && response.status < 400) {
      call.abort();
      throw errors.upstreamError(`Provider "${options.provider}" answered with a redirect (HTTP ${response.status}); the gateway does not follow redirects. Check providers.${options.provider}.base_url.`, response.status, true);
    }
    call.response = response;
    return call;
  } catch (err) {
    call.finish();
    if (err instanceof GatewayError) throw err;
    if (err instanceof ContentDecodingError) {
      call.abort(err);
      throw errors.upstreamInvalid(options.provider, `${err.message} (unsupported Content-Encoding)`);
    }
    if (options.signal.aborted) throw new ClientGone();
    if (call.timedOut()) throw errors.upstreamTimeout(options.provider, options.timeoutMs);
    if (invalidHttp(err)) throw errors.upstreamInvalid(options.provider, 'its HTTP framing is invalid');
    throw errors.upstreamError(`Could not reach provider "${options.provider}" (${networkReason(err)}).`, 'network', true);
  }
}

/** One attempt's state: its abort controller, its deadline, and what the client watch polls (itself). */
class Attempt implements UpstreamCall, Watched {
  readonly controller = new AbortController();
  response!: Response;
  #timer: Deadline | undefined;
  #timedOut = false;
  #finished = false;

  constructor(private readonly options: CallOptions) {
    // Watched until finish(): a client leaving mid-body must still abort the upstream.
    clientWatch.watch(this);
    this.#timer = deadlines.after(options.timeoutMs, this);
  }

  /** The attempt's timeout (called by the deadline wheel). */
  deadlineReached(): void {
    this.#timedOut = true;
    this.abort(new Error('timeout'));
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  get clientSignal(): AbortSignal {
    return this.options.signal;
  }

  /** The client went away (found by the client watch). */
  clientLeft(): void {
    this.abort(new ClientGone());
  }

  /** Every abort of this attempt goes through here, so it also finishes it (no listener on our own signal). */
  abort(reason?: unknown): void {
    this.controller.abort(reason);
    this.finish();
  }

  /** Idempotent: stops the timer, leaves the client watch, frees the connection slot. */
  finish(): void {
    if (this.#finished) return;
    this.#finished = true;
    this.#timer?.cancel();
    clientWatch.unwatch(this);
    this.options.lease?.release();
  }

  stopTimer(): void {
    this.#timer?.cancel();
  }

  timedOut(): boolean {
    return this.#timedOut;
  }

  async text(): Promise<string> {
    const options = this.options;
    try {
      return await readBounded(this.response, options.maxResponseBytes ?? Infinity, options.provider);
    } catch (err) {
      if (err instanceof GatewayError) {
        this.abort(err); // over the size cap: stop the upstream sending the rest
        throw err;
      }
      if (options.signal.aborted) throw new ClientGone();
      if (this.#timedOut) throw errors.upstreamTimeout(options.provider, options.timeoutMs, 'body');
      if (err instanceof ContentDecodingError || invalidHttp(err)) throw errors.upstreamInvalid(options.provider, err instanceof ContentDecodingError ? err.message : 'its HTTP framing is invalid');
      throw errors.upstreamError(`Provider "${options.provider}" cut the connection while sending its answer (${networkReason(err)}).`, 'network', true);
    } finally {
      this.finish();
    }
  }
}

/**
 * The body as text, refused (upstream_invalid_response) once it exceeds `max` bytes. An honest
 * Content-Length (no content coding) is checked up front and read natively; other bodies are counted as
 * they arrive, so an endless or oversized body never grows memory past the cap. Not async itself: the common
 * case hands back the runtime's own text() promise, without a frame and a promise of ours around it.
 */
function readBounded(response: Response, max: number, provider: string): Promise<string> {
  if (max === Infinity) return response.text();
  const length = Number(response.headers.get('content-length') ?? NaN);
  const plain = !response.headers.has('content-encoding');
  if (plain && Number.isFinite(length)) {
    if (length <= max) return response.text();
    response.body?.cancel().catch(() => {});
    throw tooLarge(provider, max);
  }
  return readCounted(response, max, provider);
}

function tooLarge(provider: string, max: number): GatewayError {
  return errors.upstreamInvalid(provider, `the answer is larger than ${max} bytes (max_response_bytes)`);
}

/** A body without an honest length, counted chunk by chunk against the cap. */
async function readCounted(response: Response, max: number, provider: string): Promise<string> {
  if (!response.body) return '';
  const reader = response.body.getReader();
  const parts: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) {
      reader.cancel().catch(() => {});
      throw tooLarge(provider, max);
    }
    parts.push(value);
  }
  if (parts.length === 1) return new TextDecoder().decode(parts[0]);
  const all = new Uint8Array(size);
  let at = 0;
  for (const p of parts) {
    all.set(p, at);
    at += p.byteLength;
  }
  return new TextDecoder().decode(all);
}

/** Bun's error for a reply that breaks HTTP framing (bad chunk sizes, a garbled status line). */
function invalidHttp(err: unknown): boolean {
  return (err as { code?: string }).code === 'InvalidHTTPResponse';
}

function networkReason(err: unknown): string {
  const code = (err as { code?: string }).code;
  if (code === 'ConnectionRefused' || code === 'ECONNREFUSED') return 'connection refused';
  if (code === 'ECONNRESET' || code === 'ConnectionClosed') return 'connection reset';
  if (code === 'ENOTFOUND' || code === 'DNSException') return 'host not found';
  return code ? code.toLowerCase() : 'network error';
}
