// Reads a streamed upstream body (SSE by default; NDJSON or AWS event-stream through a Framer) and
// runs each event through the adapter's stream decoder, one step at a time. Handles stalls (idle
// timeout), cut connections and frames the framer refuses (oversized, corrupt, not SSE at all), runs
// provider plugins' onUpstreamStreamEvent on each event before the decoder (transformEvent), and
// ends the answer at the upstream's end marker ([DONE], message_stop) even when the upstream then keeps
// the connection open (the rest of the body is drained in the background, end-drain.ts).

import type { StreamDecoder, StreamStep } from '../contracts/adapter.ts';
import { UPSTREAM_MAX_DEPTH, upstreamTooDeep } from '../http/json-depth.ts';
import { type GatewayError, errors, isGatewayError } from '../contracts/errors.ts';
import { type FrameEvent, type Framer, FramingError, createFramer } from './framing.ts';
import { ReadWatchdog, StreamStalled } from './read-watchdog.ts';
import { drainAfterEnd } from './end-drain.ts';

type ReadResult = Awaited<ReturnType<ReadableStreamDefaultReader<Uint8Array>['read']>>;

export interface SourceStep extends StreamStep {
  /** The upstream body has ended (cleanly or not); no more steps follow. */
  ended?: boolean;
}

/** A pull-based source of decoded stream steps (an upstream SSE body, or an emulated stream). */
export interface StepSource {
  next(): Promise<SourceStep>;
  cancel(reason?: unknown): void;
  /** A step is ready without waiting for the upstream (events that arrived together): the relay writes them as one. */
  readonly buffered?: boolean;
}

export interface SseSourceOptions {
  provider: string;
  idleTimeoutMs: number;
  /** Aborts the upstream request (stall, refused frame, end marker, cancel). */
  abortUpstream: (reason?: unknown) => void;
  /** Called once when the body is no longer read (frees the connection slot). */
  onClose?: () => void;
  /** The body's framing, bounded by the provider's max_event_bytes (default: SSE, 8 MiB). */
  framer?: Framer;
  /**
   * Provider plugins' onUpstreamStreamEvent, run on each event before the decoder: may change or drop (null)
   * it; a GatewayError it throws becomes the step's error (an upstream failure like an error event).
   */
  transformEvent?: (event: FrameEvent) => FrameEvent | null;
}

export class SseSource implements StepSource {
  private readonly reader: ReadableStreamDefaultReader<Uint8Array>;
  private readonly queue: FrameEvent[] = [];
  private readonly framer: Framer;
  private ended = false;
  /** The idle timeout (read-watchdog.ts); undefined without one. */
  private readonly watchdog: ReadWatchdog | undefined;

  constructor(body: ReadableStream<Uint8Array>, private readonly decoder: StreamDecoder, private readonly opts: SseSourceOptions) {
    this.reader = body.getReader();
    this.framer = opts.framer ?? createFramer('sse');
    if (opts.idleTimeoutMs > 0) this.watchdog = new ReadWatchdog(opts.idleTimeoutMs);
  }

  get buffered(): boolean {
    return !this.ended && this.queue.length > 0;
  }

  /** The next decoded step; `ended` marks the last one. */
  async next(): Promise<SourceStep> {
    if (this.ended) return { chunks: [], ended: true };
    for (;;) {
      const event = this.queue.shift();
      if (event) {
        const step = this.decode(event);
        // The end marker: the answer is complete, whatever the upstream does with the connection now.
        if (step.done && !step.error) return this.finishAt(step);
        return step;
      }
      let result: ReadResult;
      try {
        result = await (this.watchdog ? this.watchdog.read(this.reader) : this.reader.read());
      } catch (err) {
        const stalled = err instanceof StreamStalled;
        if (stalled) this.opts.abortUpstream(err);
        return this.fail(stalled
          ? errors.upstreamTimeout(this.opts.provider, this.opts.idleTimeoutMs, 'stream')
          : errors.upstreamError(`Provider "${this.opts.provider}" cut the stream before it finished.`, 'network', true));
      }
      if (result.done) {
        this.queue.push(...this.framer.end());
        const tail = this.queue.splice(0).map((e) => this.decode(e));
        this.close();
        const last = this.decoder.end();
        const chunks = [...tail.flatMap((s) => s.chunks), ...last.chunks];
        const usage = last.usage ?? tail.reverse().find((s) => s.usage)?.usage;
        const error = tail.find((s) => s.error)?.error ?? last.error;
        return { chunks, usage, done: last.done || tail.some((s) => s.done), error, ended: true };
      }
      let frames: FrameEvent[];
      try {
        frames = this.framer.push(result.value);
      } catch (err) {
        const detail = err instanceof FramingError ? err.message : 'a stream frame was oversized or corrupt';
        return this.fail(errors.upstreamInvalid(this.opts.provider, detail));
      }
      this.queue.push(...frames);
    }
  }

  /**
   * One event through the adapter's decoder. The decoder reads what the upstream sent, so an event it cannot
   * read is the upstream's unreadable answer (as for a non-stream reply): one nested deeper than the gateway
   * re-serialises safely, or one the decoder throws on (`data: null` where an object was due). The step then
   * carries upstream_invalid_response: failed over before the first byte, an error event after it.
   */
  private decode(event: FrameEvent): StreamStep {
    const provider = this.opts.provider;
    if (upstreamTooDeep(event.data)) return { chunks: [], error: errors.upstreamInvalid(provider, `a stream event is nested more than ${UPSTREAM_MAX_DEPTH} levels deep`) };
    if (this.opts.transformEvent) {
      try {
        const out = this.opts.transformEvent(event);
        if (out === null) return { chunks: [] };
        event = out;
      } catch (err) {
        return { chunks: [], error: isGatewayError(err) ? err : errors.upstreamInvalid(provider, 'a provider plugin failed on a stream event') };
      }
    }
    try {
      return this.decoder.push({ event: event.event, data: event.data });
    } catch {
      return { chunks: [], error: errors.upstreamInvalid(provider, 'a stream event could not be decoded') };
    }
  }

  /** Stops reading and releases the upstream body. */
  cancel(reason?: unknown): void {
    this.opts.abortUpstream(reason);
    this.reader.cancel(reason).catch(() => {});
    this.close();
  }

  /** Ends the source with an error: the upstream is aborted and what the decoder holds is flushed. */
  private fail(error: GatewayError): SourceStep {
    this.cancel(error);
    return { ...this.decoder.end(), ended: true, done: false, error };
  }

  /**
   * The upstream sent its end marker: the answer ends here. The attempt is finished now (its connection slot
   * freed, as before the drain), and the rest of the body is drained in the background (end-drain.ts).
   */
  private finishAt(step: StreamStep): SourceStep {
    if (!this.ended) {
      this.close();
      drainAfterEnd(this.reader, this.opts.abortUpstream);
    }
    const last = this.decoder.end();
    return { chunks: [...step.chunks, ...last.chunks], usage: last.usage ?? step.usage, done: true, error: last.error, ended: true };
  }

  private close(): void {
    if (this.ended) return;
    this.ended = true;
    this.watchdog?.stop();
    this.opts.onClose?.();
  }
}
