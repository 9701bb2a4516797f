// decodedResponse: a compressed body is inflated as it is read; bytes that do not inflate fail as a
// ContentDecodingError, while a body that is cut fails with its own error (a network fault, not bad gzip).

import { expect, test } from 'bun:test';
import { ContentDecodingError, decodedResponse } from '../../src/upstream/decode-body.ts';

const gzipped = (text: string) => Bun.gzipSync(new TextEncoder().encode(text)) as Uint8Array<ArrayBuffer>;

test('a gzip body reads as its text, without content-encoding or content-length', async () => {
  const res = decodedResponse(new Response(gzipped('{"ok":true}'), { headers: { 'content-encoding': 'gzip', 'content-length': '31' } }));
  expect(res.headers.has('content-encoding')).toBe(false);
  expect(res.headers.has('content-length')).toBe(false);
  expect(await res.text()).toBe('{"ok":true}');
});

test('corrupt gzip is a ContentDecodingError; a cut body keeps its own error', async () => {
  const corrupt = decodedResponse(new Response(new Uint8Array([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 1, 2, 3, 4]), { headers: { 'content-encoding': 'gzip' } }));
  expect(await corrupt.text().then(() => undefined, (e: unknown) => e)).toBeInstanceOf(ContentDecodingError);
  const whole = gzipped('x'.repeat(100_000));
  const cut = new ReadableStream<Uint8Array>({
    start(c) {
      c.enqueue(whole.slice(0, 50));
      c.error(new Error('connection reset'));
    },
  });
  const err = await decodedResponse(new Response(cut, { headers: { 'content-encoding': 'gzip' } })).text().then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(Error);
  expect(err).not.toBeInstanceOf(ContentDecodingError);
  expect((err as Error).message).toBe('connection reset');
});

test('an unknown content coding is refused; identity and none pass through untouched', () => {
  expect(() => decodedResponse(new Response('x', { headers: { 'content-encoding': 'compress' } }))).toThrow(ContentDecodingError);
  const plain = new Response('x');
  expect(decodedResponse(plain)).toBe(plain);
  const identity = new Response('x', { headers: { 'content-encoding': 'identity' } });
  expect(decodedResponse(identity)).toBe(identity);
});
