// A JSON body must be UTF-8. Bytes that are not (`h\xff\xfei`) were decoded with U+FFFD in their place,
// forwarded and billed; now every surface's JSON body read (OpenAI, Anthropic, Gemini, Responses, passthrough
// declared JSON, admin) refuses them with 400 invalid_json saying the body is not valid UTF-8, before any
// provider sees the request. A Content-Type that declares another charset is a 415. A literal U+FFFD, sent
// as its valid UTF-8 bytes, still goes through. JSON that is no object (`[1,2]`, `null`) is named as such.

import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { TEST_KEY, type TestGateway, config, startTestGateway } from '../helpers/gateway.ts';
import { type FakeUpstream, chatCompletion, json, startFakeUpstream } from '../helpers/fake-upstream.ts';

let gw: TestGateway;
let upstream: FakeUpstream;
const ADMIN = 'admin-token-encoding-0123456789';

beforeAll(async () => {
  upstream = startFakeUpstream((_req, body) => json(chatCompletion(`got ${body.length} bytes`)));
  gw = await startTestGateway(config(`
providers:
  up: { adapter: openai, base_url: ${upstream.url}/v1, api_key: sk-upstream-enc-0123456789, models: { up: gpt-4o }, passthrough: [/files] }
models:
  up: { price: { input: 1, output: 1 } }
`, `server:\n  admin_token: ${ADMIN}\n`));
});
afterAll(async () => {
  await gw.stop();
  upstream.stop();
});

const enc = new TextEncoder();
/** A body from text with raw bytes spliced in where `\u0000` stands. */
function withBytes(text: string, bytes: number[]): Uint8Array<ArrayBuffer> {
  const [head, tail] = text.split('\u0000');
  return new Uint8Array([...enc.encode(head), ...bytes, ...enc.encode(tail)]);
}
const chatWith = (bytes: number[]) => withBytes('{"model":"up","messages":[{"role":"user","content":"h\u0000i"}]}', bytes);

const SURFACES = {
  'OpenAI chat': { path: '/v1/chat/completions', headers: { authorization: `Bearer ${TEST_KEY}` }, body: (b: number[]) => chatWith(b) },
  Anthropic: { path: '/v1/messages', headers: { 'x-api-key': TEST_KEY, 'anthropic-version': '2023-06-01' }, body: (b: number[]) => withBytes('{"model":"up","max_tokens":16,"messages":[{"role":"user","content":"h\u0000i"}]}', b) },
  Gemini: { path: '/v1beta/models/up:generateContent', headers: { 'x-goog-api-key': TEST_KEY }, body: (b: number[]) => withBytes('{"contents":[{"parts":[{"text":"h\u0000i"}]}]}', b) },
  Responses: { path: '/v1/responses', headers: { authorization: `Bearer ${TEST_KEY}` }, body: (b: number[]) => withBytes('{"model":"up","input":"h\u0000i"}', b) },
} as const;

async function send(path: string, headers: Record<string, string>, body: BodyInit, contentType = 'application/json'): Promise<{ status: number; text: string }> {
  const res = await fetch(`${gw.url}${path}`, { method: 'POST', headers: { ...headers, 'content-type': contentType }, body });
  return { status: res.status, text: await res.text() };
}

describe('invalid UTF-8 in a JSON body is a 400 on every surface, never forwarded', () => {
  for (const [name, s] of Object.entries(SURFACES)) {
    for (const [what, bytes] of [['\\xff\\xfe', [0xff, 0xfe]], ['a truncated sequence \\xc3', [0xc3]], ['an encoded surrogate \\xed\\xa0\\x80', [0xed, 0xa0, 0x80]], ['an overlong "/" \\xc0\\xaf', [0xc0, 0xaf]]] as const) {
      test(`${name}: ${what}`, async () => {
        const before = upstream.received.length;
        const r = await send(s.path, s.headers, s.body([...bytes]));
        expect(r.status).toBe(400);
        expect(r.text).toContain('not valid UTF-8');
        expect(r.text).not.toContain('\uFFFD');
        expect(upstream.received.length).toBe(before);
      });
    }
    test(`${name}: valid multi-byte text and a literal U+FFFD still go through`, async () => {
      const r = await send(s.path, s.headers, s.body([...enc.encode('é 中文 🙂 \uFFFD')]));
      expect(r.status).toBe(200);
      expect(upstream.received.at(-1)!.body).toContain('é 中文 🙂 \uFFFD');
    });
  }

  test('the OpenAI error is invalid_json in the OpenAI shape, and does not quote the body', async () => {
    const r = await send('/v1/chat/completions', { authorization: `Bearer ${TEST_KEY}` }, chatWith([0xff, 0xfe]));
    const error = (JSON.parse(r.text) as { error: { type: string; code: string; param: unknown; message: string } }).error;
    expect(error).toMatchObject({ type: 'invalid_request_error', code: 'invalid_json', param: null });
    expect(error.message).toContain('Encode the JSON text as UTF-8');
    expect(error.message).not.toContain('"model"');
  });

  test('a chunked body (no Content-Length) is checked the same way', async () => {
    const bytes = chatWith([0xff, 0xfe]);
    const stream = new ReadableStream<Uint8Array>({ start(c) { c.enqueue(bytes.subarray(0, 10)); c.enqueue(bytes.subarray(10)); c.close(); } });
    const r = await send('/v1/chat/completions', { authorization: `Bearer ${TEST_KEY}` }, stream);
    expect(r.status).toBe(400);
    expect(r.text).toContain('not valid UTF-8');
  });

  test('passthrough declared as JSON is refused; the admin API too', async () => {
    const before = upstream.received.length;
    const pass = await send('/v1/files', { authorization: `Bearer ${TEST_KEY}` }, withBytes('{"purpose":"\u0000"}', [0xff]));
    expect(pass.status).toBe(400);
    expect(pass.text).toContain('not valid UTF-8');
    expect(upstream.received.length).toBe(before);
    const admin = await send('/admin/keys', { authorization: `Bearer ${ADMIN}` }, withBytes('{"name":"b\u0000b"}', [0xff]));
    expect(admin.status).toBe(400);
    expect(admin.text).toContain('not valid UTF-8');
  });
});

describe('a JSON body in another charset is a 415', () => {
  for (const charset of ['latin1', 'ISO-8859-1', 'utf-16', '"windows-1252"']) {
    test(`charset=${charset}`, async () => {
      const before = upstream.received.length;
      const r = await send('/v1/chat/completions', { authorization: `Bearer ${TEST_KEY}` }, chatWith([0x61]), `application/json; charset=${charset}`);
      expect(r.status).toBe(415);
      const error = (JSON.parse(r.text) as { error: { code: string; message: string } }).error;
      expect(error.code).toBe('unsupported_content_type');
      expect(error.message).toContain('JSON bodies must be UTF-8');
      expect(upstream.received.length).toBe(before);
    });
  }
  test('charset=utf-8 in any spelling, or us-ascii, is accepted', async () => {
    // US-ASCII is a subset of UTF-8 (older Java and .NET clients declare it).
    for (const charset of ['utf-8', 'UTF-8', '"utf-8"', 'utf8', 'us-ascii', 'US-ASCII']) {
      const r = await send('/v1/chat/completions', { authorization: `Bearer ${TEST_KEY}` }, chatWith([0x61]), `application/json; charset=${charset}`);
      expect(r.status).toBe(200);
    }
  });
});

describe('JSON that is not an object is called that, not "not valid JSON"', () => {
  for (const [body, kind] of [['[1,2]', 'an array'], ['null', 'null'], ['"hi"', 'a string'], ['42', 'a number'], ['true', 'a boolean']] as const) {
    for (const [name, s] of Object.entries(SURFACES)) {
      test(`${name}: ${body}`, async () => {
        const r = await send(s.path, s.headers, body);
        expect(r.status).toBe(400);
        expect(r.text).toContain(`The request body must be a JSON object`);
        expect(r.text).toContain(`it is ${kind}`);
        expect(r.text).not.toContain('not valid JSON');
        if (name === 'OpenAI chat') expect((JSON.parse(r.text) as { error: { code: string } }).error.code).toBe('invalid_json');
      });
    }
  }
  test('a syntax error is still "not valid JSON"', async () => {
    const r = await send('/v1/chat/completions', { authorization: `Bearer ${TEST_KEY}` }, '{"model":');
    expect(r.status).toBe(400);
    expect(r.text).toContain('not valid JSON');
  });
});
