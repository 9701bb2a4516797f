// AWS event-stream framing (Bedrock ConverseStream): binary messages, each a 12-byte prelude (total
// length, headers length, prelude CRC), headers, payload and a message CRC. Bytes are kept as pieces
// until a whole message is present (at most MAX_FRAME_BYTES), joined once, and @smithy/core's
// EventStreamCodec decodes each message, checking both CRCs. A message becomes `{event, data}`: event is the :event-type header (for
// exceptions the :exception-type, for errors the :error-code), data the payload as UTF-8 text (for
// errors the :error-message header).

import { EventStreamCodec } from '@smithy/core/event-streams';
import { type FrameEvent, type Framer, FramingError, MAX_FRAME_BYTES } from './frame-types.ts';

const PRELUDE_BYTES = 12;
const utf8 = new TextDecoder();
const encoder = new TextEncoder();
const codec = new EventStreamCodec((bytes) => utf8.decode(bytes), (text) => encoder.encode(text));

export class EventStreamFramer implements Framer {
  /** Bytes of the incomplete next message, in pieces (joined once the whole message is here). */
  private pieces: Uint8Array[] = [];
  private length = 0;

  constructor(private readonly max = MAX_FRAME_BYTES) {}

  push(bytes: Uint8Array): FrameEvent[] {
    const checked = (total: number) => checkedLength(total, this.max);
    this.pieces.push(bytes.slice());
    this.length += bytes.byteLength;
    if (this.length < PRELUDE_BYTES || this.length < checked(this.declaredLength())) return [];
    const all = this.pieces.length === 1 ? this.pieces[0] : concat(this.pieces, this.length);
    const out: FrameEvent[] = [];
    let offset = 0;
    while (all.byteLength - offset >= PRELUDE_BYTES) {
      const total = checked(new DataView(all.buffer, all.byteOffset + offset, 4).getUint32(0));
      if (all.byteLength - offset < total) break;
      out.push(toEvent(all.subarray(offset, offset + total)));
      offset += total;
    }
    const rest = all.slice(offset);
    this.pieces = rest.byteLength ? [rest] : [];
    this.length = rest.byteLength;
    return out;
  }

  end(): FrameEvent[] {
    this.pieces = [];
    this.length = 0;
    return [];
  }

  /** The message's total length: the first 4 bytes, big-endian, wherever the pieces split them. */
  private declaredLength(): number {
    let value = 0;
    let read = 0;
    for (const piece of this.pieces) {
      for (let i = 0; i < piece.byteLength && read < 4; i++, read++) value = value * 256 + piece[i];
      if (read === 4) break;
    }
    return value;
  }
}

function checkedLength(total: number, max: number): number {
  if (total < PRELUDE_BYTES + 4 || total > max) throw new FramingError(`an event-stream message declared ${total} bytes (at most ${max}, max_event_bytes)`);
  return total;
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

function concat(pieces: Uint8Array[], length: number): Uint8Array {
  const out = new Uint8Array(length);
  let at = 0;
  for (const piece of pieces) {
    out.set(piece, at);
    at += piece.byteLength;
  }
  return out;
}
