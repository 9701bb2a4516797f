// How an upstream that breaks off is described: headers then a stalled body is "stopped sending" (504), not
// "did not answer"; a reply with broken chunked framing is an unreadable answer (502
// upstream_invalid_response) on every attempt, not a network error.

import { afterAll, beforeAll, expect, test } from 'bun:test';
import type { Socket, TCPSocketListener } from 'bun';
import { TEST_KEY, type TestGateway, config, startTestGateway } from '../helpers/gateway.ts';

let gw: TestGateway;
let upstream: TCPSocketListener<undefined>;
const held: Socket<undefined>[] = [];
let reply = '';

beforeAll(async () => {
  // A raw TCP upstream: Bun.serve cannot write broken HTTP framing.
  upstream = Bun.listen({
    hostname: '127.0.0.1', port: 0,
    socket: {
      data(socket) {
        held.push(socket);
        socket.write(`HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n${reply}`);
      },
    },
  });
  gw = await startTestGateway(config(`providers:
  up: { adapter: openai, base_url: http://127.0.0.1:${upstream.port}/v1, api_key: sk-up-0000000000, timeout_ms: 500, models: { m: up-model } }
routing: { retry: { attempts: 1, backoff_ms: 1 } }
`));
});
afterAll(() => {
  gw.stop();
  for (const s of held) s.end();
  upstream.stop(true);
});

async function ask(): Promise<{ status: number; error: { message: string; code: string } }> {
  const res = await fetch(`${gw.url}/v1/chat/completions`, {
    method: 'POST', headers: { authorization: `Bearer ${TEST_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'hi' }] }),
  });
  return { status: res.status, error: ((await res.json()) as { error: { message: string; code: string } }).error };
}

test('headers, part of a body, then silence: 504 saying the provider stopped sending its answer', async () => {
  reply = '9\r\n{"id":"x"';
  const { status, error } = await ask();
  expect(status).toBe(504);
  expect(error.code).toBe('upstream_timeout');
  expect(error.message).toContain('stopped sending');
  expect(error.message).not.toContain('did not answer');
  expect(error.message).toContain('Attempts: up: timeout; up: timeout');
});

test('broken chunked framing: an unreadable answer, the same on every attempt', async () => {
  reply = '3\r\nabcdef\r\n0\r\n\r\n';
  const { status, error } = await ask();
  expect(status).toBe(502);
  expect(error.code).toBe('upstream_invalid_response');
  expect(error.message).toContain('Attempts: up: unreadable answer; up: unreadable answer');
});
