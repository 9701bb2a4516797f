// How a key may be sent, and what a client hears when it is sent wrong: `Authorization: Bearer` with no key
// is no key (401 missing_api_key, as with no header), not an invalid key; another scheme (`Basic ...`) is a
// 401 whose message names the headers each surface accepts (Gemini: x-goog-api-key and the key query parameter too), without
// echoing the credentials.

import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { TEST_KEY, type TestGateway, config, startTestGateway } from '../helpers/gateway.ts';

let gw: TestGateway;
beforeAll(async () => {
  gw = await startTestGateway(config('providers:\n  mock: { adapter: mock, models: [mock-echo] }\nmodels:\n  mock-echo: { price: { input: 0, output: 0 } }\n'));
});
afterAll(() => gw.stop());

const SURFACES = {
  openai: { path: '/v1/chat/completions', body: { model: 'mock-echo', messages: [{ role: 'user', content: 'hi' }] }, headers: {} },
  anthropic: { path: '/v1/messages', body: { model: 'mock-echo', max_tokens: 8, messages: [{ role: 'user', content: 'hi' }] }, headers: { 'anthropic-version': '2023-06-01' } },
  gemini: { path: '/v1beta/models/mock-echo:generateContent', body: { contents: [{ parts: [{ text: 'hi' }] }] }, headers: {} },
  responses: { path: '/v1/responses', body: { model: 'mock-echo', input: 'hi' }, headers: {} },
} as const;
type SurfaceName = keyof typeof SURFACES;

async function call(surface: SurfaceName, auth: Record<string, string>): Promise<{ status: number; text: string }> {
  const s = SURFACES[surface];
  const res = await fetch(`${gw.url}${s.path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...s.headers, ...auth }, body: JSON.stringify(s.body) });
  return { status: res.status, text: await res.text() };
}
const codeOf = (text: string) => (JSON.parse(text) as { error: { code: string } }).error.code;

describe('an empty Bearer token is no key', () => {
  for (const value of ['Bearer ', 'Bearer', 'bearer', 'Bearer \t ']) {
    test(`Authorization: ${JSON.stringify(value)} → 401 missing_api_key`, async () => {
      const r = await call('openai', { authorization: value });
      expect(r.status).toBe(401);
      expect(codeOf(r.text)).toBe('missing_api_key');
      expect(r.text).toContain('No API key was sent');
    });
  }
  test('on every surface', async () => {
    for (const surface of Object.keys(SURFACES) as SurfaceName[]) {
      const r = await call(surface, { authorization: 'Bearer' });
      expect({ surface, status: r.status, missing: r.text.includes('No API key was sent') }).toEqual({ surface, status: 401, missing: true });
    }
  });
  test('an x-api-key beside an empty Bearer is used', async () => {
    expect((await call('openai', { authorization: 'Bearer', 'x-api-key': TEST_KEY })).status).toBe(200);
  });
  test('Bearer <key>, a bare key and x-api-key still work', async () => {
    for (const auth of <Record<string, string>[]>[{ authorization: `Bearer ${TEST_KEY}` }, { authorization: `bearer  ${TEST_KEY} ` }, { authorization: TEST_KEY }, { 'x-api-key': TEST_KEY }, { 'api-key': TEST_KEY }]) {
      expect((await call('openai', auth)).status).toBe(200);
    }
  });
});

describe('another Authorization scheme is refused with the accepted headers named', () => {
  test('Basic on the OpenAI surface', async () => {
    const r = await call('openai', { authorization: 'Basic dXNlcjpzZWNyZXQtcGFzc3dvcmQ=' });
    expect(r.status).toBe(401);
    expect(codeOf(r.text)).toBe('invalid_api_key');
    const message = (JSON.parse(r.text) as { error: { message: string } }).error.message;
    expect(message).toContain('uses the "Basic" scheme');
    expect(message).toContain('"Authorization: Bearer <key>", "x-api-key: <key>" or "api-key: <key>"');
    expect(message).not.toContain('dXNlcjpzZWNyZXQtcGFzc3dvcmQ=');
  });
  test('Basic on the Anthropic and Responses surfaces names the same headers', async () => {
    for (const surface of ['anthropic', 'responses'] as const) {
      const r = await call(surface, { authorization: 'Basic dXNlcjpwYXNz' });
      expect(r.status).toBe(401);
      expect(r.text).toContain('x-api-key: <key>');
      expect(r.text).not.toContain('dXNlcjpwYXNz');
    }
  });
  test('the Gemini surface names x-goog-api-key and the key query parameter, for a wrong scheme and for no key', async () => {
    const wrong = await call('gemini', { authorization: 'Basic dXNlcjpwYXNz' });
    expect(wrong.status).toBe(401);
    expect(wrong.text).toContain('x-goog-api-key: <key>');
    expect(wrong.text).toContain('key\\" query parameter');
    const none = await call('gemini', {});
    expect(none.status).toBe(401);
    expect(none.text).toContain('No API key was sent');
    expect(none.text).toContain('x-goog-api-key: <key>');
  });
  test('an unknown scheme word is not echoed (it could be part of a key)', async () => {
    const r = await call('openai', { authorization: 'sk-secret-prefix rest-of-it' });
    expect(r.status).toBe(401);
    expect(r.text).toContain('a scheme other than Bearer');
    expect(r.text).not.toContain('sk-secret-prefix');
    expect(r.text).not.toContain('rest-of-it');
  });
});
