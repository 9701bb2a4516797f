// The relay writes the upstream events that arrived together as one piece (one enqueue, one write), and
// events that arrive apart as they arrive. Batching must not change what the client reads: the same frames
// in the same order, and when a transform fails part-way through a batch, the frames before the failure
// and then the error frame (never the failure swallowing what was already framed).

import { expect, test } from 'bun:test';
import type { StreamDecoder } from '../src/contracts/adapter.ts';
import type { ChatChunk } from '../src/contracts/canonical.ts';
import { GatewayError } from '../src/contracts/errors.ts';
import { openAIEncoder } from '../src/stream/encoders.ts';
import { relayStream, type StreamOutcome } from '../src/stream/relay.ts';
import { SseSource, type SourceStep, type StepSource } from '../src/stream/sse-source.ts';

const te = new TextEncoder();
const td = new TextDecoder();

const event = (n: number) => `data: ${JSON.stringify({ id: 'c', choices: [{ index: 0, delta: { content: `w${n}` }, finish_reason: null }] })}\n\n`;
const decoder = (): StreamDecoder => ({
  push: ({ data }) => (data === '[DONE]' ? { chunks: [], done: true } : { chunks: [JSON.parse(data) as ChatChunk] }),
  end: () => ({ chunks: [] }),
});

/** A body sending `groups` of events: each group in one piece, `gapMs` apart, then [DONE]. */
function body(groups: number[][], gapMs: number): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>({
    async start(controller) {
      for (const g of groups) {
        controller.enqueue(te.encode(g.map(event).join('')));
        await Bun.sleep(gapMs);
      }
      controller.enqueue(te.encode('data: [DONE]\n\n'));
      controller.close();
    },
  });
}

async function relay(groups: number[][], transform?: (c: ChatChunk) => ChatChunk | null) {
  let outcome: StreamOutcome | undefined;
  const source = new SseSource(body(groups, 40), decoder(), { provider: 'p', idleTimeoutMs: 5000, abortUpstream: () => {} });
  const stream = relayStream({ source, primed: { chunks: [], done: false, ended: false }, encoder: openAIEncoder(false), transform, onFinish: (o) => { outcome = o; } });
  const pieces: string[] = [];
  for await (const piece of stream) pieces.push(td.decode(piece));
  return { pieces, frames: pieces.join('').split('\n\n').filter(Boolean), outcome: outcome! };
}

test('events that arrive together leave as one piece, events that arrive apart leave apart, in order', async () => {
  const { pieces, frames, outcome } = await relay([[1, 2, 3], [4], [5, 6]]);
  expect(frames).toHaveLength(7);
  expect(frames.slice(0, 6).map((f) => (JSON.parse(f.slice(6)) as ChatChunk).choices[0]!.delta!.content)).toEqual(['w1', 'w2', 'w3', 'w4', 'w5', 'w6']);
  expect(frames[6]).toBe('data: [DONE]');
  // Three groups arrived 40 ms apart: three pieces carry the six chunks (the last with [DONE] or just before it).
  const withChunks = pieces.filter((p) => p.includes('"content"'));
  expect(withChunks.map((p) => p.split('data: {').length - 1)).toEqual([3, 1, 2]);
  expect(outcome).toMatchObject({ completed: true, completionText: 'w1w2w3w4w5w6' });
});

test('the primed first content leaves in a piece of its own, not behind the events buffered after it', async () => {
  // The attempt read the first content before answering (primed); the rest of the answer already sits in the
  // source, in one read: the first write must not wait for all of it to be framed.
  const chunk = (n: number) => JSON.parse(event(n).slice(6)) as ChatChunk;
  const wire = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(te.encode(`${[2, 3, 4, 5].map(event).join('')}data: [DONE]\n\n`));
      controller.close();
    },
  });
  const source = new SseSource(wire, decoder(), { provider: 'p', idleTimeoutMs: 5000, abortUpstream: () => {} });
  // Read ahead as the attempt does: the source then holds the events behind the first one.
  const ahead = await source.next();
  expect(source.buffered).toBe(true);
  let outcome: StreamOutcome | undefined;
  const stream = relayStream({ source, primed: { chunks: [chunk(1), ...ahead.chunks], done: false, ended: false }, encoder: openAIEncoder(false), onFinish: (o) => { outcome = o; } });
  const pieces: string[] = [];
  for await (const piece of stream) pieces.push(td.decode(piece));
  const contents = (p: string) => p.split('\n\n').filter((f) => f.includes('"content"')).map((f) => (JSON.parse(f.slice(6)) as ChatChunk).choices[0]!.delta!.content);
  expect(contents(pieces[0]!)).toEqual(['w1', 'w2']);
  expect(pieces.slice(1).flatMap(contents)).toEqual(['w3', 'w4', 'w5']);
  expect(pieces.length).toBe(2); // the buffered rest still leaves together
  expect(outcome).toMatchObject({ completed: true, completionText: 'w1w2w3w4w5' });
});

test('a transform failing in the middle of a batch: the frames before it, then the error frame', async () => {
  const { frames, outcome } = await relay([[1, 2, 3, 4]], (c) => {
    if (c.choices[0]?.delta?.content === 'w3') throw new GatewayError({ status: 500, type: 'api_error', code: 'plugin_error', message: 'a plugin failed' });
    return c;
  });
  expect(frames.map((f) => (f.includes('"error"') ? 'error' : (JSON.parse(f.slice(6)) as ChatChunk).choices[0]!.delta!.content))).toEqual(['w1', 'w2', 'error']);
  expect(outcome).toMatchObject({ completed: false, completionText: 'w1w2' });
  expect(outcome.error?.code).toBe('plugin_error');
});

test('a transform failing part-way through one step of several chunks: the chunks before it are written and counted', async () => {
  // One step holding three chunks (as the tail of a body or the step with an end marker can).
  const chunk = (n: number) => JSON.parse(event(n).slice(6)) as ChatChunk;
  const steps: SourceStep[] = [{ chunks: [chunk(1), chunk(2), chunk(3)] }, { chunks: [], ended: true, done: true }];
  const source: StepSource = { next: async () => steps.shift()!, cancel: () => {} };
  let outcome: StreamOutcome | undefined;
  const stream = relayStream({
    source, primed: { chunks: [], done: false, ended: false }, encoder: openAIEncoder(false), onFinish: (o) => { outcome = o; },
    transform: (c) => {
      if (c.choices[0]?.delta?.content === 'w2') throw new GatewayError({ status: 500, type: 'api_error', code: 'plugin_error', message: 'a plugin failed' });
      return c;
    },
  });
  const text = await new Response(stream).text();
  const frames = text.split('\n\n').filter(Boolean);
  expect(frames.map((f) => (f.includes('"error"') ? 'error' : (JSON.parse(f.slice(6)) as ChatChunk).choices[0]!.delta!.content))).toEqual(['w1', 'error']);
  expect(outcome).toMatchObject({ completed: false, completionText: 'w1' });
});

test('an event the decoder cannot read is the upstream\'s unreadable answer: the frames before it, then upstream_invalid_response', async () => {
  const throwing: StreamDecoder = {
    push: ({ data }) => {
      if (data === '[DONE]') return { chunks: [], done: true };
      const chunk = JSON.parse(data) as ChatChunk;
      if (chunk.choices.length === 0) return { chunks: [] }; // reading a field of `null` throws, as in a real decoder
      return { chunks: [chunk] };
    },
    end: () => ({ chunks: [] }),
  };
  const wire = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(te.encode(`${event(1)}data: null\n\n${event(2)}data: [DONE]\n\n`));
      controller.close();
    },
  });
  let outcome: StreamOutcome | undefined;
  const source = new SseSource(wire, throwing, { provider: 'p', idleTimeoutMs: 5000, abortUpstream: () => {} });
  const stream = relayStream({ source, primed: { chunks: [], done: false, ended: false }, encoder: openAIEncoder(false), onFinish: (o) => { outcome = o; } });
  let text = '';
  for await (const piece of stream) text += td.decode(piece);
  const frames = text.split('\n\n').filter(Boolean);
  expect((JSON.parse(frames[0]!.slice(6)) as ChatChunk).choices[0]!.delta!.content).toBe('w1');
  expect(JSON.parse(frames.at(-1)!.slice(6)).error.code).toBe('upstream_invalid_response');
  expect(text).not.toContain('w2');
  expect(outcome?.error?.code).toBe('upstream_invalid_response');
});
