// AWS event-stream framing (Bedrock ConverseStream): binary messages, each a 12-byte prelude (total
// length, headers length, prelude CRC), headers, payload and a message CRC. Bytes are collected until a
// whole message is present (at most MAX_FRAME_BYTES), then @smithy/core's EventStreamCodec decodes it,
// checking both CRCs. A message becomes `{event, data}`: event is the :event-type header (for
// exceptions the :exception-type, for errors the :error-code), data the payload as UTF-8 text (for
// errors the :error-message header).

import { EventStreamCodec } from '@smithy/core/event-streams';
import { type FrameEvent, type Framer, FramingError, MAX_FRAME_BYTES } from './frame-types.ts';

const PRELUDE_BYTES = 12;
const utf8 = new TextDecoder();
const encoder = new TextEncoder();
const codec = new EventStreamCodec((bytes) => utf8.decode(bytes), (text) => encoder.encode(text));

export class EventStreamFramer implements Framer {
  private buffer: Uint8Array = new Uint8Array(0);

  push(bytes: Uint8Array): FrameEvent[] {
    this.buffer = this.buffer.byteLength === 0 ? bytes.slice() : concat(this.buffer, bytes);
    const out: FrameEvent[] = [];
    for (;;) {
      if (this.buffer.byteLength < PRELUDE_BYTES) break;
      const total = new DataView(this.buffer.buffer, this.buffer.byteOffset, 4).getUint32(0);
      if (total < PRELUDE_BYTES + 4 || total > MAX_FRAME_BYTES) throw new FramingError(`an event-stream message declared ${total} bytes`);
      if (this.buffer.byteLength < total) break;
      out.push(toEvent(this.buffer.subarray(0, total)));
      this.buffer = this.buffer.slice(total);
    }
    return out;
  }

  end(): FrameEvent[] {
    this.buffer = new Uint8Array(0);
    return [];
  }
}

function toEvent(message: Uint8Array): FrameEvent {
  let decoded;
  try {
    decoded = codec.decode(message);
  } catch {
    throw new FramingError('an event-stream message failed its checksum or could not be decoded');
  }
  const header = (name: string): string | undefined => {
    const value = decoded.headers[name];
    return value && value.type === 'string' ? value.value : undefined;
  };
  const type = header(':message-type') ?? 'event';
  if (type === 'error') return { event: header(':error-code') ?? 'error', data: header(':error-message') ?? '' };
  const event = type === 'exception' ? header(':exception-type') ?? 'exception' : header(':event-type');
  return { event, data: utf8.decode(decoded.body) };
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.byteLength + b.byteLength);
  out.set(a, 0);
  out.set(b, a.byteLength);
  return out;
}
