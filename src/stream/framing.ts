// Stream framing: turns the bytes of a streamed upstream body into the events a StreamDecoder takes
// ({event?, data}), whatever the wire framing: SSE (eventsource-parser), NDJSON lines, or AWS
// event-stream messages. Every framer keeps at most one incomplete frame, bounded by `maxFrameBytes`
// (the provider's max_event_bytes; MAX_FRAME_BYTES by default). A body labelled SSE whose first line is
// no SSE field (an HTML page, a JSON error) is refused at once. SSE bytes count against the bound from the
// last event dispatched: comment lines between an event's data lines do not reset it (the event's data is
// still held). Bare CR and CRLF line ends are turned into LF before the parser sees them: eventsource-parser
// searches the rest of its input for LF once per CR-ended line, so a flood of CRs cost it quadratic time
// (512 KiB of them: 1.3 s of the event loop).

export type { FrameEvent, Framer } from './frame-types.ts';
export { FramingError } from './frame-types.ts';

import { createParser } from 'eventsource-parser';
import type { Adapter } from '../contracts/adapter.ts';
import { EventStreamFramer } from './eventstream-framer.ts';
import { type FrameEvent, type Framer, FramingError, MAX_FRAME_BYTES } from './frame-types.ts';
import { NdjsonFramer } from './ndjson-framer.ts';

export type StreamFraming = NonNullable<Adapter['streamFraming']>;

const CR_LINE_END = /\r\n?/g;

class SseFramer implements Framer {
  private readonly text = new TextDecoder();
  private out: FrameEvent[] = [];
  private pending = 0;
  private events = 0;
  private notSse = false;
  /** The last input ended in CR (turned into LF): an LF opening the next one is the rest of a CRLF. */
  private skipLf = false;
  private readonly parser = createParser({
    onEvent: (event) => {
      this.pending = 0;
      this.events += 1;
      this.out.push({ event: event.event, data: event.data });
    },
    onError: (err) => {
      if (err.type === 'unknown-field' && this.events === 0) this.notSse = true;
    },
  });

  constructor(private readonly max: number) {}

  push(bytes: Uint8Array): FrameEvent[] {
    this.pending += bytes.byteLength;
    if (this.pending > this.max) throw new FramingError(`an SSE event is larger than ${this.max} bytes (max_event_bytes)`);
    this.parser.feed(this.lf(this.text.decode(bytes, { stream: true })));
    if (this.notSse) throw new FramingError('the event stream is not server-sent events');
    return this.take();
  }

  end(): FrameEvent[] {
    this.parser.feed(this.lf(this.text.decode()) + '\n\n');
    return this.take();
  }

  /** The text with every line end as LF (linear; no copy when it holds no CR). */
  private lf(text: string): string {
    if (this.skipLf) {
      this.skipLf = false;
      if (text.charCodeAt(0) === 10) text = text.slice(1);
    }
    if (text.indexOf('\r') < 0) return text;
    if (text.charCodeAt(text.length - 1) === 13) this.skipLf = true;
    return text.replace(CR_LINE_END, '\n');
  }

  private take(): FrameEvent[] {
    const out = this.out;
    this.out = [];
    return out;
  }
}

export function createFramer(framing: StreamFraming = 'sse', maxFrameBytes = MAX_FRAME_BYTES): Framer {
  if (framing === 'ndjson') return new NdjsonFramer(maxFrameBytes);
  if (framing === 'aws-eventstream') return new EventStreamFramer(maxFrameBytes);
  return new SseFramer(maxFrameBytes);
}

/** Does a 2xx reply's content type carry a stream in this framing? */
export function isStreamContentType(framing: StreamFraming = 'sse', contentType: string): boolean {
  if (framing === 'ndjson') return contentType.includes('application/x-ndjson');
  if (framing === 'aws-eventstream') return contentType.includes('application/vnd.amazon.eventstream');
  return contentType.includes('text/event-stream');
}
