// server.trust_proxy as a list of proxies and server.client_ip_header: forwarded headers are believed only
// from a listed proxy, X-Forwarded-For is walked from the right past listed proxies, and a named header is the
// only one read (a proxy that sets X-Real-IP passes a client's X-Forwarded-For through). The peer is chosen
// by binding the client socket to 127.0.0.1 or 127.0.0.2; keys[].allow_ips shows which address was taken.

import { afterEach, expect, test } from 'bun:test';
import { connect } from 'node:net';
import { type TestGateway, TEST_KEY, config, startTestGateway } from '../helpers/gateway.ts';

let gw: TestGateway | undefined;
afterEach(async () => {
  await gw?.stop();
  gw = undefined;
});

const start = async (server: string) => {
  gw = await startTestGateway(config('providers:\n  mock: { adapter: mock, models: [m] }', `server:\n${server}`)
    .replace(`key: ${TEST_KEY}`, `key: ${TEST_KEY}\n    allow_ips: [10.0.0.0/8]`));
  return Number(new URL(gw.url).port);
};

/** A chat request from `localAddress` with extra headers: its status (200 = the client address was in 10/8). */
function from(port: number, localAddress: string, headers: Record<string, string> | Array<[string, string]>): Promise<number> {
  const body = JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'x' }] });
  const extra = (Array.isArray(headers) ? headers : Object.entries(headers)).map(([k, v]) => `${k}: ${v}\r\n`).join('');
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, localAddress }, () => {
      socket.write(`POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${TEST_KEY}\r\nContent-Type: application/json\r\n${extra}Content-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`);
    });
    let head = '';
    socket.on('data', (chunk) => (head += chunk.toString()));
    socket.on('close', () => resolve(Number(head.split(' ')[1])));
    socket.on('error', reject);
  });
}

test('trust_proxy as a list: headers only from a listed proxy; X-Forwarded-For walked past listed proxies', async () => {
  const port = await start('  trust_proxy: [127.0.0.2/32]');
  // 127.0.0.1 is not a listed proxy: its X-Forwarded-For is the client's own claim and ignored.
  expect(await from(port, '127.0.0.1', { 'x-forwarded-for': '10.1.1.1' })).toBe(403);
  expect(await from(port, '127.0.0.1', { 'x-real-ip': '10.1.1.1' })).toBe(403);
  // From the proxy: the rightmost entry that is not a listed proxy is the client.
  expect(await from(port, '127.0.0.2', { 'x-forwarded-for': '10.1.1.1' })).toBe(200);
  expect(await from(port, '127.0.0.2', { 'x-forwarded-for': '10.1.1.1, 127.0.0.2' })).toBe(200);
  expect(await from(port, '127.0.0.2', { 'x-forwarded-for': '10.1.1.1, 203.0.113.9' })).toBe(403);
});

test('client_ip_header: only the named header is read; a client-supplied X-Forwarded-For is not believed', async () => {
  const port = await start('  trust_proxy: true\n  client_ip_header: X-Real-IP');
  expect(await from(port, '127.0.0.1', { 'x-forwarded-for': '10.1.1.1', 'x-real-ip': '203.0.113.9' })).toBe(403);
  expect(await from(port, '127.0.0.1', { 'x-forwarded-for': '203.0.113.9', 'x-real-ip': '10.2.2.2' })).toBe(200);
  expect(await from(port, '127.0.0.1', { 'x-forwarded-for': '10.1.1.1' })).toBe(403); // no X-Real-IP: the peer
  // A proxy that adds its own header line after the client's: the last value is the proxy's.
  expect(await from(port, '127.0.0.1', [['x-real-ip', '10.1.1.1'], ['x-real-ip', '203.0.113.9']])).toBe(403);
  expect(await from(port, '127.0.0.1', [['x-real-ip', '203.0.113.9'], ['x-real-ip', '10.3.3.3']])).toBe(200);
});

test('a trust_proxy list that is not CIDRs is refused by the schema', async () => {
  await expect(start('  trust_proxy: [not-an-ip]')).rejects.toThrow(/trust_proxy/);
});
