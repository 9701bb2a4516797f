// An upstream that answers a stream with SSE comments (`: ping`) and never any content: the comments do
// not hold the request past the provider's timeout_ms. Until the first content the attempt's timeout
// bounds the wait; then the target is failed over, or the client gets 504 upstream_timeout.

import { afterAll, beforeAll, expect, test } from 'bun:test';
import { type BadBesideHonest, startBadBesideHonest } from '../helpers/bad-beside-honest.ts';
import { sse } from '../helpers/fake-upstream.ts';

const PINGS = Array.from({ length: 100 }, () => ': ping\n\n');
const OPENER = 'data: {"id":"x","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}]}\n\n';

let t: BadBesideHonest;
beforeAll(async () => {
  t = await startBadBesideHonest('pinger', (_req, _body, n) => sse(n % 2 ? PINGS : [OPENER, ...PINGS], { delayMs: 100 }), 'timeout_ms: 600');
});
afterAll(() => t.stop());
const stream = (model: string) => t.stream(model);

test('pings (and a role-only opener) without content end in 504 upstream_timeout after timeout_ms', async () => {
  for (let i = 0; i < 2; i++) {
    const started = Date.now();
    const res = await stream('only-pinger');
    expect(res.status).toBe(504);
    const { error } = (await res.json()) as { error: { code: string; message: string } };
    expect(error.code).toBe('upstream_timeout');
    expect(error.message).toContain('sent no content within 600 ms');
    expect(Date.now() - started).toBeLessThan(4000);
  }
  await Bun.sleep(50);
  expect(t.bad.aborted).toBeGreaterThanOrEqual(2); // the upstream connection was let go
});

test('and the next target answers instead', async () => {
  const res = await stream('both');
  expect(res.status).toBe(200);
  expect(await res.text()).toContain('hello');
  expect(res.headers.get('x-switchyard-provider')).toBe('honest');
});
