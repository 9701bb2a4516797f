// Slow and abandoned request bodies, driven over raw TCP sockets (node:net) on 127.0.0.1: a bad key with a
// large Content-Length and a trickled body gets its 401 at once and the connection closed (auth comes
// before the body, and an unread body closes the connection); a good key that trickles its body gets
// 408 request_timeout after server.body_timeout_ms; many such sockets never starve a normal client.

import { afterAll, beforeAll, expect, test } from 'bun:test';
import net from 'node:net';
import { TEST_KEY, type TestGateway, config, startTestGateway } from '../helpers/gateway.ts';

let gw: TestGateway;

beforeAll(async () => {
  gw = await startTestGateway(config(`
providers:
  mock: { adapter: mock, models: [mock-echo] }
`, `server:
  body_timeout_ms: 600
`));
}, 30_000);
afterAll(async () => {
  await gw?.stop();
});

interface Exchange {
  /** The raw response head and body received. */
  text: string;
  status: number;
  /** ms from connect to the first response byte, and to the close (undefined: still open). */
  answeredAfter?: number;
  closedAfter?: number;
}

/**
 * Sends `head` (request line + headers + blank line) and then trickles `chunk` every `everyMs` until the
 * server closes the socket or `waitMs` passes. Resolves with what the client saw.
 */
function trickle(head: string, opts: { chunk?: string; everyMs?: number; waitMs?: number } = {}): Promise<Exchange> {
  const { chunk = 'x', everyMs = 100, waitMs = 5000 } = opts;
  return new Promise((resolve) => {
    const sock = net.connect(gw.port, '127.0.0.1');
    const t0 = Date.now();
    const seen: Exchange = { text: '', status: 0 };
    let gaveUp = false;
    const done = () => {
      clearInterval(drip);
      clearTimeout(limit);
      seen.status = Number(/^HTTP\/1\.1 (\d{3})/.exec(seen.text)?.[1] ?? 0);
      resolve(seen);
    };
    sock.on('data', (d) => {
      seen.answeredAfter ??= Date.now() - t0;
      seen.text += d.toString();
    });
    sock.on('close', () => {
      if (!gaveUp) seen.closedAfter = Date.now() - t0;
      done();
    });
    sock.on('error', () => {});
    sock.write(head);
    const drip = setInterval(() => {
      if (!sock.destroyed && chunk) sock.write(chunk);
    }, everyMs);
    const limit = setTimeout(() => {
      gaveUp = true;
      sock.destroy();
      clearInterval(drip);
    }, waitMs);
  });
}

const chatHead = (key: string, length: number | 'chunked') =>
  `POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${key}\r\nContent-Type: application/json\r\n` +
  (length === 'chunked' ? 'Transfer-Encoding: chunked\r\n' : `Content-Length: ${length}\r\n`) + '\r\n';

test('a bad key with a 10 MB Content-Length and a trickled body: 401 at once, connection closed', async () => {
  const seen = await trickle(`${chatHead('sk-wrong-key-000000000', 10_000_000)}{"model":"mock-echo","messages":[`);
  expect(seen.status).toBe(401);
  expect(seen.text).toContain('invalid_api_key');
  expect(seen.text.toLowerCase()).toContain('connection: close');
  expect(seen.answeredAfter!).toBeLessThan(2000);
  expect(seen.closedAfter).toBeDefined(); // closed by the server, not by our 5 s limit
  expect(seen.closedAfter!).toBeLessThan(3000);
}, 20_000);

test('a good key that trickles its body gets 408 request_timeout after body_timeout_ms, then the connection closes', async () => {
  for (const length of [100_000, 'chunked'] as const) {
    const seen = await trickle(`${chatHead(TEST_KEY, length)}${length === 'chunked' ? '1\r\n{\r\n' : '{'}`, { chunk: length === 'chunked' ? '1\r\n \r\n' : ' ' });
    expect(seen.status).toBe(408);
    expect(seen.text).toContain('"code":"request_timeout"');
    expect(seen.text).toContain('server.body_timeout_ms');
    expect(seen.answeredAfter!).toBeGreaterThanOrEqual(550);
    expect(seen.answeredAfter!).toBeLessThan(3000);
    expect(seen.closedAfter!).toBeLessThan(4000);
  }
}, 20_000);

test('200 abandoned uploads at once do not starve a normal client, and each is closed', async () => {
  const attackers = Array.from({ length: 200 }, (_, i) =>
    trickle(chatHead(i % 2 ? 'sk-wrong-key-000000000' : TEST_KEY, 5_000_000), { everyMs: 250, waitMs: 6000 }));
  await Bun.sleep(100);
  const t0 = Date.now();
  const res = await fetch(`${gw.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TEST_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'mock-echo', messages: [{ role: 'user', content: 'still there?' }] }),
  });
  expect(res.status).toBe(200);
  expect(((await res.json()) as { choices: Array<{ message: { content: string } }> }).choices[0].message.content).toBe('You said: still there?');
  expect(Date.now() - t0).toBeLessThan(3000);
  const seen = await Promise.all(attackers);
  expect(seen.filter((s) => s.closedAfter === undefined)).toEqual([]);
  expect(new Set(seen.map((s) => s.status))).toEqual(new Set([401, 408]));
}, 20_000);

test('a complete body keeps the connection alive (keep-alive is untouched for normal requests)', async () => {
  const body = JSON.stringify({ model: 'mock-echo', messages: [{ role: 'user', content: 'hi' }] });
  const seen = await trickle(`${chatHead(TEST_KEY, Buffer.byteLength(body))}${body}`, { chunk: '', waitMs: 800 });
  expect(seen.status).toBe(200);
  expect(seen.text.toLowerCase()).not.toContain('connection: close');
  expect(seen.closedAfter).toBeUndefined();
}, 20_000);
