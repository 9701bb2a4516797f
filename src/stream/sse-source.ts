// Reads an upstream SSE body with eventsource-parser and runs each event through the adapter's
// stream decoder, one step at a time. Handles stalls (idle timeout) and cut connections.

import { createParser, type EventSourceMessage } from 'eventsource-parser';
import type { StreamDecoder, StreamStep } from '../contracts/adapter.ts';
import { errors } from '../contracts/errors.ts';

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
  private readonly text = new TextDecoder();
  private readonly queue: EventSourceMessage[] = [];
  private readonly parser = createParser({ onEvent: (event) => this.queue.push(event) });
  private ended = false;

  constructor(
    body: ReadableStream<Uint8Array>,
    private readonly decoder: StreamDecoder,
    private readonly provider: string,
    private readonly idleTimeoutMs: number,
    private readonly abortUpstream: (reason?: unknown) => void,
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
        this.parser.feed('\n\n');
        const tail = this.queue.splice(0).map((e) => this.decoder.push({ event: e.event, data: e.data }));
        this.ended = true;
        const last = this.decoder.end();
        const chunks = [...tail.flatMap((s) => s.chunks), ...last.chunks];
        const usage = last.usage ?? tail.reverse().find((s) => s.usage)?.usage;
        const error = tail.find((s) => s.error)?.error ?? last.error;
        return { chunks, usage, done: last.done || tail.some((s) => s.done), error, ended: true };
      }
      this.parser.feed(this.text.decode(result.value, { stream: true }));
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
