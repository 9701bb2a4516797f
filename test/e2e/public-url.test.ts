// server.public_url: the base_url hints of 404 unknown_route (OpenAI surface, a prefixed route, the Gemini
// surface) name the operator's URL instead of the `<gateway address>` placeholder (seed 000 FAQ 2), a reload
// applies a change, and the client's Host header is still never echoed. Raw HTTP sends the Host a client
// chooses (fetch would not).

import { afterAll, beforeAll, expect, test } from 'bun:test';
import { type TestGateway, config, startTestGateway } from '../helpers/gateway.ts';
import { sendRaw } from '../helpers/raw-http.ts';

const body = (server: string) => config(`${server}
providers:
  mock: { adapter: mock, models: [m] }
routes:
  - { path: /zzz }
  - { path: /gem, protocol: gemini }`);

let gw: TestGateway;
let port: number;
beforeAll(async () => {
  gw = await startTestGateway(body('server: { public_url: "https://llm.example.com/" }'));
  port = Number(new URL(gw.url).port);
});
afterAll(async () => {
  await gw.stop();
});

/** GET `path` with a Host the client chose; the 404 hint's message. */
async function hint(path: string): Promise<string> {
  const res = await sendRaw(port, `GET ${path} HTTP/1.1\r\nHost: evil.example.com\r\nConnection: close\r\n\r\n`);
  expect(res.status).toBe(404);
  expect(res.body).not.toContain('evil');
  return (JSON.parse(res.body) as { error: { code: string; message: string } }).error.message;
}

test('with server.public_url the hints name it (no trailing slash doubled), on every surface and route', async () => {
  expect(await hint('/v1/v1/models')).toContain('set its base_url to https://llm.example.com (without /v1)');
  expect(await hint('/chat/completion')).toContain('base_url to https://llm.example.com/v1 for the OpenAI SDKs');
  expect(await hint('/zzz/chat/completion')).toContain('base_url to https://llm.example.com/zzz/v1 for the OpenAI SDKs');
  expect(await hint('/gem/v1beta/files')).toContain('Point your Gemini client at https://llm.example.com/gem ');
  expect(await hint('/zzz/chat/completion')).not.toContain('<gateway address>');
});

test('a reload applies a changed public_url; without one the placeholder comes back (never the Host header)', async () => {
  gw.write(body('server: { public_url: "https://example.com/llm" }'));
  expect(await gw.reload('test')).toBe(true);
  expect(await hint('/chat/completion')).toContain('base_url to https://example.com/llm/v1 for the OpenAI SDKs');
  gw.write(body(''));
  expect(await gw.reload('test')).toBe(true);
  expect(await hint('/chat/completion')).toContain('base_url to <gateway address>/v1 for the OpenAI SDKs');
  expect(await hint('/gem/v1beta/files')).toContain('Point your Gemini client at <gateway address>/gem ');
});
