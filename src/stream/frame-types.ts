// The shared shapes of stream framing: one frame event per SSE event / NDJSON line / event-stream
// message, the bound on a buffered frame, and the error a framer raises for a frame it refuses.

export interface FrameEvent {
  event?: string;
  data: string;
}

/** Feeds body bytes in, returns the complete frames they finished (in order). */
export interface Framer {
  push(bytes: Uint8Array): FrameEvent[];
  /** The body ended: any complete trailing frame (an incomplete one is dropped). */
  end(): FrameEvent[];
}

/** The largest frame the gateway buffers (a bigger one is an invalid upstream reply). */
export const MAX_FRAME_BYTES = 8 * 1024 * 1024;

/** Thrown by a framer for a frame it cannot accept (oversized, corrupt). */
export class FramingError extends Error {}
