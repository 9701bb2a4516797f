// Plugin failures never leak internals (issue 8 point 6): for every hook, on every surface (OpenAI
// chat, Anthropic /v1/messages, OpenAI Responses, Gemini generateContent), streamed or not, a throwing hook (or one returning an unusable
// value) gives the client 500 plugin_error naming the plugin, the hook and the request id, never the
// exception's text or stack; the text and stack are logged under the same request id.

import { afterAll, beforeAll, describe, expect, test, setDefaultTimeout } from 'bun:test';
import { join } from 'node:path';
import { type E2EGateway, FIXTURES, type LogLine, TEST_KEY, auth, captureLog, startE2E } from './helpers.ts';

// Gateways start, files are watched and CLIs spawned here: generous on a shared, loaded machine.
setDefaultTimeout(20_000);

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
}, 30_000); // 28 plugin instances to load on a shared machine

afterAll(async () => {
  await gw?.stop();
});

type Surface = 'openai' | 'anthropic' | 'responses' | 'gemini';
const SURFACES: readonly Surface[] = ['openai', 'anthropic', 'responses', 'gemini'];

function send(kind: 'leak' | 'junk', hook: Hook, surface: Surface, stream: boolean): Promise<Response> {
  const provider = PROVIDER_HOOKS.has(hook);
  const prefix = provider ? '' : `/${kind}-${hook}`;
  // onError needs an error to reshape: an unknown model.
  const model = hook === 'onError' ? 'no-such-model' : provider ? `m-${kind}-${hook}` : 'mock-echo';
  const messages = [{ role: 'user', content: 'hello there' }];
  const post = (path: string, body: unknown) => fetch(`${gw.url}${prefix}${path}`, { method: 'POST', headers: auth(), body: JSON.stringify(body) });
  switch (surface) {
    case 'openai':
      return post('/v1/chat/completions', { model, messages, stream });
    case 'anthropic':
      return post('/v1/messages', { model, messages, max_tokens: 50, stream });
    case 'responses':
      return post('/v1/responses', { model, input: 'hello there', stream });
    case 'gemini':
      return post(`/v1beta/models/${model}:${stream ? 'streamGenerateContent?alt=sse' : 'generateContent'}`, { contents: [{ role: 'user', parts: [{ text: 'hello there' }] }] });
  }
}

function expectNoInternals(text: string) {
  expect(text).not.toContain('tok-internal');
  expect(text).not.toContain('SELECT');
  expect(text).not.toContain('/srv/private');
  expect(text).not.toContain('leaky.ts');
  expect(text).not.toMatch(/\n\s+at /);
  expect(text).not.toContain('nonsense');
}

/** The first `error` object with a string message anywhere in a parsed body or event. */
function findError(v: unknown): { message: string; code?: unknown; type?: unknown } | undefined {
  if (!v || typeof v !== 'object') return undefined;
  const o = v as Record<string, unknown>;
  const e = o.error as Record<string, unknown> | undefined;
  if (e && typeof e === 'object' && typeof e.message === 'string') return e as { message: string };
  for (const child of Object.values(o)) {
    const found = findError(child);
    if (found) return found;
  }
  return undefined;
}

/** The error the client got, from a JSON body or the stream's error event, with the raw text it came in. */
async function clientError(res: Response): Promise<{ text: string; message: string; code?: unknown; type?: unknown }> {
  const isStream = (res.headers.get('content-type') ?? '').includes('event-stream');
  const text = isStream ? (await streamData(res)).join('\n') : await res.text();
  const payloads = isStream ? text.split('\n') : [text];
  for (const p of payloads) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(p);
    } catch {
      continue;
    }
    const err = findError(parsed);
    if (err) return { text, ...err };
  }
  throw new Error(`no error in: ${text.slice(0, 500)}`);
}

/** The data payloads of an SSE body, also of frames that start with an `event:` line (Anthropic). */
async function streamData(res: Response): Promise<string[]> {
  const frames = (await res.text()).split('\n\n');
  return frames.flatMap((f) => f.split('\n').filter((l) => l.startsWith('data:')).map((l) => l.slice(5).trim()));
}

const cases: Array<{ hook: Hook; surface: Surface; stream: boolean }> = [];
for (const hook of HOOKS) {
  for (const surface of SURFACES) {
    for (const stream of [false, true]) {
      if (hook === 'onStreamEvent' && !stream) continue; // runs on streams only
      if (hook === 'onUpstreamResponse' && stream) continue; // runs on buffered replies only
      if (hook === 'onResponse' && stream) continue; // non-stream answers only
      // The mock provider has no native /responses endpoint, so no Responses answer reaches these hooks.
      if (surface === 'responses' && (hook === 'onResponse' || hook === 'onStreamEvent')) continue;
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
    const err = await clientError(res);
    expectNoInternals(err.text);
    expect(err.message).toContain(`"${plugin}"`);
    expect(err.message).toContain(hook);
    expect(err.message).toContain(id!);
    if (surface === 'openai' || (surface === 'responses' && !inStream)) expect(err.code).toBe('plugin_error');
    if (surface === 'openai' || surface === 'anthropic') expect(err.type).toBe('api_error');

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
