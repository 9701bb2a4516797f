// Upstreams that compress their answers. The gateway asks for none (no Accept-Encoding) and inflates what
// comes compressed anyway only as fast as it reads: a gzip bomb (200 KB → 200 MB) over max_response_bytes is
// a 502 without RSS jumping by the inflated size; a corrupt gzip body is an unreadable answer at once; an
// honest compressed answer or stream still reads.

import { afterAll, beforeAll, expect, setDefaultTimeout, test } from 'bun:test';
import { TEST_KEY, type TestGateway, config, startTestGateway } from '../helpers/gateway.ts';
import { type Behaviour, type FakeUpstream, chatChunks, chatCompletion, startFakeUpstream } from '../helpers/fake-upstream.ts';

setDefaultTimeout(30_000);

let gw: TestGateway;
let up: FakeUpstream;
let bomb: Uint8Array;

/** 200 MiB of spaces, gzipped in 1 MiB steps (the test itself never holds the inflated body). */
async function gzipBomb(): Promise<Uint8Array> {
  const chunk = new Uint8Array(1 << 20).fill(32);
  const gz = new CompressionStream('gzip');
  const writer = gz.writable.getWriter();
  void (async () => {
    for (let i = 0; i < 200; i++) await writer.write(chunk);
    await writer.close();
  })();
  return new Uint8Array(await new Response(gz.readable).arrayBuffer());
}

const compressed = (body: Uint8Array, type = 'application/json') => new Response(body as BodyInit, { headers: { 'content-type': type, 'content-encoding': 'gzip' } });

beforeAll(async () => {
  bomb = await gzipBomb();
  up = startFakeUpstream();
  gw = await startTestGateway(config(`providers:
  up: { adapter: openai, base_url: ${up.url}/v1, api_key: sk-up-0000000000, max_response_bytes: 5000000, timeout_ms: 3000, models: { m: up-model } }
routing: { retry: { attempts: 0 } }
`));
});
afterAll(() => {
  gw.stop();
  up.stop();
});

async function ask(behaviour: Behaviour, stream = false): Promise<{ status: number; text: string }> {
  up.set(behaviour);
  const res = await fetch(`${gw.url}/v1/chat/completions`, {
    method: 'POST', headers: { authorization: `Bearer ${TEST_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'm', stream, messages: [{ role: 'user', content: 'hi' }] }),
  });
  return { status: res.status, text: await res.text() };
}

test('a gzip bomb over max_response_bytes is a 502 and memory stays flat', async () => {
  expect(bomb.byteLength).toBeLessThan(300_000);
  Bun.gc(true);
  const before = process.memoryUsage.rss();
  let peak = before;
  const sampler = setInterval(() => { peak = Math.max(peak, process.memoryUsage.rss()); }, 2);
  try {
    for (let i = 0; i < 3; i++) {
      const { status, text } = await ask(() => compressed(bomb));
      expect(status).toBe(502);
      expect(JSON.parse(text).error.code).toBe('upstream_invalid_response');
      expect(text).toContain('max_response_bytes');
      await Bun.sleep(200); // what an abandoned body would still inflate shows here
    }
  } finally {
    clearInterval(sampler);
  }
  expect((peak - before) / 1e6).toBeLessThan(100);
});

test('no Accept-Encoding is asked for', async () => {
  await ask(() => Response.json(chatCompletion('plain')));
  expect(up.received.at(-1)!.headers['accept-encoding']).toBeUndefined();
});

test('a corrupt gzip body is an unreadable answer at once, not a timeout', async () => {
  const started = Date.now();
  const { status, text } = await ask(() => compressed(new Uint8Array([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 1, 2, 3, 4, 5, 6, 7, 8])));
  expect(status).toBe(502);
  expect(JSON.parse(text).error.code).toBe('upstream_invalid_response');
  expect(Date.now() - started).toBeLessThan(2000);
});

test('an honest compressed answer and a compressed stream still read', async () => {
  const answer = await ask(() => compressed(Bun.gzipSync(new TextEncoder().encode(JSON.stringify(chatCompletion('zipped hello'))))));
  expect(answer.status).toBe(200);
  expect(JSON.parse(answer.text).choices[0].message.content).toBe('zipped hello');
  const stream = await ask(() => compressed(Bun.gzipSync(new TextEncoder().encode(chatChunks(['zipped', ' stream']).join(''))), 'text/event-stream'), true);
  expect(stream.status).toBe(200);
  expect(stream.text).toContain('zipped');
  expect(stream.text).toContain(' stream');
  expect(stream.text).toContain('[DONE]');
});
