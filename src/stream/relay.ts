// The relay: turns an upstream SSE source into the client's stream without buffering. Each upstream
// step is transformed (plugins), framed and enqueued as soon as it arrives. The outcome (usage,
// completion text, whether it completed) is reported exactly once, also when the client leaves.

import type { ChatChunk, Usage } from '../contracts/canonical.ts';
import { GatewayError, errors, isGatewayError } from '../contracts/errors.ts';
import type { ChunkEncoder, StreamMeta } from './encoders.ts';
import type { StepSource } from './sse-source.ts';

export interface StreamOutcome {
  usage?: Usage;
  /** Text the client received (content, reasoning and tool arguments), for token estimation. */
  completionText: string;
  /** Finished properly (a finish reason or end marker, and the client got the end). */
  completed: boolean;
  /** The client disconnected before the end. */
  clientGone: boolean;
  error?: GatewayError;
  /** ms timestamp when the first content chunk was sent. */
  firstChunkAt?: number;
}

export interface RelayOptions {
  source: StepSource;
  primed: { chunks: ChatChunk[]; usage?: Usage; done: boolean; ended: boolean; error?: GatewayError };
  encoder: ChunkEncoder;
  /** Plugin transforms; returns null to drop a chunk. May throw a GatewayError. */
  transform?: (chunk: ChatChunk) => ChatChunk | null;
  onFinish: (outcome: StreamOutcome) => void;
  /** Usage to show the client when the upstream reported none (a js-tiktoken estimate). */
  estimateUsage?: (completionText: string) => Usage | undefined;
}

const encoder = new TextEncoder();

export function relayStream(opts: RelayOptions): ReadableStream<Uint8Array> {
  const texts: string[] = [];
  let usage = opts.primed.usage;
  let sawFinish = false;
  let upstreamDone = opts.primed.done;
  let firstChunkAt: number | undefined;
  let meta: StreamMeta = { id: 'chatcmpl-switchyard', model: '', created: Math.floor(Date.now() / 1000) };
  let reported = false;
  let pending: { chunks: ChatChunk[]; ended: boolean; error?: GatewayError } | undefined = opts.primed;

  const report = (outcome: Omit<StreamOutcome, 'usage' | 'completionText' | 'firstChunkAt'>) => {
    if (reported) return;
    reported = true;
    opts.onFinish({ ...outcome, usage, completionText: texts.join(''), firstChunkAt });
  };

  const frame = (chunks: ChatChunk[]): string => {
    let out = '';
    for (const raw of chunks) {
      const chunk = opts.transform ? opts.transform(raw) : raw;
      if (!chunk) continue;
      if (!firstChunkAt) {
        firstChunkAt = Date.now();
        meta = { id: chunk.id ?? meta.id, model: chunk.model ?? meta.model, created: chunk.created ?? meta.created };
      }
      for (const choice of chunk.choices ?? []) {
        const d = choice.delta;
        if (d) {
          if (typeof d.content === 'string') texts.push(d.content);
          if (typeof d.reasoning_content === 'string') texts.push(d.reasoning_content);
          for (const tc of d.tool_calls ?? []) texts.push(tc.function?.name ?? '', tc.function?.arguments ?? '');
        }
        if (choice.finish_reason) sawFinish = true;
      }
      out += opts.encoder.chunk(chunk);
    }
    return out;
  };

  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        for (;;) {
          const step = pending ?? (await opts.source.next());
          pending = undefined;
          if ('usage' in step && step.usage) usage = step.usage;
          if ('done' in step && step.done) upstreamDone = true;
          let out = frame(step.chunks);
          if (step.error) {
            out += opts.encoder.error(step.error);
            controller.enqueue(encoder.encode(out));
            controller.close();
            opts.source.cancel();
            return report({ completed: false, clientGone: false, error: step.error });
          }
          if (step.ended) {
            if (upstreamDone || sawFinish) {
              out += opts.encoder.finish(usage ?? opts.estimateUsage?.(texts.join('')), meta);
              controller.enqueue(encoder.encode(out));
              controller.close();
              return report({ completed: true, clientGone: false });
            }
            const cut = errors.upstreamError('The provider ended the stream before it finished; the answer is incomplete.', 'network', false);
            controller.enqueue(encoder.encode(out + opts.encoder.error(cut)));
            controller.close();
            return report({ completed: false, clientGone: false, error: cut });
          }
          if (out) {
            controller.enqueue(encoder.encode(out));
            return;
          }
        }
      } catch (err) {
        const gwErr = isGatewayError(err) ? err : errors.upstreamError('The stream failed inside the gateway.', undefined, false);
        try {
          controller.enqueue(encoder.encode(opts.encoder.error(gwErr)));
          controller.close();
        } catch {
          // the client is already gone
        }
        opts.source.cancel();
        report({ completed: false, clientGone: false, error: gwErr });
      }
    },
    cancel(reason) {
      opts.source.cancel(reason);
      report({ completed: false, clientGone: true });
    },
  });
}
