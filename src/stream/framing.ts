// Stream framing: turns the bytes of a streamed upstream body into the events a StreamDecoder takes
// ({event?, data}), whatever the wire framing: SSE (eventsource-parser), NDJSON lines, or AWS
// event-stream messages. Every framer keeps at most one incomplete frame, bounded by MAX_FRAME_BYTES.

export type { FrameEvent, Framer } from './frame-types.ts';
export { FramingError } from './frame-types.ts';

import { createParser } from 'eventsource-parser';
import type { Adapter } from '../contracts/adapter.ts';
import { EventStreamFramer } from './eventstream-framer.ts';
import { type FrameEvent, type Framer, FramingError, MAX_FRAME_BYTES } from './frame-types.ts';
import { NdjsonFramer } from './ndjson-framer.ts';

export type StreamFraming = NonNullable<Adapter['streamFraming']>;

class SseFramer implements Framer {
  private readonly text = new TextDecoder();
  private out: FrameEvent[] = [];
  private pending = 0;
  private readonly parser = createParser({
    onEvent: (event) => {
      this.pending = 0;
      this.out.push({ event: event.event, data: event.data });
    },
    onComment: () => {
      this.pending = 0;
    },
  });

  push(bytes: Uint8Array): FrameEvent[] {
    this.pending += bytes.byteLength;
    if (this.pending > MAX_FRAME_BYTES) throw new FramingError(`an SSE event exceeded ${MAX_FRAME_BYTES} bytes`);
    this.parser.feed(this.text.decode(bytes, { stream: true }));
    return this.take();
  }

  end(): FrameEvent[] {
    this.parser.feed(this.text.decode() + '\n\n');
    return this.take();
  }

  private take(): FrameEvent[] {
    const out = this.out;
    this.out = [];
    return out;
  }
}

export function createFramer(framing: StreamFraming = 'sse'): Framer {
  if (framing === 'ndjson') return new NdjsonFramer();
  if (framing === 'aws-eventstream') return new EventStreamFramer();
  return new SseFramer();
}

/** Does a 2xx reply's content type carry a stream in this framing? */
export function isStreamContentType(framing: StreamFraming = 'sse', contentType: string): boolean {
  if (framing === 'ndjson') return contentType.includes('application/x-ndjson');
  if (framing === 'aws-eventstream') return contentType.includes('application/vnd.amazon.eventstream');
  return contentType.includes('text/event-stream');
}
