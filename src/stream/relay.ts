// The relay: turns an upstream SSE source into the client's stream without buffering. Each upstream
// step is transformed (plugins), framed and enqueued as soon as it arrives. The outcome (usage,
// completion text, whether it completed) is reported exactly once, also when the client leaves or
// the gateway cuts the stream at the end of its drain timeout (`cut`: an error event, then the end).

import { type ChatChunk, type Usage, WIRE_JSON } from '../contracts/canonical.ts';
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
  /** Usage to show the client at the end: the upstream's when valid, else an estimate from the text sent. */
  finalUsage?: (upstream: Usage | undefined, completionText: () => string) => Usage | undefined;
  /** Aborted when the gateway stops waiting for streams (drain timeout): the stream ends with an error. */
  cut?: AbortSignal;
}

/** The error a stream cut at shutdown ends with (recorded as cut by the gateway, not a client abort). */
export function drainCutError(): GatewayError {
  return new GatewayError({
    status: 503, type: 'api_error', code: 'drain_timeout',
    message: 'The gateway is shutting down and ended this stream at its drain timeout (server.drain_timeout_ms); the answer is incomplete. Retry the request.',
  });
}

const encoder = new TextEncoder();
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

export function relayStream(opts: RelayOptions): ReadableStream<Uint8Array> {
  const texts: string[] = [];
  let usage = opts.primed.usage;
  let sawFinish = false;
  let upstreamDone = opts.primed.done;
  let firstChunkAt: number | undefined;
  let meta: StreamMeta = { id: 'chatcmpl-switchyard', model: '', created: Math.floor(Date.now() / 1000) };
  let reported = false;
  let pending: { chunks: ChatChunk[]; ended: boolean; error?: GatewayError } | undefined = opts.primed;

  let onCut: (() => void) | undefined;
  const report = (outcome: Omit<StreamOutcome, 'usage' | 'completionText' | 'firstChunkAt'>) => {
    if (reported) return;
    reported = true;
    if (onCut) opts.cut?.removeEventListener('abort', onCut);
    opts.onFinish({ ...outcome, usage, completionText: texts.join(''), firstChunkAt });
  };

  // What the current pull has framed so far: appended chunk by chunk, so a transform that throws part-way
  // leaves the chunks before it (already counted in `texts`) to be written ahead of the error frame.
  let framed = '';
  /** The primed step was written with events still buffered behind it: the next pull lets it leave first. */
  let yieldFirst = false;
  const frame = (chunks: ChatChunk[]): void => {
    for (const raw of chunks) {
      // A transform may change the chunk (or copy it with a spread): its wire text no longer holds.
      if (opts.transform && raw[WIRE_JSON] !== undefined) delete raw[WIRE_JSON];
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
      framed += opts.encoder.chunk(chunk);
    }
  };

  return new ReadableStream<Uint8Array>({
    start(controller) {
      const cut = opts.cut;
      if (!cut) return;
      onCut = () => {
        if (reported) return;
        const err = drainCutError();
        try {
          controller.enqueue(encoder.encode(opts.encoder.error(err)));
          controller.close();
        } catch {
          // the client is already gone
        }
        opts.source.cancel();
        report({ completed: false, clientGone: false, error: err });
      };
      if (cut.aborted) onCut();
      else cut.addEventListener('abort', onCut, { once: true });
    },
    async pull(controller) {
      // Bun writes what a pull enqueued only once the event loop turns: had the next pull gone straight on to
      // frame what the source holds, the first content would have waited in the same write for all of it.
      if (yieldFirst) {
        yieldFirst = false;
        await nextTurn();
        if (reported) return;
      }
      // Steps the source already holds (events that arrived together) go out in one write.
      framed = '';
      try {
        for (;;) {
          // The primed step (what the attempt read before answering: the first content) is written on its own,
          // so the first chunk does not wait for the events that arrived right behind it to be framed too.
          const primedStep = pending !== undefined;
          const step = pending ?? (await opts.source.next());
          pending = undefined;
          if (reported) return; // cut while waiting for the upstream
          if ('usage' in step && step.usage) {
            usage = step.usage;
            opts.encoder.usage?.(usage);
          }
          if ('done' in step && step.done) upstreamDone = true;
          frame(step.chunks);
          if (step.error) {
            controller.enqueue(encoder.encode(framed + opts.encoder.error(step.error)));
            controller.close();
            opts.source.cancel();
            return report({ completed: false, clientGone: false, error: step.error });
          }
          if (step.ended) {
            if (upstreamDone || sawFinish) {
              controller.enqueue(encoder.encode(framed + opts.encoder.finish(opts.finalUsage ? opts.finalUsage(usage, () => texts.join('')) : usage, meta)));
              controller.close();
              return report({ completed: true, clientGone: false });
            }
            const cut = errors.upstreamError('The provider ended the stream before it finished; the answer is incomplete.', 'network', false);
            controller.enqueue(encoder.encode(framed + opts.encoder.error(cut)));
            controller.close();
            return report({ completed: false, clientGone: false, error: cut });
          }
          if (framed && (primedStep || !opts.source.buffered)) {
            controller.enqueue(encoder.encode(framed));
            yieldFirst = primedStep && opts.source.buffered === true;
            return;
          }
        }
      } catch (err) {
        if (reported) return;
        const gwErr = isGatewayError(err) ? err : errors.upstreamError('The stream failed inside the gateway.', undefined, false);
        try {
          controller.enqueue(encoder.encode(framed + opts.encoder.error(gwErr))); // what was framed before the failure, then the error
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
