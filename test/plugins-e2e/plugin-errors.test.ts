// Plugin failures never leak internals (issue 8 point 6): for every hook, on both surfaces (OpenAI
// chat and Anthropic /v1/messages), streamed or not, a throwing hook (or one returning an unusable
// value) gives the client 500 plugin_error naming the plugin, the hook and the request id, never the
// exception's text or stack; the text and stack are logged under the same request id.

import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { join } from 'node:path';
import { type E2EGateway, FIXTURES, type LogLine, TEST_KEY, auth, captureLog, startE2E } from './helpers.ts';

const HOOKS = ['onRequest', 'onCanonicalRequest', 'onUpstreamRequest', 'onUpstreamResponse', 'onResponse', 'onStreamEvent', 'onError'] as const;
type Hook = (typeof HOOKS)[number];
const PROVIDER_HOOKS = new Set<Hook>(['onUpstreamRequest', 'onUpstreamResponse']);

let gw: E2EGateway;
let lines: LogLine[];

beforeAll(async () => {
  const leaky = join(FIXTURES, 'leaky.ts');
  const log = captureLog();
  lines = log.lines;
  const declared = HOOKS.flatMap((h) => [
    `  leak-${h}: { module: ${leaky}, options: { hook: ${h} } }`,
    `  junk-${h}: { module: ${leaky}, options: { hook: ${h}, garbage: true } }`,
  ]).join('\n');
  const routes = HOOKS.filter((h) => !PROVIDER_HOOKS.has(h)).flatMap((h) => [
    `  - { path: /leak-${h}, plugins: [leak-${h}] }`,
    `  - { path: /junk-${h}, plugins: [junk-${h}] }`,
  ]).join('\n');
  const providers = [...PROVIDER_HOOKS].flatMap((h) => ['leak', 'junk'].map((kind) => `  p-${kind}-${h}:
    adapter: mock
    models: { m-${kind}-${h}: mock-echo }
    plugins: [${kind}-${h}]`)).join('\n');
  const models = [...PROVIDER_HOOKS].flatMap((h) => ['leak', 'junk'].map((kind) => `  m-${kind}-${h}: { price: { input: 1, output: 1 } }`)).join('\n');
  gw = await startE2E(`version: 1
keys:
  - name: tester
    key: ${TEST_KEY}
providers:
  mock:
    adapter: mock
    models: [mock-echo]
    mock: { chunk_delay_ms: 1 }
${providers}
models:
  mock-echo: { price: { input: 1, output: 1 } }
${models}
plugins:
${declared}
routes:
${routes}
`, { logger: log.logger });
});

afterAll(async () => {
  await gw?.stop();
});

type Surface = 'openai' | 'anthropic';

function send(kind: 'leak' | 'junk', hook: Hook, surface: Surface, stream: boolean): Promise<Response> {
  const provider = PROVIDER_HOOKS.has(hook);
  const prefix = provider ? '' : `/${kind}-${hook}`;
  // onError needs an error to reshape: an unknown model.
  const model = hook === 'onError' ? 'no-such-model' : provider ? `m-${kind}-${hook}` : 'mock-echo';
  const messages = [{ role: 'user', content: 'hello there' }];
  if (surface === 'openai') {
    return fetch(`${gw.url}${prefix}/v1/chat/completions`, { method: 'POST', headers: auth(), body: JSON.stringify({ model, messages, stream }) });
  }
  return fetch(`${gw.url}${prefix}/v1/messages`, { method: 'POST', headers: auth(), body: JSON.stringify({ model, messages, max_tokens: 50, stream }) });
}

function expectNoInternals(text: string) {
  expect(text).not.toContain('tok-internal');
  expect(text).not.toContain('SELECT');
  expect(text).not.toContain('/srv/private');
  expect(text).not.toContain('leaky.ts');
  expect(text).not.toMatch(/\n\s+at /);
  expect(text).not.toContain('nonsense');
}

/** The error object the client got, from a JSON body or the stream's error event. */
async function clientError(res: Response, surface: Surface): Promise<{ text: string; message: string; code?: string; type: string }> {
  const isStream = (res.headers.get('content-type') ?? '').includes('event-stream');
  const text = isStream ? (await streamData(res)).filter((d) => d.includes('"error"')).join('\n') : await res.text();
  expect(text.length).toBeGreaterThan(0);
  const body = JSON.parse(text.split('\n')[0]) as { type?: string; error: { message: string; code?: string; type: string } };
  if (surface === 'anthropic') expect(body.type).toBe('error');
  return { text, message: body.error.message, code: body.error.code, type: body.error.type };
}

/** The data payloads of an SSE body, also of frames that start with an `event:` line (Anthropic). */
async function streamData(res: Response): Promise<string[]> {
  const frames = (await res.text()).split('\n\n');
  return frames.flatMap((f) => f.split('\n').filter((l) => l.startsWith('data:')).map((l) => l.slice(5).trim()));
}

const cases: Array<{ hook: Hook; surface: Surface; stream: boolean }> = [];
for (const hook of HOOKS) {
  for (const surface of ['openai', 'anthropic'] as const) {
    for (const stream of [false, true]) {
      if (hook === 'onStreamEvent' && !stream) continue; // runs on streams only
      if (hook === 'onUpstreamResponse' && stream) continue; // runs on buffered replies only
      if (hook === 'onResponse' && stream) continue; // non-stream answers only
      cases.push({ hook, surface, stream });
    }
  }
}

describe.each(['leak', 'junk'] as const)('%s', (kind) => {
  test.each(cases)(`$hook on $surface (stream: $stream) → plugin_error naming plugin, hook and request id`, async ({ hook, surface, stream }) => {
    const res = await send(kind, hook, surface, stream);
    const id = res.headers.get('x-request-id');
    expect(id).toBeTruthy();
    const plugin = `${kind}-${hook}`;
    const inStream = hook === 'onStreamEvent';
    expect(res.status).toBe(inStream ? 200 : 500);
    const err = await clientError(res, surface);
    expectNoInternals(err.text);
    expect(err.message).toContain(`"${plugin}"`);
    expect(err.message).toContain(hook);
    expect(err.message).toContain(id!);
    if (surface === 'openai') expect(err.code).toBe('plugin_error');
    expect(err.type).toBe('api_error');

    // The details are in the log, under the same request id (exception text and stack for a throw).
    const line = lines.find((l) => l.msg === 'plugin failed' && l.request_id === id && l.plugin === plugin);
    expect(line).toBeDefined();
    expect(line!.hook).toBe(hook);
    if (kind === 'leak') {
      expect(String(line!.error)).toContain('tok-internal-4242');
      expect(String(line!.stack)).toContain('leaky.ts');
    } else {
      expect(String(line!.error)).toContain('invalid value');
    }
  });
});

test('after all of that the gateway is healthy and clean routes answer', async () => {
  expect((await fetch(`${gw.url}/health`)).status).toBe(200);
  const res = await fetch(`${gw.url}/v1/chat/completions`, { method: 'POST', headers: auth(), body: JSON.stringify({ model: 'mock-echo', messages: [{ role: 'user', content: 'hi' }] }) });
  expect(res.status).toBe(200);
});
