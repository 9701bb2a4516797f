// Client-side stream framing. The OpenAI encoder writes `data:` frames (an unchanged chunk decoded from an
// OpenAI-shaped event as the upstream wrote it, WIRE_JSON), the usage chunk (only for clients that asked) and
// `[DONE]`; an error ends the stream with one error frame and no [DONE].

import type { ChatChunk, Usage } from '../contracts/canonical.ts';
import { WIRE_JSON, usageToWire } from '../contracts/canonical.ts';
import type { GatewayError } from '../contracts/errors.ts';

export interface StreamMeta {
  id: string;
  model: string;
  created: number;
}

export interface ChunkEncoder {
  readonly contentType: string;
  chunk(chunk: ChatChunk): string;
  /**
   * The usage the upstream reported so far, handed over before the chunks of the step that carried it (the
   * Anthropic surface puts the upstream's early input count in message_start). Optional: most encoders only
   * need the final usage, given to finish().
   */
  usage?(usage: Usage): void;
  /** The stream completed: optional usage chunk, then the end marker. */
  finish(usage: Usage | undefined, meta: StreamMeta): string;
  /** The stream failed after it started. */
  error(err: GatewayError): string;
}

export function openAIEncoder(includeUsage: boolean, object: 'chat.completion.chunk' | 'text_completion' = 'chat.completion.chunk'): ChunkEncoder {
  return {
    contentType: 'text/event-stream; charset=utf-8',
    chunk: (c) => `data: ${c[WIRE_JSON] ?? JSON.stringify(c)}\n\n`, // the upstream's own text when unchanged (canonical.ts)
    finish(usage, meta) {
      const usageFrame = includeUsage && usage
        ? `data: ${JSON.stringify({ id: meta.id, object, created: meta.created, model: meta.model, choices: [], usage: usageToWire(usage) })}\n\n`
        : '';
      return `${usageFrame}data: [DONE]\n\n`;
    },
    error: (err) => `data: ${JSON.stringify(err.toBody())}\n\n`,
  };
}
