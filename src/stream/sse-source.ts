// Reads a streamed upstream body (SSE by default; NDJSON or AWS event-stream through a Framer) and
// runs each event through the adapter's stream decoder, one step at a time. Handles stalls (idle
// timeout), cut connections and frames the framer refuses (oversized or corrupt).

import type { StreamDecoder, StreamStep } from '../contracts/adapter.ts';
import { errors } from '../contracts/errors.ts';
import { type FrameEvent, type Framer, createFramer } from './framing.ts';

type ReadResult = Awaited<ReturnType<ReadableStreamDefaultReader<Uint8Array>['read']>>;

export interface SourceStep extends StreamStep {
  /** The upstream body has ended (cleanly or not); no more steps follow. */
  ended?: boolean;
}

/** A pull-based source of decoded stream steps (an upstream SSE body, or an emulated stream). */
export interface StepSource {
  next(): Promise<SourceStep>;
  cancel(reason?: unknown): void;
}

export class SseSource implements StepSource {
  private readonly reader: ReadableStreamDefaultReader<Uint8Array>;
  private readonly queue: FrameEvent[] = [];
  private ended = false;

  constructor(
    body: ReadableStream<Uint8Array>,
    private readonly decoder: StreamDecoder,
    private readonly provider: string,
    private readonly idleTimeoutMs: number,
    private readonly abortUpstream: (reason?: unknown) => void,
    private readonly framer: Framer = createFramer('sse'),
  ) {
    this.reader = body.getReader();
  }

  /** The next decoded step; `ended` marks the last one. */
  async next(): Promise<SourceStep> {
    if (this.ended) return { chunks: [], ended: true };
    for (;;) {
      const event = this.queue.shift();
      if (event) return this.decoder.push({ event: event.event, data: event.data });
      let result: ReadResult;
      try {
        result = await this.readWithIdleTimeout();
      } catch (err) {
        this.ended = true;
        const stalled = err instanceof StallError;
        if (stalled) this.abortUpstream(err);
        const last = this.decoder.end();
        return {
          ...last,
          ended: true,
          done: false,
          error: stalled
            ? errors.upstreamTimeout(this.provider, this.idleTimeoutMs)
            : errors.upstreamError(`Provider "${this.provider}" cut the stream before it finished.`, 'network', true),
        };
      }
      if (result.done) {
        this.queue.push(...this.framer.end());
        const tail = this.queue.splice(0).map((e) => this.decoder.push({ event: e.event, data: e.data }));
        this.ended = true;
        const last = this.decoder.end();
        const chunks = [...tail.flatMap((s) => s.chunks), ...last.chunks];
        const usage = last.usage ?? tail.reverse().find((s) => s.usage)?.usage;
        const error = tail.find((s) => s.error)?.error ?? last.error;
        return { chunks, usage, done: last.done || tail.some((s) => s.done), error, ended: true };
      }
      try {
        this.queue.push(...this.framer.push(result.value));
      } catch {
        this.ended = true;
        this.abortUpstream(new Error('unreadable stream frame'));
        this.reader.cancel().catch(() => {});
        return { ...this.decoder.end(), ended: true, done: false, error: errors.upstreamInvalid(this.provider, 'a stream frame was oversized or corrupt') };
      }
    }
  }

  /** Stops reading and releases the upstream body. */
  cancel(reason?: unknown): void {
    this.ended = true;
    this.abortUpstream(reason);
    this.reader.cancel(reason).catch(() => {});
  }

  private readWithIdleTimeout(): Promise<ReadResult> {
    if (this.idleTimeoutMs <= 0) return this.reader.read();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const stall = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new StallError()), this.idleTimeoutMs);
    });
    return Promise.race([this.reader.read(), stall]).finally(() => clearTimeout(timer));
  }
}

class StallError extends Error {
  constructor() {
    super('upstream stream stalled');
  }
}
