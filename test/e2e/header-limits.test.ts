// Header-level rejections come from Bun's HTTP parser before the gateway sees the request: an empty body,
// not an OpenAI-shaped error (as the README's Errors section says). Pinned here so a Bun upgrade that
// changes them is noticed.

import { afterAll, beforeAll, expect, test } from 'bun:test';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TEST_KEY, type TestGateway, config, startTestGateway } from '../helpers/gateway.ts';

let gw: TestGateway;
beforeAll(async () => {
  gw = await startTestGateway(config(`providers:\n  mock: { adapter: mock, models: [mock-echo] }\n`));
});
afterAll(() => gw.stop());

/** One raw HTTP/1.1 request (fetch refuses to send such headers); resolves with the whole answer. */
function raw(extraHeaders: string): Promise<string> {
  const body = JSON.stringify({ model: 'mock-echo', messages: [{ role: 'user', content: 'hi' }] });
  const head = `POST /v1/chat/completions HTTP/1.1\r\nhost: 127.0.0.1\r\nconnection: close\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\n${extraHeaders}\r\n\r\n`;
  return rawBytes(head + body);
}

/** Sends `text` as is on a new connection; resolves with everything the server wrote before closing. */
function rawBytes(request: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const decoder = new TextDecoder();
    Bun.connect({
      hostname: '127.0.0.1', port: Number(new URL(gw.url).port),
      socket: {
        open: (s) => void s.write(request),
        data: (_s, d) => void (text += decoder.decode(d, { stream: true })),
        close: () => resolve(text),
        error: (_s, e) => reject(e),
      },
    }).catch(reject);
  });
}

test('a control character in Authorization → 400 with an empty body', async () => {
  const answer = await raw(`authorization: Bearer ${TEST_KEY}\x01`);
  expect(answer).toStartWith('HTTP/1.1 400');
  expect(answer.endsWith('\r\n\r\n')).toBe(true); // nothing after the header block
});

test('request headers over 16 KiB → 431 with an empty body; just under passes', async () => {
  const big = await raw(`authorization: Bearer ${TEST_KEY}\r\nx-big: ${'a'.repeat(60_000)}`);
  expect(big).toStartWith('HTTP/1.1 431');
  expect(big.endsWith('\r\n\r\n')).toBe(true);
  const fits = await raw(`authorization: Bearer ${TEST_KEY}\r\nx-big: ${'a'.repeat(15_000)}`);
  expect(fits).toStartWith('HTTP/1.1 200');
});

test('a declared Content-Length over the socket cap → Bun 413, a malformed request line → Bun 505, both empty', async () => {
  const huge = await rawBytes(`POST /v1/chat/completions HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\nauthorization: Bearer ${TEST_KEY}\r\ncontent-length: 99999999999\r\n\r\n`);
  expect(huge).toStartWith('HTTP/1.1 413');
  expect(huge.endsWith('\r\n\r\n')).toBe(true);
  for (const line of ['GET /v1/mo\0dels HTTP/1.1', 'GET /v1/models HTTP/1.7']) {
    const answer = await rawBytes(`${line}\r\nhost: 127.0.0.1\r\n\r\n`);
    expect(answer).toStartWith('HTTP/1.1 505');
    expect(answer.endsWith('\r\n\r\n')).toBe(true);
  }
});

test('the README lists every status Bun answers by itself (trial finding 10)', () => {
  const readme = readFileSync(join(import.meta.dir, '..', '..', 'README.md'), 'utf8');
  const paragraph = readme.slice(readme.indexOf('**Header-level rejections come from Bun'));
  const text = paragraph.slice(0, paragraph.indexOf('\n\n'));
  for (const status of ['`400 Bad', '`431 Request Header Fields', '`413 Request Entity Too Large`', '`505 HTTP Version Not Supported`']) expect(text).toContain(status);
});
