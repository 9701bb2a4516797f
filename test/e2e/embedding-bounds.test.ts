// One small request must not size the answer without limit. The gateway refuses an embeddings
// `dimensions` that is no positive integer (400 invalid_value, param "dimensions") before any provider sees
// it, and the bundled mock provider caps every size a client controls (dimensions, inputs, image count,
// streamed words) with a 400 that names the limit (relayed as the provider's upstream_rejected_request): `"dimensions": 1000000000` once took the gateway to 24 GB.

import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { TEST_KEY, type TestGateway, config, startTestGateway } from '../helpers/gateway.ts';
import { type FakeUpstream, json, startFakeUpstream } from '../helpers/fake-upstream.ts';

let gw: TestGateway;
let upstream: FakeUpstream;
beforeAll(async () => {
  upstream = startFakeUpstream(() => json({ object: 'list', model: 'up', data: [{ object: 'embedding', index: 0, embedding: [0.5, 0.5] }], usage: { prompt_tokens: 1, total_tokens: 1 } }));
  gw = await startTestGateway(config(`
providers:
  mock: { adapter: mock, models: [mock-echo, mock-embed, mock-image] }
  up: { adapter: openai, base_url: ${upstream.url}/v1, api_key: sk-upstream-embed-0123456789, models: { up-embed: text-embedding-3-small } }
models:
  mock-echo: { price: { input: 0, output: 0 } }
  mock-embed: { price: { input: 0, output: 0 } }
  mock-image: { price: { per_request: 0 } }
  up-embed: { price: { input: 0, output: 0 } }
`));
});
afterAll(async () => {
  await gw.stop();
  upstream.stop();
});

async function post(path: string, body: unknown): Promise<{ status: number; error: { code?: unknown; param?: unknown; message: string; type?: unknown }; json: Record<string, unknown> }> {
  const res = await fetch(`${gw.url}/v1${path}`, { method: 'POST', headers: { authorization: `Bearer ${TEST_KEY}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const parsed = (await res.json()) as Record<string, unknown>;
  return { status: res.status, error: (parsed.error ?? { message: '' }) as { message: string }, json: parsed };
}

describe('the gateway checks embeddings "dimensions" for every provider', () => {
  for (const model of ['mock-embed', 'up-embed']) {
    for (const dimensions of [-1, 0, 1.5, '8', true, [8], { n: 8 }]) {
      test(`${model}: dimensions ${JSON.stringify(dimensions)} → 400 invalid_value`, async () => {
        const before = upstream.received.length;
        const r = await post('/embeddings', { model, input: 'x', dimensions });
        expect(r.status).toBe(400);
        expect(r.error).toMatchObject({ type: 'invalid_request_error', code: 'invalid_value', param: 'dimensions' });
        expect(r.error.message).toContain('"dimensions" must be a positive integer');
        expect(upstream.received.length).toBe(before); // never forwarded
      });
    }
  }

  test('a positive integer goes through to the provider as sent', async () => {
    const before = upstream.received.length;
    const r = await post('/embeddings', { model: 'up-embed', input: 'x', dimensions: 256 });
    expect(r.status).toBe(200);
    expect(JSON.parse(upstream.received[before].body).dimensions).toBe(256);
    const mock = await post('/embeddings', { model: 'mock-embed', input: 'x', dimensions: 256 });
    expect(mock.status).toBe(200);
    expect(((mock.json.data as { embedding: number[] }[])[0].embedding).length).toBe(256);
  });
});

describe('the mock provider caps every size a client controls', () => {
  test('the request that exhausted memory (dimensions 1e9) is a quick 400', async () => {
    const started = performance.now();
    const r = await post('/embeddings', { model: 'mock-embed', input: 'x', dimensions: 1_000_000_000 });
    expect(r.status).toBe(400);
    expect(r.error).toMatchObject({ type: 'invalid_request_error', code: 'upstream_rejected_request' }); // the mock's 400, relayed
    expect(r.error.message).toContain('1 to 16384 dimensions');
    expect(performance.now() - started).toBeLessThan(1000);
  });

  test('2,000,000 dimensions (an 18.7 MB answer before) is refused; 16384 is served', async () => {
    const r = await post('/embeddings', { model: 'mock-embed', input: 'x', dimensions: 2_000_000 });
    expect(r.status).toBe(400);
    expect(r.error.message).toContain('got 2000000. Ask for fewer "dimensions"');
    const max = await post('/embeddings', { model: 'mock-embed', input: 'x', dimensions: 16_384 });
    expect(max.status).toBe(200);
  });

  test('too many inputs, or inputs × dimensions over the cap, are refused', async () => {
    const many = await post('/embeddings', { model: 'mock-embed', input: Array.from({ length: 2049 }, () => '') });
    expect(many.status).toBe(400);
    expect(many.error.message).toContain('at most 2048 inputs');
    const product = await post('/embeddings', { model: 'mock-embed', input: Array.from({ length: 100 }, () => 'x'), dimensions: 16_384 });
    expect(product.status).toBe(400);
    expect(product.error.message).toContain('at most 1048576 numbers');
    const moderation = await post('/moderations', { model: 'mock-echo', input: Array.from({ length: 2049 }, () => '') });
    expect(moderation.status).toBe(400);
    expect(moderation.error.message).toContain('at most 2048 inputs per moderations request');
  });

  test('image n outside 1..10 is refused (it was clamped silently)', async () => {
    for (const n of [11, 1_000_000]) {
      const r = await post('/images/generations', { model: 'mock-image', prompt: 'a cat', n });
      expect(r.status).toBe(400);
      expect(r.error.message).toContain('"n" must be an integer from 1 to 10');
    }
    const ok = await post('/images/generations', { model: 'mock-image', prompt: 'a cat', n: 10 });
    expect((ok.json.data as unknown[]).length).toBe(10);
    const form = new FormData();
    form.set('model', 'mock-image');
    form.set('n', '500');
    form.set('image', new Blob([new Uint8Array(8)], { type: 'image/png' }), 'a.png');
    const edit = await fetch(`${gw.url}/v1/images/variations`, { method: 'POST', headers: { authorization: `Bearer ${TEST_KEY}` }, body: form });
    expect(edit.status).toBe(400);
  });

  test('a streamed echo of more than 100,000 words is refused; max_tokens keeps it within bounds', async () => {
    const content = 'a '.repeat(150_000);
    const r = await post('/chat/completions', { model: 'mock-echo', stream: true, messages: [{ role: 'user', content }] });
    expect(r.status).toBe(400);
    expect(r.error.message).toContain('at most 100000 words');
    const limited = await fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST', headers: { authorization: `Bearer ${TEST_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'mock-echo', stream: true, max_tokens: 5, messages: [{ role: 'user', content }] }),
    });
    expect(limited.status).toBe(200);
    expect(await limited.text()).toContain('[DONE]');
    const whole = await post('/chat/completions', { model: 'mock-echo', max_tokens: 3, messages: [{ role: 'user', content: 'one two three four five' }] });
    expect((whole.json.choices as { message: { content: string } }[])[0].message.content).toBe('You said: one'); // three words, as before
  });
});
