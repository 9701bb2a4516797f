// NDJSON framing (Ollama's streams): one JSON document per line; each non-blank line becomes one
// `{data: line}` event. A line split across reads is kept until its newline, up to MAX_FRAME_BYTES.

import { type FrameEvent, type Framer, FramingError, MAX_FRAME_BYTES } from './frame-types.ts';

export class NdjsonFramer implements Framer {
  private readonly text = new TextDecoder();
  private partial = '';

  push(bytes: Uint8Array): FrameEvent[] {
    const chunk = this.text.decode(bytes, { stream: true });
    const lines = (this.partial + chunk).split('\n');
    this.partial = lines.pop() ?? '';
    // Characters, not bytes: a UTF-16 length never undercounts the bytes of what it holds by > 3x.
    if (this.partial.length > MAX_FRAME_BYTES) throw new FramingError(`an NDJSON line exceeded ${MAX_FRAME_BYTES} bytes`);
    return events(lines);
  }

  end(): FrameEvent[] {
    const rest = this.partial + this.text.decode();
    this.partial = '';
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
