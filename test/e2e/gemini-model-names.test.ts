// Model names with ':' on the Gemini surface (Ollama tags like qwen:7b, Bedrock ids like ...-v1:0): the
// @google/genai SDK sends them unencoded (POST /v1beta/models/qwen:7b:generateContent), so the method is
// split off at the last ':'. The percent-encoded spelling (qwen%3A7b) keeps working.

import { afterAll, beforeAll, expect, test } from 'bun:test';
import { GoogleGenAI } from '@google/genai';
import { TEST_KEY, type TestGateway, config, startTestGateway } from '../helpers/gateway.ts';
import { type FakeUpstream, chatChunks, chatCompletion, json, sse, startFakeUpstream } from '../helpers/fake-upstream.ts';

let gw: TestGateway;
let up: FakeUpstream;
let ai: GoogleGenAI;

beforeAll(async () => {
  up = startFakeUpstream(async (req, body) => {
    const asked = JSON.parse(body) as { model: string; stream?: boolean };
    return asked.stream ? sse(chatChunks(['from ', asked.model])) : json(chatCompletion(`from ${asked.model}`, asked.model));
  });
  gw = await startTestGateway(config(`
providers:
  ollama: { adapter: openai, base_url: ${up.url}/v1, api_key: sk-up-0000000000, models: { "qwen:7b": "qwen:7b", "anthropic.claude-v1:0": "bedrock-id", "org/name:v1": "slashed" } }
routes:
  - { path: /gem, protocol: gemini }
`));
  ai = new GoogleGenAI({ apiKey: TEST_KEY, httpOptions: { baseUrl: gw.url } });
});
afterAll(async () => {
  await gw.stop();
  up.stop();
});

const post = (path: string) => fetch(`${gw.url}${path}`, {
  method: 'POST', headers: { 'x-goog-api-key': TEST_KEY, 'content-type': 'application/json' },
  body: JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'hi' }] }] }),
});

test('the SDK reaches models whose name holds ":" (generateContent, streaming, countTokens, get)', async () => {
  for (const [model, upstream] of [['qwen:7b', 'qwen:7b'], ['anthropic.claude-v1:0', 'bedrock-id'], ['org/name:v1', 'slashed']]) {
    const res = await ai.models.generateContent({ model, contents: 'hi' });
    expect(res.text).toBe(`from ${upstream}`);
    let streamed = '';
    for await (const chunk of await ai.models.generateContentStream({ model, contents: 'hi' })) streamed += chunk.text ?? '';
    expect(streamed).toBe(`from ${upstream}`);
    expect((await ai.models.countTokens({ model, contents: 'hello there' })).totalTokens).toBeGreaterThan(0);
    expect((await ai.models.get({ model })).name).toBe(`models/${model}`);
  }
  expect(up.received.map((r) => (JSON.parse(r.body) as { model: string }).model)).toContain('bedrock-id');
});

test('the percent-encoded spelling still works, on the default surface and on a gemini route', async () => {
  for (const path of ['/v1beta/models/qwen%3A7b:generateContent', '/v1beta/models/qwen%3a7b:generateContent', '/gem/v1beta/models/qwen%3A7b:generateContent', '/gem/v1beta/models/qwen:7b:generateContent']) {
    const res = await post(path);
    expect({ path, status: res.status }).toEqual({ path, status: 200 });
    expect(((await res.json()) as { candidates: Array<{ content: { parts: Array<{ text: string }> } }> }).candidates[0].content.parts[0].text).toBe('from qwen:7b');
  }
});

test('a method this surface does not serve is an unknown path; a GET of a method path is a 405 naming POST', async () => {
  const unserved = await post('/v1beta/models/qwen:7b:embedContent');
  expect(unserved.status).toBe(404);
  expect(((await unserved.json()) as { error: { message: string } }).error.message).toContain('Unknown path');
  const got = await fetch(`${gw.url}/v1beta/models/qwen:7b:generateContent`, { headers: { 'x-goog-api-key': TEST_KEY } });
  expect(got.status).toBe(405);
  expect(got.headers.get('allow')).toBe('POST');
  await got.arrayBuffer();
  const unknownModel = await post('/v1beta/models/qwen:8b:generateContent');
  expect(unknownModel.status).toBe(404);
  expect(((await unknownModel.json()) as { error: { message: string } }).error.message).toContain('The model "qwen:8b" does not exist');
});
