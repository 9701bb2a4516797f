// Azure OpenAI adapter: both URL forms (deployments + api-version, and the /openai/v1 API), the
// api-key header, body rules (model, stream usage, data_sources), and the OpenAI-format decoder on
// Azure wire samples (test/fixtures/azure): annotation frames, usage, content filter, errors.

import { describe, expect, test } from 'bun:test';
import adapter from '../../adapters/azure/index.ts';
import type { Operation } from '../../src/contracts/index.ts';
import { adapterHarness } from '../helpers/adapter-harness.ts';

const KEY = 'azkey-0123456789abcdef0123456789abcdef';
const BASE = 'https://my-resource.openai.azure.com';
const chat = { model: 'my-gpt4o-deployment', messages: [{ role: 'user', content: 'Hi' }] };

const { fixture, provider, request, build, reply, runStream, chunksOf, catchError } = adapterHarness(adapter, { fixtures: 'azure', provider: { name: 'azure', baseUrl: BASE, apiKey: KEY }, upstreamModel: 'my-gpt4o-deployment', streamBody: chat });



describe('azure: deployments URL form', () => {
  test('chat: deployment from upstreamModel, default api-version, model removed, api-key header', () => {
    const { req, body } = build({ ...chat, temperature: 0.2 });
    expect(req.url).toBe(`${BASE}/openai/deployments/my-gpt4o-deployment/chat/completions?api-version=2024-10-21`);
    expect(req.method).toBe('POST');
    expect(req.headers['api-key']).toBe(KEY);
    expect(req.headers.authorization).toBeUndefined();
    expect(req.headers['content-type']).toBe('application/json');
    expect(req.url).not.toContain(KEY);
    expect(body).toEqual({ messages: [{ role: 'user', content: 'Hi' }], temperature: 0.2 });
  });

  test('api_version from the provider block; base_url ending in /openai tolerated', () => {
    const p = provider({ baseUrl: `${BASE}/openai`, options: { api_version: '2025-04-01-preview' } });
    expect(build(chat, p).req.url).toBe(`${BASE}/openai/deployments/my-gpt4o-deployment/chat/completions?api-version=2025-04-01-preview`);
  });

  test('embeddings, completions and images use their own paths', () => {
    const url = (operation: Operation, path: string) => build({ model: 'x', input: 'a' }, provider(), { operation, path }).req.url;
    expect(url('embeddings', '/embeddings')).toBe(`${BASE}/openai/deployments/my-gpt4o-deployment/embeddings?api-version=2024-10-21`);
    expect(url('completions', '/completions')).toBe(`${BASE}/openai/deployments/my-gpt4o-deployment/completions?api-version=2024-10-21`);
    expect(url('images.generations', '/images/generations')).toBe(`${BASE}/openai/deployments/my-gpt4o-deployment/images/generations?api-version=2024-10-21`);
  });

  test('deployment names are path-escaped', () => {
    expect(build(chat, provider(), { upstreamModel: 'team a/gpt' }).req.url).toContain('/openai/deployments/team%20a%2Fgpt/chat/completions?');
  });

  test('streams always ask for usage, keeping other stream_options', () => {
    const { body } = build({ ...chat, stream: true, stream_options: { include_obfuscation: false } }, provider(), { stream: true });
    expect(body.stream_options).toEqual({ include_obfuscation: false, include_usage: true });
    expect(build({ ...chat, stream: true }, provider(), { stream: true }).body.stream_options).toEqual({ include_usage: true });
    expect(build(chat).body.stream_options).toBeUndefined();
    // api-versions before 2024-09-01 reject stream_options: leave it out (the gateway estimates usage).
    const old = provider({ options: { api_version: '2024-06-01' } });
    expect(build({ ...chat, stream: true }, old, { stream: true }).body.stream_options).toBeUndefined();
  });

  test('data_sources is dropped; configured headers kept; a configured api-key cannot override', () => {
    const p = provider({ headers: { 'X-Trace': '1', 'Api-Key': 'other' } });
    const { req, body } = build({ ...chat, data_sources: [{ type: 'azure_search', parameters: { endpoint: 'https://evil.example' } }] }, p);
    expect(body.data_sources).toBeUndefined();
    expect(req.headers).toEqual({ 'x-trace': '1', 'api-key': KEY, 'content-type': 'application/json' });
  });

  test('multipart audio: model field removed from the form, no JSON content type', () => {
    const form = new FormData();
    form.append('model', 'whisper');
    form.append('file', new Blob(['RIFF'], { type: 'audio/wav' }), 'a.wav');
    const req = adapter.buildRequest(request({}, { operation: 'audio.transcriptions', path: '/audio/transcriptions', form, upstreamModel: 'whisper-dep' }), provider());
    expect(req.url).toBe(`${BASE}/openai/deployments/whisper-dep/audio/transcriptions?api-version=2024-10-21`);
    expect(req.body).toBeInstanceOf(FormData);
    expect((req.body as FormData).has('model')).toBe(false);
    expect((req.body as FormData).has('file')).toBe(true);
    expect(req.headers['content-type']).toBeUndefined();
  });

  test('no base_url is a clear retryable configuration error', () => {
    const err = catchError(() => build(chat, provider({ baseUrl: '' })));
    expect(err.status).toBe(502);
    expect(err.message).toContain('providers.azure.base_url');
  });
});

describe('azure: v1 API form', () => {
  test('base_url ending in /openai/v1: OpenAI paths, model = deployment in the body, no api-version', () => {
    const p = provider({ baseUrl: `${BASE}/openai/v1`, options: { api_version: '2024-10-21' } });
    const { req, body } = build({ ...chat, model: 'public-name' }, p);
    expect(req.url).toBe(`${BASE}/openai/v1/chat/completions`);
    expect(req.headers['api-key']).toBe(KEY);
    expect(req.headers.authorization).toBeUndefined();
    expect(body).toEqual({ model: 'my-gpt4o-deployment', messages: [{ role: 'user', content: 'Hi' }] });
    expect(build({ model: 'x', input: 'a' }, provider({ baseUrl: `${BASE}/openai/v1/` }), { operation: 'embeddings', path: '/embeddings' }).req.url)
      .toBe(`${BASE}/openai/v1/embeddings`);
  });
});

describe('azure: responses', () => {
  test('chat body passes through with usage', () => {
    const text = fixture('chat-response.json');
    const { body, usage } = adapter.decodeResponse(reply(text), request(chat), provider());
    expect(body).toEqual(JSON.parse(text));
    expect(usage).toEqual({ prompt_tokens: 18, completion_tokens: 10, total_tokens: 28, cached_tokens: 0, reasoning_tokens: 0 });
  });

  test('a filtered completion keeps finish_reason content_filter', () => {
    const { body, usage } = adapter.decodeResponse(reply(fixture('chat-filtered.json')), request(chat), provider());
    expect((body as { choices: Array<{ finish_reason: string }> }).choices[0].finish_reason).toBe('content_filter');
    expect(usage?.total_tokens).toBe(23);
  });

  test('embeddings and images', () => {
    const emb = adapter.decodeResponse(reply(fixture('embeddings-response.json')), request({}, { operation: 'embeddings' }), provider());
    expect(emb.usage).toEqual({ prompt_tokens: 8, completion_tokens: 0, total_tokens: 8, cached_tokens: 0, reasoning_tokens: 0 });
    const img = adapter.decodeResponse(reply(fixture('image-response.json')), request({}, { operation: 'images.generations' }), provider());
    expect(img).toEqual({ body: JSON.parse(fixture('image-response.json')) });
  });

  test('plain-text transcription bodies pass through; other non-JSON is invalid', () => {
    expect(adapter.decodeResponse(reply('hello world\n'), request({}, { operation: 'audio.transcriptions' }), provider()).body).toBe('hello world\n');
    expect(catchError(() => adapter.decodeResponse(reply('<html>'), request(chat), provider())).code).toBe('upstream_invalid_response');
  });
});

describe('azure: stream', () => {
  test('annotation-only and usage-only frames dropped, usage reported, missing delta filled, [DONE] ends', () => {
    const steps = runStream(fixture('chat-stream.sse'));
    const chunks = chunksOf(steps);
    expect(chunks.map((c) => c.choices[0].delta)).toEqual([{ content: '', refusal: null, role: 'assistant' }, { content: 'Hello' }, {}, {}]);
    expect(chunks.map((c) => c.choices[0].finish_reason)).toEqual([null, null, null, 'stop']);
    expect(chunks.every((c) => c.id === 'chatcmpl-AZSTREAM' && !('usage' in c))).toBe(true);
    const done = steps.find((s) => s.done);
    expect(done?.usage).toEqual({ prompt_tokens: 9, completion_tokens: 2, total_tokens: 11, cached_tokens: 0, reasoning_tokens: 0 });
    expect(steps[steps.length - 1].done).toBe(true);
  });

  test('content_filter finish passes through', () => {
    const chunks = chunksOf(runStream(fixture('stream-filtered.sse')));
    expect(chunks[chunks.length - 1].choices[0].finish_reason).toBe('content_filter');
  });

  test('an error event ends the stream with an error; a cut stream is not done', () => {
    const steps = runStream('data: {"choices":[{"delta":{"content":"x"},"index":0,"finish_reason":null}],"id":"c","object":"chat.completion.chunk","created":1,"model":"m"}\n\ndata: {"error":{"code":"500","message":"Internal server error"}}\n\n');
    expect(steps.find((s) => s.error)?.error?.retryable).toBe(true);
    expect(steps[steps.length - 1].done).toBeUndefined();
  });
});

describe('azure: malformed chunks', () => {
  test('a chunk of the wrong shape is upstream_invalid_response naming the field; a JSON event that is no object is skipped', () => {
    const good = 'data: {"choices":[{"delta":{"content":"x"},"index":0,"finish_reason":null}],"id":"c","object":"chat.completion.chunk","created":1,"model":"m"}\n\n';
    const bad = runStream(`${good}data: null\n\ndata: {"choices":[{"delta":{"tool_calls":[null]},"index":0,"finish_reason":null}],"id":"c","object":"chat.completion.chunk","created":1,"model":"m"}\n\n`);
    expect(chunksOf(bad).map((c) => c.choices[0].delta)).toEqual([{ content: 'x' }]);
    const error = bad.find((s) => s.error)?.error;
    expect(error?.code).toBe('upstream_invalid_response');
    expect(error?.message).toContain('choices[0].delta.tool_calls[0] is not an object');
  });
});

describe('azure: errors', () => {
  test('prompt rejected by the content filter → 400 content_filter, not retried', () => {
    const err = adapter.decodeError(reply(fixture('error-content-filter.json'), 400), provider());
    expect(err).toMatchObject({ status: 400, code: 'content_filter', type: 'invalid_request_error', retryable: false });
    expect(err.message).toContain("content management policy");
  });

  test('429 honours retry-after-ms, then retry-after', () => {
    const a = adapter.decodeError(reply(fixture('error-rate-limit.json'), 429, { 'retry-after-ms': '6000', 'retry-after': '7' }), provider());
    expect(a).toMatchObject({ status: 502, retryable: true, retryAfterMs: 6000 });
    const b = adapter.decodeError(reply(fixture('error-rate-limit.json'), 429, { 'retry-after': '7' }), provider());
    expect(b.retryAfterMs).toBe(7000);
  });

  test('401 is the gateway key failing; unknown deployment is a 404', () => {
    expect(adapter.decodeError(reply(fixture('error-unauthorized.json'), 401), provider()).code).toBe('upstream_auth_failed');
    expect(adapter.decodeError(reply(fixture('error-deployment.json'), 404), provider())).toMatchObject({ status: 404, code: 'upstream_not_found' });
  });

  test('the provider key is scrubbed from messages', () => {
    const err = adapter.decodeError(reply(JSON.stringify({ error: { code: '500', message: `bad key ${KEY}` } }), 500), provider());
    expect(err.message).not.toContain(KEY);
  });
});

test('azure supports the OpenAI JSON operations it can route to a deployment', () => {
  expect(adapter.id).toBe('azure');
  const ops: Operation[] = ['chat', 'completions', 'embeddings', 'images.generations', 'moderations', 'passthrough'];
  expect(ops.map((op) => adapter.supports(op))).toEqual([true, true, true, true, false, false]);
});
