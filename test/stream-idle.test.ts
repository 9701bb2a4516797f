// The stream source's timing on its own. The idle timeout (one deadline per source on the process's wheel,
// not a timer per chunk read): a read that waits the whole timeout is a stall, reads that each wait less are
// not however long the stream runs, and time the consumer spends between reads never counts. After the end
// marker the rest of the body is drained, not aborted (the connection can be reused), and cut after a grace
// when it does not end or keeps sending. The e2e stall (an error event after the provider's timeout_ms) is in
// test/e2e/streaming.test.ts, the held connection after [DONE] in test/e2e/upstream-bounds.test.ts.

import { expect, test } from 'bun:test';
import type { StreamDecoder } from '../src/contracts/adapter.ts';
import type { ChatChunk } from '../src/contracts/canonical.ts';
import { SseSource, type SourceStep } from '../src/stream/sse-source.ts';
import { END_DRAIN_BYTES, END_GRACE_MS } from '../src/stream/end-drain.ts';

const te = new TextEncoder();

/** An SSE body that sends `count` events `everyMs` apart, then [DONE] (or, with `stallAfter`, nothing more after that many). */
function timedBody(count: number, everyMs: number, stallAfter = Infinity): { body: ReadableStream<Uint8Array>; cancelled: () => boolean } {
  let sent = 0;
  let timer: ReturnType<typeof setInterval> | undefined;
  let cancelled = false;
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      timer = setInterval(() => {
        if (sent >= stallAfter) return;
        if (sent === count) {
          clearInterval(timer);
          controller.enqueue(te.encode('data: [DONE]\n\n'));
          controller.close();
          return;
        }
        controller.enqueue(te.encode(`data: ${JSON.stringify({ n: sent++ })}\n\n`));
      }, everyMs);
    },
    cancel() {
      cancelled = true;
      clearInterval(timer);
    },
  });
  return { body, cancelled: () => cancelled };
}

/** Each event becomes one chunk; [DONE] ends the stream (as an adapter's decoder does). */
const decoder = (): StreamDecoder => ({
  push: ({ data }) => (data === '[DONE]' ? { chunks: [], done: true } : { chunks: [{ id: data } as unknown as ChatChunk] }),
  end: () => ({ chunks: [] }),
});

function source(body: ReadableStream<Uint8Array>, idleTimeoutMs: number) {
  let aborted = 0;
  let closed = 0;
  const src = new SseSource(body, decoder(), { provider: 'p', idleTimeoutMs, abortUpstream: () => { aborted += 1; }, onClose: () => { closed += 1; } });
  return { src, aborted: () => aborted, closed: () => closed };
}

async function until(check: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check() && Date.now() < deadline) await Bun.sleep(10);
}

async function drain(src: SseSource, pauseAfterFirstMs = 0): Promise<SourceStep[]> {
  const steps: SourceStep[] = [];
  for (;;) {
    const step = await src.next();
    steps.push(step);
    if (steps.length === 1 && pauseAfterFirstMs) await Bun.sleep(pauseAfterFirstMs);
    if (step.ended || step.error) return steps;
  }
}

test('reads that each wait less than the timeout never stall, however long the stream runs', async () => {
  // 8 events 120 ms apart (about a second) under a 200 ms timeout: each read waits ~120 ms, while the
  // watchdog comes due several times during the stream.
  const { body } = timedBody(8, 120);
  const { src, aborted, closed } = source(body, 200);
  const steps = await drain(src);
  expect(steps.some((s) => s.error)).toBe(false);
  expect(steps.flatMap((s) => s.chunks)).toHaveLength(8);
  expect(steps.at(-1)?.done).toBe(true);
  // The attempt is finished at [DONE] (its connection slot freed); the body, which ends right after, is read to
  // its end, not aborted (its connection can be reused).
  expect(closed()).toBe(1);
  await Bun.sleep(END_GRACE_MS + 100);
  expect(aborted()).toBe(0);
});

test('a body held open after its end marker: the answer ends at once, the upstream is cut after the grace', async () => {
  let cancelled = false;
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(te.encode('data: {"n":0}\n\ndata: [DONE]\n\n')); // ...and never closes
    },
    cancel() {
      cancelled = true;
    },
  });
  const { src, aborted, closed } = source(body, 5000);
  const t0 = performance.now();
  const steps = await drain(src);
  expect(performance.now() - t0).toBeLessThan(100);
  expect(steps.at(-1)).toMatchObject({ done: true, ended: true });
  expect(closed()).toBe(1); // the attempt is finished at the end marker
  expect(aborted()).toBe(0);
  await until(() => aborted() > 0, END_GRACE_MS + 1000);
  const cutAfter = performance.now() - t0;
  expect(cutAfter).toBeGreaterThanOrEqual(END_GRACE_MS);
  expect(cutAfter).toBeLessThan(END_GRACE_MS + 400); // the wheel's 10 ms tick, and scheduling
  expect(aborted()).toBe(1);
  await until(() => cancelled, 200);
  expect(cancelled).toBe(true);
  expect(closed()).toBe(1);
});

test('a body that keeps sending after its end marker is cut once it has sent END_DRAIN_BYTES more', async () => {
  let cancelled = false;
  const junk = te.encode(`: ${'x'.repeat(32 * 1024)}\n`); // three of these pass the cap at once
  let first = true;
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (first) {
        first = false;
        controller.enqueue(te.encode('data: {"n":0}\n\ndata: [DONE]\n\n'));
      } else controller.enqueue(junk);
    },
    cancel() {
      cancelled = true;
    },
  });
  const { src, aborted } = source(body, 5000);
  const t0 = performance.now();
  await drain(src);
  await until(() => aborted() > 0, END_GRACE_MS + 1000);
  expect(performance.now() - t0).toBeLessThan(END_GRACE_MS); // cut by its size, not the grace
  expect(aborted()).toBe(1);
  expect(cancelled).toBe(true);
  expect(END_DRAIN_BYTES).toBeGreaterThan(junk.byteLength);
});

test('time the consumer spends between reads is not the upstream stalling', async () => {
  const { body } = timedBody(4, 50);
  const { src } = source(body, 150);
  // The consumer (a slow client) takes 500 ms after the first chunk: no read is waiting meanwhile.
  const steps = await drain(src, 500);
  expect(steps.some((s) => s.error)).toBe(false);
  expect(steps.flatMap((s) => s.chunks)).toHaveLength(4);
});

test('a read that waits the whole timeout is a stall: upstream_timeout, the upstream aborted, the body cancelled', async () => {
  const { body, cancelled } = timedBody(10, 30, 2);
  const { src, aborted } = source(body, 200);
  const t0 = performance.now();
  const steps = await drain(src);
  const waited = performance.now() - t0;
  const last = steps.at(-1)!;
  expect(last.error?.code).toBe('upstream_timeout');
  expect(last.ended).toBe(true);
  expect(steps.flatMap((s) => s.chunks)).toHaveLength(2);
  expect(waited).toBeGreaterThanOrEqual(200);
  expect(waited).toBeLessThan(600); // the wheel fires within its 10 ms tick of the deadline
  expect(aborted()).toBeGreaterThanOrEqual(1);
  expect(cancelled()).toBe(true);
});
