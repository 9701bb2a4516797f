// The client watch (src/upstream/client-watch.ts): a watched call whose client signal aborts is told once,
// within a few polls, and dropped; the others stay watched; one failing callback does not stop the rest.

import { expect, test } from 'bun:test';
import { ClientWatch, type Watched } from '../../src/upstream/client-watch.ts';

function call(onLeft: () => void = () => {}): Watched & { controller: AbortController; left: number } {
  const controller = new AbortController();
  const c = { controller, left: 0, clientSignal: controller.signal, clientLeft: () => { c.left++; onLeft(); } };
  return c;
}

test('a client that leaves is noticed within a few polls, once; a staying client is not; unwatch stops it', async () => {
  const watch = new ClientWatch(5);
  const leaving = call();
  const staying = call();
  const unwatched = call();
  const failing = call(() => { throw new Error('boom'); });
  for (const c of [leaving, staying, unwatched, failing]) watch.watch(c);
  watch.unwatch(unwatched);
  expect(watch.size).toBe(3);
  failing.controller.abort();
  leaving.controller.abort();
  unwatched.controller.abort();
  for (let i = 0; i < 100 && leaving.left === 0; i++) await Bun.sleep(5);
  await Bun.sleep(30);
  expect([leaving.left, failing.left, staying.left, unwatched.left]).toEqual([1, 1, 0, 0]);
  expect(watch.size).toBe(1);
  watch.unwatch(staying);
  expect(watch.size).toBe(0);
});
