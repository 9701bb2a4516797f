// A `protocol: gemini` route: the Gemini API under a path prefix (as a Gemini CLI base URL), its
// models list at <prefix>/models, and limits enforced with Gemini-shaped errors.

import { afterAll, beforeAll, expect, test } from 'bun:test';
import { GoogleGenAI } from '@google/genai';
import { TEST_KEY, type TestGateway, config, startTestGateway } from '../helpers/gateway.ts';

let gw: TestGateway;

beforeAll(async () => {
  gw = await startTestGateway(config(`
providers:
  mock: { adapter: mock, models: [mock-echo] }
models:
  mock-echo: { price: { input: 1, output: 2 } }
routes:
  - { path: /gem, protocol: gemini }
limits:
  models:
    mock-echo: { rpm: 4 }
`));
});
afterAll(() => gw.stop());

test('the SDK works against a route prefix, and the route lists models at <prefix>/v1beta/models', async () => {
  const ai = new GoogleGenAI({ apiKey: TEST_KEY, httpOptions: { baseUrl: `${gw.url}/gem` } });
  const res = await ai.models.generateContent({ model: 'mock-echo', contents: 'hello gemini route' });
  expect(res.text).toContain('hello gemini route');
  const names: string[] = [];
  for await (const m of await ai.models.list()) names.push(m.name!);
  expect(names).toEqual(['models/mock-echo']);
  const bare = await fetch(`${gw.url}/gem/models`, { headers: { 'x-goog-api-key': TEST_KEY } });
  expect((await bare.json()).models[0].name).toBe('models/mock-echo');
});

test('an unknown path on the route is a Gemini-shaped 404 that names the right paths', async () => {
  const res = await fetch(`${gw.url}/gem/v1/chat/completions`, { method: 'POST', headers: { 'x-goog-api-key': TEST_KEY, 'content-type': 'application/json' }, body: '{}' });
  expect(res.status).toBe(404);
  const body = await res.json();
  expect(body.error.status).toBe('NOT_FOUND');
  expect(body.error.message).toContain(':generateContent');
});

test('a rate limit answers 429 RESOURCE_EXHAUSTED with Retry-After', async () => {
  const call = () => fetch(`${gw.url}/gem/v1beta/models/mock-echo:generateContent`, { method: 'POST', headers: { 'x-goog-api-key': TEST_KEY, 'content-type': 'application/json' }, body: JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'x' }] }] }) });
  const statuses: number[] = [];
  let limited: Response | undefined;
  for (let i = 0; i < 6; i++) {
    const res = await call();
    statuses.push(res.status);
    if (res.status === 429) limited = res;
    else await res.text();
  }
  expect(statuses.filter((s) => s === 429).length).toBeGreaterThan(0);
  expect(limited!.headers.get('retry-after')).toBeTruthy();
  expect((await limited!.json()).error).toMatchObject({ code: 429, status: 'RESOURCE_EXHAUSTED' });
});
