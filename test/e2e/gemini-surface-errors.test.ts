// The Gemini surface speaks Gemini in its errors too: unknown /v1beta paths get google.rpc.Status with
// Gemini's paths and base-URL advice (not OpenAI's), model errors point at the Gemini models listing (under
// the route prefix on a `protocol: gemini` route), and malformed parts and generation settings are named.

import { afterAll, beforeAll, expect, test } from 'bun:test';
import { ApiError, GoogleGenAI } from '@google/genai';
import { TEST_KEY, type TestGateway, config, startTestGateway } from '../helpers/gateway.ts';

const NARROW = 'sk-gemini-narrow-0123456789';
const ONE_RPM = 'sk-gemini-one-rpm-0123456789';
let gw: TestGateway;
let ai: GoogleGenAI;

beforeAll(async () => {
  gw = await startTestGateway(config(`
  - { name: narrow, key: ${NARROW}, models: ["other-*"] }
  - { name: one-rpm, key: ${ONE_RPM}, limits: { rpm: 1 } }
providers:
  mock: { adapter: mock, models: [mock-echo] }
routes:
  - { path: /gem, protocol: gemini }
`));
  ai = new GoogleGenAI({ apiKey: TEST_KEY, httpOptions: { baseUrl: gw.url } });
});
afterAll(() => gw.stop());

async function geminiError(res: Response): Promise<{ code: number; message: string; status: string }> {
  const body = (await res.json()) as { error: { code: number; message: string; status: string } };
  expect(Object.keys(body.error).sort()).toEqual(['code', 'message', 'status']);
  return body.error;
}

const post = (path: string, body: unknown, key = TEST_KEY) =>
  fetch(`${gw.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-goog-api-key': key }, body: JSON.stringify(body) });
const hello = { contents: [{ role: 'user', parts: [{ text: 'hi' }] }] };

test('unknown /v1beta paths answer in Gemini\'s shape with Gemini paths and base-URL advice', async () => {
  for (const res of [
    await fetch(`${gw.url}/v1beta/files`, { headers: { 'x-goog-api-key': TEST_KEY } }),
    await post('/v1beta/models/mock-echo:embedContent', { content: { parts: [{ text: 'x' }] } }),
  ]) {
    expect(res.status).toBe(404);
    const err = await geminiError(res);
    expect(err).toMatchObject({ code: 404, status: 'NOT_FOUND' });
    expect(err.message).toContain('POST /v1beta/models/{model}:generateContent');
    expect(err.message).toContain('Point your Gemini client at <gateway address> ');
    expect(err.message).toContain('GOOGLE_GEMINI_BASE_URL');
    expect(err.message).not.toMatch(/base_url|OpenAI|\/chat\/completions/);
  }
});

test('a served Gemini path with the wrong method is 405 with Allow, in Gemini\'s shape (also on a gemini route)', async () => {
  for (const path of ['/v1beta/models/mock-echo:generateContent', '/gem/v1beta/models/mock-echo:streamGenerateContent']) {
    const res = await fetch(`${gw.url}${path}`, { headers: { 'x-goog-api-key': TEST_KEY } });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('POST');
    const err = await geminiError(res);
    expect(err).toMatchObject({ code: 405, status: 'UNIMPLEMENTED' });
    expect(err.message).toContain('is not supported on');
  }
  const models = await fetch(`${gw.url}/gem/v1beta/models`, { method: 'POST', headers: { 'x-goog-api-key': TEST_KEY } });
  expect(models.status).toBe(405);
  expect(models.headers.get('allow')).toBe('GET, HEAD');
});

test('an unknown model points at GET /v1beta/models (the SDK sees it), also for countTokens', async () => {
  const err = await ai.models.generateContent({ model: 'nope', contents: 'x' }).then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(ApiError);
  expect((err as ApiError).status).toBe(404);
  expect((err as ApiError).message).toContain('GET /v1beta/models lists');
  expect((err as ApiError).message).not.toContain('/v1/models');
  const counted = await post('/v1beta/models/nope:countTokens', hello);
  expect((await geminiError(counted)).message).toContain('GET /v1beta/models lists');
});

test('a model the key may not use → 403 pointing at GET /v1beta/models', async () => {
  const res = await post('/v1beta/models/mock-echo:generateContent', hello, NARROW);
  expect(res.status).toBe(403);
  const err = await geminiError(res);
  expect(err.status).toBe('PERMISSION_DENIED');
  expect(err.message).toContain('GET /v1beta/models lists');
});

test('on a protocol: gemini route the hints carry the route prefix', async () => {
  const res = await post('/gem/v1beta/models/nope:generateContent', hello);
  expect(res.status).toBe(404);
  expect((await geminiError(res)).message).toContain('GET /gem/v1beta/models lists');
  const unknown = await fetch(`${gw.url}/gem/v1beta/files`, { headers: { 'x-goog-api-key': TEST_KEY } });
  const message = (await geminiError(unknown)).message;
  expect(message).toContain('POST /gem/v1beta/models/{model}:generateContent');
  expect(message).toContain('Point your Gemini client at <gateway address>/gem ');
});

test('a part {"text": 5} is "text must be a string", not an unsupported part', async () => {
  const res = await post('/v1beta/models/mock-echo:generateContent', { contents: [{ role: 'user', parts: [{ text: 5 }] }] });
  expect(res.status).toBe(400);
  const err = await geminiError(res);
  expect(err.message).toContain('`contents[0].parts[0].text` must be a string');
  expect(err.message).not.toContain('unsupported part');
});

test('generation settings out of Gemini\'s range or of the wrong type are refused, not dropped', async () => {
  const cases: Array<[Record<string, unknown>, string]> = [
    [{ temperature: 3 }, '`temperature` must be a number from 0 to 2'],
    [{ temperature: 1e308 }, '`temperature` must be a number from 0 to 2'],
    [{ topP: 1.5 }, '`topP` must be a number from 0 to 1'],
    [{ stopSequences: {} }, '`stopSequences` must be an array of strings'],
    [{ stopSequences: ['a', 5] }, '`stopSequences` must be an array of strings'],
  ];
  for (const [generationConfig, message] of cases) {
    const res = await post('/v1beta/models/mock-echo:generateContent', { ...hello, generationConfig });
    expect(res.status).toBe(400);
    const err = await geminiError(res);
    expect(err.status).toBe('INVALID_ARGUMENT');
    expect(err.message).toContain(message);
  }
  const ok = await ai.models.generateContent({ model: 'mock-echo', contents: 'in range', config: { temperature: 2, topP: 1, stopSequences: ['END'] } });
  expect(ok.text).toContain('in range');
});

test('a 429 carries google.rpc.RetryInfo with the delay, as Gemini sends it (Gemini CLI backs off by it)', async () => {
  const post1 = () => post('/v1beta/models/mock-echo:generateContent', hello, ONE_RPM);
  expect((await post1()).status).toBe(200);
  const limited = await post1();
  expect(limited.status).toBe(429);
  const body = (await limited.json()) as { error: { code: number; status: string; details: Array<{ '@type': string; retryDelay: string }> } };
  expect(body.error).toMatchObject({ code: 429, status: 'RESOURCE_EXHAUSTED' });
  expect(body.error.details).toHaveLength(1);
  expect(body.error.details[0]!['@type']).toBe('type.googleapis.com/google.rpc.RetryInfo');
  expect(body.error.details[0]!.retryDelay).toMatch(/^\d+s$/);
  expect(Number(body.error.details[0]!.retryDelay.slice(0, -1))).toBe(Number(limited.headers.get('retry-after')));
});
