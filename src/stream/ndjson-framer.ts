// NDJSON framing (Ollama's streams): one JSON document per line; each non-blank line becomes one
// `{data: line}` event. A line split across reads is kept until its newline, up to MAX_FRAME_BYTES.

import { type FrameEvent, type Framer, FramingError, MAX_FRAME_BYTES } from './frame-types.ts';

export class NdjsonFramer implements Framer {
  private readonly text = new TextDecoder();
  /** The incomplete last line, in pieces (joined once its newline arrives: no quadratic copying). */
  private pieces: string[] = [];
  private pending = 0;

  constructor(private readonly max = MAX_FRAME_BYTES) {}

  push(bytes: Uint8Array): FrameEvent[] {
    const chunk = this.text.decode(bytes, { stream: true });
    const lines: string[] = [];
    let start = 0;
    for (let nl = chunk.indexOf('\n'); nl !== -1; nl = chunk.indexOf('\n', start)) {
      this.pieces.push(chunk.slice(start, nl));
      lines.push(this.pieces.join(''));
      this.pieces = [];
      this.pending = 0;
      start = nl + 1;
    }
    if (start < chunk.length) {
      this.pieces.push(chunk.slice(start));
      this.pending += chunk.length - start;
    }
    // Characters, not bytes: a UTF-16 length never undercounts the bytes of what it holds by > 3x.
    if (this.pending > this.max) throw new FramingError(`an NDJSON line is larger than ${this.max} bytes (max_event_bytes)`);
    return events(lines);
  }

  end(): FrameEvent[] {
    const rest = this.pieces.join('') + this.text.decode();
    this.pieces = [];
    this.pending = 0;
    return events([rest]);
  }
}

function events(lines: string[]): FrameEvent[] {
  const out: FrameEvent[] = [];
  for (const line of lines) {
    const data = line.endsWith('\r') ? line.slice(0, -1) : line;
    if (data.trim() !== '') out.push({ data });
  }
  return out;
}
