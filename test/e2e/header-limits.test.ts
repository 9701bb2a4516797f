// Header-level rejections come from Bun's HTTP parser before the gateway sees the request: an empty body,
// not an OpenAI-shaped error (as the README's Errors section says). Pinned here so a Bun upgrade that
// changes them is noticed.

import { afterAll, beforeAll, expect, test } from 'bun:test';
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
  return new Promise((resolve, reject) => {
    let text = '';
    const decoder = new TextDecoder();
    Bun.connect({
      hostname: '127.0.0.1', port: Number(new URL(gw.url).port),
      socket: {
        open: (s) => void s.write(head + body),
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
