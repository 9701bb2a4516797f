// Plugin isolation: a throwing, rejecting or hanging hook becomes a clean 500 plugin_error / 500
// plugin_timeout naming the plugin (no stack); a throw mid-stream ends the stream with one error event
// and no [DONE], and the request is still billed; fail_open skips the plugin; other routes stay green.

import { afterAll, beforeAll, expect, test } from 'bun:test';
import { join } from 'node:path';
import { type E2EGateway, FIXTURES, TEST_KEY, chatBody, postJson, sseData, startE2E } from './helpers.ts';

let gw: E2EGateway;

beforeAll(async () => {
  const boom = join(FIXTURES, 'boom.ts');
  gw = await startE2E(`version: 1
keys:
  - name: tester
    key: ${TEST_KEY}
providers:
  mock:
    adapter: mock
    models: [mock-echo]
    mock: { chunk_delay_ms: 5 }
models:
  mock-echo:
    price: { input: 1, output: 1 }
plugins:
  boom-throw: { module: ${boom}, options: { mode: throw } }
  boom-reject: { module: ${boom}, options: { mode: reject } }
  boom-hang: { module: ${boom}, options: { mode: hang }, timeout_ms: 150 }
  boom-stream: { module: ${boom}, options: { mode: stream } }
  boom-open: { module: ${boom}, options: { mode: throw }, fail_open: true }
routes:
  - { path: /throw, plugins: [boom-throw] }
  - { path: /reject, plugins: [boom-reject] }
  - { path: /hang, plugins: [boom-hang] }
  - { path: /stream, plugins: [boom-stream] }
  - { path: /open, plugins: [boom-open] }
`);
});

afterAll(async () => {
  await gw?.stop();
});

const chat = (prefix: string, extra: Record<string, unknown> = {}) => postJson(`${gw.url}${prefix}/v1/chat/completions`, chatBody('hello world', 'mock-echo', extra));

async function expectClean(prefix: string) {
  const res = await chat(prefix);
  expect(res.status).toBe(200);
  expect(((await res.json()) as { choices: Array<{ message: { content: string } }> }).choices[0].message.content).toBe('You said: hello world');
}

function expectNoStack(text: string) {
  expect(text).not.toMatch(/\n\s+at /);
  expect(text).not.toContain('.ts:');
  expect(text).not.toContain('fixtures');
}

test('a throwing hook → 500 plugin_error naming the plugin, no stack; the clean route stays green', async () => {
  const res = await chat('/throw');
  expect(res.status).toBe(500);
  const text = await res.text();
  const body = JSON.parse(text) as { error: { type: string; code: string; message: string } };
  expect(body.error.type).toBe('api_error');
  expect(body.error.code).toBe('plugin_error');
  expect(body.error.message).toContain('"boom-throw"');
  expect(body.error.message).toContain('onCanonicalRequest');
  expectNoStack(text);
  await expectClean('');
});

test('a rejecting async hook → 500 plugin_error', async () => {
  const res = await chat('/reject');
  expect(res.status).toBe(500);
  const text = await res.text();
  expect(JSON.parse(text).error.code).toBe('plugin_error');
  expect(JSON.parse(text).error.message).toContain('"boom-reject"');
  expectNoStack(text);
  await expectClean('');
});

test('a hook over its time budget → plugin_timeout, and the gateway keeps serving meanwhile', async () => {
  const pending = chat('/hang');
  await expectClean(''); // served while the hanging hook is waiting
  const res = await pending;
  expect(res.status).toBe(500);
  const body = (await res.json()) as { error: { code: string; message: string } };
  expect(body.error.code).toBe('plugin_timeout');
  expect(body.error.message).toContain('"boom-hang"');
  expect(body.error.message).toContain('150 ms');
});

test('a throw mid-stream → one error event, no [DONE], and the request is billed', async () => {
  const res = await chat('/stream', { stream: true });
  expect(res.status).toBe(200);
  const id = res.headers.get('x-request-id')!;
  const data = await sseData(res);
  expect(data).not.toContain('[DONE]');
  const errors = data.filter((d) => d.includes('"error"'));
  expect(errors.length).toBe(1);
  expect(data.at(-1)).toBe(errors[0]);
  const event = JSON.parse(errors[0]) as { error: { code: string; message: string } };
  expect(event.error.code).toBe('plugin_error');
  expect(event.error.message).toContain('"boom-stream"');
  expectNoStack(errors[0]);
  const row = await gw.row(id);
  expect(row.stream).toBe(true);
  expect(row.partial).toBe(true);
  expect(row.keyName).toBe('tester');
  expect(row.promptTokens).toBeGreaterThan(0);
  expect(row.costMicros).toBeGreaterThan(0);
  await expectClean('');
});

test('a fail_open plugin that throws is skipped', async () => {
  await expectClean('/open');
});

test('after all of that the gateway is healthy', async () => {
  expect((await fetch(`${gw.url}/health`)).status).toBe(200);
  await Promise.all(['', '/open', ''].map((p) => expectClean(p)));
});
