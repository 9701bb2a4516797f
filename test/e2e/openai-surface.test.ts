// The OpenAI surface through the real gateway with the `openai` SDK: the mock provider (chat, stream,
// embeddings, models, images, audio) and a fake upstream (tools, passthrough, header hygiene).

import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import OpenAI, { toFile } from 'openai';
import { TEST_KEY, type TestGateway, config, startTestGateway } from '../helpers/gateway.ts';
import { type FakeUpstream, chatCompletion, json, startFakeUpstream } from '../helpers/fake-upstream.ts';

let gw: TestGateway;
let up: FakeUpstream;
let client: OpenAI;

beforeAll(async () => {
  up = startFakeUpstream();
  gw = await startTestGateway(config(`
providers:
  mock:
    adapter: mock
    models: [mock-echo, mock-embed, mock-image, mock-whisper, mock-tts]
  fake:
    adapter: openai
    base_url: ${up.url}
    api_key: sk-upstream-secret-abcdef123456
    models: { fake-chat: up-model }
    passthrough: [/files]
models:
  mock-echo:
    price: { input: 1, output: 2 }
`));
  client = new OpenAI({ apiKey: TEST_KEY, baseURL: `${gw.url}/v1`, maxRetries: 0 });
});
afterAll(async () => {
  await gw.stop();
  up.stop();
});

describe('mock provider via the openai SDK', () => {
  test('chat completion echoes and reports usage and cost headers', async () => {
    const { data, response } = await client.chat.completions.create({ model: 'mock-echo', messages: [{ role: 'user', content: 'hello gateway' }] }).withResponse();
    expect(data.choices[0].message.content).toBe('You said: hello gateway');
    expect(data.usage?.total_tokens).toBeGreaterThan(0);
    expect(response.headers.get('x-request-id')).toMatch(/^req_/);
    expect(response.headers.get('x-switchyard-provider')).toBe('mock');
    expect(response.headers.get('x-switchyard-attempts')).toBe('1');
    expect(Number(response.headers.get('x-switchyard-cost-usd'))).toBeGreaterThan(0);
  });

  test('stream arrives word by word; the usage chunk only when asked', async () => {
    const stream = await client.chat.completions.create({ model: 'mock-echo', stream: true, messages: [{ role: 'user', content: 'one two three' }] });
    const parts: string[] = [];
    let usageSeen = false;
    for await (const chunk of stream) {
      parts.push(chunk.choices[0]?.delta?.content ?? '');
      if (chunk.usage) usageSeen = true;
    }
    expect(parts.join('')).toBe('You said: one two three');
    expect(parts.filter(Boolean).length).toBeGreaterThan(3);
    expect(usageSeen).toBe(false);

    const withUsage = await client.chat.completions.create({ model: 'mock-echo', stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'one two three' }] });
    let usage: OpenAI.CompletionUsage | undefined | null;
    for await (const chunk of withUsage) if (chunk.usage) usage = chunk.usage;
    expect(usage?.completion_tokens).toBeGreaterThan(0);
  });

  test('the same surface works without /v1', async () => {
    const bare = new OpenAI({ apiKey: TEST_KEY, baseURL: gw.url, maxRetries: 0 });
    const res = await bare.chat.completions.create({ model: 'mock-echo', messages: [{ role: 'user', content: 'no v1' }] });
    expect(res.choices[0].message.content).toBe('You said: no v1');
  });

  test('embeddings are fixed-size and deterministic', async () => {
    const a = await client.embeddings.create({ model: 'mock-embed', input: ['alpha', 'beta'], encoding_format: 'float' });
    const b = await client.embeddings.create({ model: 'mock-embed', input: 'alpha', encoding_format: 'float' });
    expect(a.data).toHaveLength(2);
    expect(a.data[0].embedding).toHaveLength(8);
    expect(b.data[0].embedding).toEqual(a.data[0].embedding);
    // The SDK's default asks for base64 and decodes it: same vector (float32 precision).
    const viaBase64 = await client.embeddings.create({ model: 'mock-embed', input: 'alpha' });
    expect(viaBase64.data[0].embedding).toHaveLength(8);
    viaBase64.data[0].embedding.forEach((v, i) => expect(v).toBeCloseTo(a.data[0].embedding[i], 5));
  });

  test('models lists the configured models and retrieves one', async () => {
    const list = await client.models.list();
    const ids = list.data.map((m) => m.id);
    expect(ids).toContain('mock-echo');
    expect(ids).toContain('fake-chat');
    expect((await client.models.retrieve('mock-echo')).id).toBe('mock-echo');
    const err = await client.models.retrieve('nope').then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.NotFoundError);
  });

  test('image generation, an image edit upload and audio round-trip', async () => {
    const gen = await client.images.generate({ model: 'mock-image', prompt: 'a cat', response_format: 'b64_json' });
    expect(gen.data?.[0].b64_json).toBeTruthy();
    const png = Uint8Array.from(atob(gen.data![0].b64_json!), (c) => c.charCodeAt(0));
    const edit = await client.images.edit({ model: 'mock-image', image: await toFile(png, 'cat.png', { type: 'image/png' }), prompt: 'add a hat', n: 2 });
    expect(edit.data).toHaveLength(2);
    const transcript = await client.audio.transcriptions.create({ model: 'mock-whisper', file: await toFile(new Uint8Array(1234), 'a.mp3', { type: 'audio/mpeg' }) });
    expect(transcript.text).toBe('mock transcription of 1234 bytes');
    const speech = await client.audio.speech.create({ model: 'mock-tts', input: 'hi', voice: 'alloy' });
    expect((await speech.arrayBuffer()).byteLength).toBeGreaterThan(10);
    const mod = await client.moderations.create({ model: 'mock-echo', input: 'fine' });
    expect(mod.results[0].flagged).toBe(false);
  });
});

describe('fake OpenAI-compatible upstream', () => {
  test('tools pass through; model renamed; our auth and steering fields never reach the upstream', async () => {
    up.set(() => json(chatCompletion('ok')));
    up.received.length = 0;
    const tools: OpenAI.ChatCompletionTool[] = [{ type: 'function', function: { name: 'get_time', parameters: { type: 'object', properties: {} } } }];
    await client.chat.completions.create({ model: 'fake-chat', messages: [{ role: 'user', content: 'time?' }], tools, tool_choice: 'auto', api_base: 'http://evil.example', base_url: 'http://evil.example' } as never);
    const got = up.received[0];
    const body = JSON.parse(got.body);
    expect(body.model).toBe('up-model');
    expect(body.tools).toEqual(tools);
    expect(body.api_base).toBeUndefined();
    expect(body.base_url).toBeUndefined();
    expect(got.headers.authorization).toBe('Bearer sk-upstream-secret-abcdef123456');
    expect(JSON.stringify(got.headers)).not.toContain(TEST_KEY);
  });

  test('an upstream tool call comes back intact', async () => {
    up.set(() => json({ ...chatCompletion(''), choices: [{ index: 0, message: { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_time', arguments: '{}' } }] }, finish_reason: 'tool_calls' }] }));
    const res = await client.chat.completions.create({ model: 'fake-chat', messages: [{ role: 'user', content: 'time?' }] });
    expect(res.choices[0].message.tool_calls?.[0]).toMatchObject({ id: 'call_1', function: { name: 'get_time' } });
  });

  test('other /v1 paths pass through to the provider named for them', async () => {
    up.set((req) => json({ object: 'list', data: [], path: new URL(req.url).pathname }));
    const res = await fetch(`${gw.url}/v1/files?purpose=batch`, { headers: { authorization: `Bearer ${TEST_KEY}` } });
    expect(res.status).toBe(200);
    expect((await res.json()).path).toBe('/v1/files');
    expect(up.received.at(-1)!.path).toBe('/v1/files?purpose=batch');
    const unknown = await fetch(`${gw.url}/v1/assistants`, { headers: { authorization: `Bearer ${TEST_KEY}` } });
    expect(unknown.status).toBe(404);
    expect((await unknown.json()).error.code).toBe('unknown_route');
  });

  test('upstream 401 is our 502 upstream_auth_failed, with no key in the message', async () => {
    up.set(() => json({ error: { message: 'Incorrect API key provided: sk-upstream-secret-abcdef123456. You can find your API key at https://platform.openai.com/account/api-keys.' } }, 401));
    const res = await fetch(`${gw.url}/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${TEST_KEY}`, 'content-type': 'application/json' }, body: JSON.stringify({ model: 'fake-chat', messages: [{ role: 'user', content: 'x' }] }) });
    expect(res.status).toBe(502);
    const text = await res.text();
    expect(JSON.parse(text).error.code).toBe('upstream_auth_failed');
    expect(text).not.toContain('sk-upstream-secret');
    expect(text).not.toContain('platform.openai.com');
  });

  test('an upstream error message leaking the key is masked', async () => {
    up.set(() => json({ error: { message: 'quota exceeded for key sk-upstream-secret-abcdef123456 at https://internal.example/v1' } }, 400));
    const res = await fetch(`${gw.url}/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${TEST_KEY}`, 'content-type': 'application/json' }, body: JSON.stringify({ model: 'fake-chat', messages: [{ role: 'user', content: 'x' }] }) });
    expect(res.status).toBe(400);
    const text = await res.text();
    expect(text).not.toContain('sk-upstream-secret-abcdef123456');
    expect(text).not.toContain('internal.example');
  });

  test('redirects from an upstream are not followed', async () => {
    up.set(() => new Response(null, { status: 302, headers: { location: 'http://127.0.0.1:1/elsewhere' } }));
    const res = await fetch(`${gw.url}/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${TEST_KEY}`, 'content-type': 'application/json' }, body: JSON.stringify({ model: 'fake-chat', messages: [{ role: 'user', content: 'x' }] }) });
    expect(res.status).toBe(502);
    expect((await res.json()).error.message).toContain('redirect');
  });
});

describe('passthrough hygiene', () => {
  test('a passthrough JSON body loses host-steering fields; other fields arrive untouched', async () => {
    up.set(() => json({ ok: true }));
    up.received.length = 0;
    const res = await fetch(`${gw.url}/v1/files/file-1/fine`, {
      method: 'POST', headers: { authorization: `Bearer ${TEST_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ purpose: 'batch', api_base: 'http://evil.example', base_url: 'http://evil.example' }),
    });
    expect(res.status).toBe(200);
    expect(JSON.parse(up.received[0].body)).toEqual({ purpose: 'batch' });
  });
});

describe('passthrough allowlist', () => {
  test('a passthrough body naming a model the key may not use is refused, however its type is spelt', async () => {
    const narrow = await startTestGateway(config(`providers:\n  fake: { adapter: openai, base_url: ${up.url}, models: [fake-chat], passthrough: [/batches] }`)
      .replace(`key: ${TEST_KEY}`, `key: ${TEST_KEY}\n    models: [fake-chat]`));
    try {
      for (const type of ['application/json', 'Application/JSON', 'text/plain']) {
        const res = await fetch(`${narrow.url}/v1/batches`, { method: 'POST', headers: { authorization: `Bearer ${TEST_KEY}`, 'content-type': type }, body: JSON.stringify({ model: 'gpt-forbidden', api_base: 'http://evil' }) });
        expect(res.status).toBe(403);
      }
    } finally {
      await narrow.stop();
    }
  });
});

describe('a known path with the wrong method is 405 with Allow (trial finding 11)', () => {
  const call = (method: string, path: string, headers: Record<string, string> = {}) =>
    fetch(`${gw.url}${path}`, { method, headers: { authorization: `Bearer ${TEST_KEY}`, ...headers } });

  test('HEAD is answered wherever GET is: the status and headers of a GET, no body', async () => {
    const head = await call('HEAD', '/v1/models');
    expect(head.status).toBe(200);
    expect(head.headers.get('content-type')).toContain('application/json');
    expect(await head.text()).toBe('');
    expect((await call('HEAD', '/v1/models', { authorization: 'Bearer sk-wrong-0000000000' })).status).toBe(401);
    const onPost = await call('HEAD', '/v1/chat/completions');
    expect(onPost.status).toBe(405);
    expect(onPost.headers.get('allow')).toBe('POST');
  });

  test('POST /v1/models and GET /v1/chat/completions: OpenAI-shaped method_not_allowed, before authentication', async () => {
    const res = await call('POST', '/v1/models');
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('GET, HEAD');
    expect(res.headers.get('x-request-id')).toStartWith('req_');
    expect(await res.json()).toEqual({ error: { message: 'POST is not supported on /v1/models; use GET or HEAD.', type: 'invalid_request_error', code: 'method_not_allowed', param: null } });
    const chat = await fetch(`${gw.url}/v1/chat/completions`); // no key: the path is wrong whoever asks
    expect(chat.status).toBe(405);
    expect(chat.headers.get('allow')).toBe('POST');
    expect(((await chat.json()) as { error: { code: string } }).error.code).toBe('method_not_allowed');
    for (const [method, path, allow] of [['DELETE', '/v1/embeddings', 'POST'], ['PUT', '/v1/models/mock-echo', 'GET, HEAD'], ['GET', '/v1/images/jobs', 'POST'], ['DELETE', '/v1/images/jobs/job_1', 'GET, HEAD']] as const) {
      const r = await call(method, path);
      expect([path, r.status, r.headers.get('allow')]).toEqual([path, 405, allow]);
    }
  });

  test('the other surfaces\' paths on an OpenAI route: 405 instead of passing through', async () => {
    for (const [method, path, allow] of [['GET', '/v1/responses', 'POST'], ['PUT', '/v1/responses/resp_1', 'GET, DELETE, HEAD'], ['POST', '/v1/responses/resp_1/input_items', 'GET, HEAD']] as const) {
      const r = await call(method, path);
      expect([path, r.status, r.headers.get('allow'), ((await r.json()) as { error: { code: string } }).error.code]).toEqual([path, 405, allow, 'method_not_allowed']);
    }
    // In the surface's own error shape: Anthropic's for its Messages paths.
    const messages = await call('GET', '/v1/messages');
    expect([messages.status, messages.headers.get('allow')]).toEqual([405, 'POST']);
    expect(await messages.json()).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } });
    const gemini = await call('GET', '/v1beta/models/mock-echo:generateContent');
    expect(gemini.status).toBe(405);
    expect(gemini.headers.get('allow')).toBe('POST');
    expect(((await gemini.json()) as { error: { code: number; message: string } }).error).toMatchObject({ code: 405, message: 'GET is not supported on /v1beta/models/mock-echo:generateContent; use POST.' });
  });

  test('OPTIONS without server.cors: 405 with Allow, saying where CORS is configured, and no CORS header', async () => {
    const res = await fetch(`${gw.url}/v1/chat/completions`, { method: 'OPTIONS', headers: { origin: 'https://chat.example.com', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type' } });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('POST');
    expect([...res.headers.keys()].filter((k) => k.startsWith('access-control-'))).toEqual([]);
    expect(((await res.json()) as { error: { message: string } }).error.message).toContain('server.cors.allow_origins');
  });

  test('unknown paths stay 404, and a passthrough prefix still takes every method', async () => {
    expect((await call('GET', '/v1/assistants')).status).toBe(404);
    up.set((req) => json({ deleted: true, method: req.method }));
    const del = await call('DELETE', '/v1/files/file-1');
    expect(del.status).toBe(200);
    expect(((await del.json()) as { method: string }).method).toBe('DELETE');
  });
});

