// When everything failed, say what happened (issue 8 point 4): the error summarises each attempt
// (provider, status or cause), error responses carry x-switchyard-provider and x-switchyard-attempts,
// and `server.expose_upstream: false` hides provider names and upstream text from clients (answers,
// errors and mid-stream errors, on both surfaces) while the ledger keeps them.

import { afterAll, afterEach, expect, setDefaultTimeout, test } from 'bun:test';
import Anthropic from '@anthropic-ai/sdk';
import { type Harness, KEY, chatText, harnessPerTest, keyedConfig, openaiProvider } from '../ledger/harness.ts';
import { chatChunks, chatCompletion, json, sse, upstreamPool } from '../helpers/fake-upstream.ts';

// The first gateway start of a test file warms the tokenizer (seconds on a busy machine).
setDefaultTimeout(20_000);

const start = upstreamPool(afterAll);
let h: Harness | undefined;
const open = harnessPerTest(afterEach);

const yaml = (providers: string, extra = '') => keyedConfig(providers, `routing:\n  retry: { attempts: 2, backoff_ms: 10 }\n${extra}`);

const post = (body: Record<string, unknown> = {}) => chatText(h!.url, body);

test('the error summarises every attempt and carries the attempt headers', async () => {
  const a = start(() => json({ error: { message: 'upstream says: model overloaded' } }, 503));
  h = await open(yaml(openaiProvider('alpha', a.url, ', priority: 0') + openaiProvider('dead', 'http://127.0.0.1:9', ', priority: 1')));
  const res = await post();
  expect(res.status).toBe(502);
  const { message, code } = JSON.parse(res.text).error as { message: string; code: string };
  expect(code).toBe('upstream_error');
  expect(message).toContain('Attempts: alpha: HTTP 503; dead: network error; alpha: HTTP 503');
  expect(message).toContain('model overloaded');
  expect(res.headers.get('x-switchyard-attempts')).toBe('3');
  expect(res.headers.get('x-switchyard-provider')).toBe('alpha');
  expect(res.headers.get('x-request-id')).toStartWith('req_');
});

test('an HTML 500 (no text to quote) still ends its sentence before the attempts summary', async () => {
  const html = start(() => new Response('<html><body>Internal Server Error</body></html>', { status: 500, headers: { 'content-type': 'text/html' } }));
  h = await open(yaml(openaiProvider('up', html.url)));
  const res = await post();
  expect(res.status).toBe(502);
  const { message } = JSON.parse(res.text).error as { message: string };
  expect(message).toContain('(not shown). Attempts: up: HTTP 500; up: HTTP 500');
  expect(message).not.toContain(') Attempts:');
});

test('a timeout, an unreadable answer and an auth failure are named as such', async () => {
  const slow = start(async () => {
    await Bun.sleep(1500);
    return json(chatCompletion('late'));
  });
  const garbled = start(() => new Response('<html>oops</html>', { headers: { 'content-type': 'text/html' } }));
  const locked = start(() => json({ error: { message: 'Incorrect API key provided' } }, 401));
  h = await open(yaml(
    openaiProvider('slow', slow.url, ', priority: 0, timeout_ms: 200') + openaiProvider('garbled', garbled.url, ', priority: 1') + openaiProvider('locked', locked.url, ', priority: 2'),
  ));
  const res = await post();
  expect(res.status).toBe(502);
  const { message } = JSON.parse(res.text).error as { message: string };
  expect(message).toContain('slow: timeout; garbled: unreadable answer; locked: HTTP 401');
  expect(res.headers.get('x-switchyard-attempts')).toBe('3');
});

test('a non-retryable upstream rejection carries the headers too', async () => {
  const a = start(() => json({ error: { message: 'context length exceeded' } }, 400));
  h = await open(yaml(openaiProvider('alpha', a.url)));
  const res = await post();
  expect(res.status).toBe(400);
  expect(res.headers.get('x-switchyard-provider')).toBe('alpha');
  expect(res.headers.get('x-switchyard-attempts')).toBe('1');
  expect(JSON.parse(res.text).error.message).toContain('context length exceeded');
});

test('expose_upstream: false hides provider names and upstream text from clients; the ledger keeps them', async () => {
  const a = start(() => json({ error: { message: 'secret-upstream-detail from acme-internal' } }, 503));
  const b = start(() => json({ error: { message: 'secret-upstream-detail too' } }, 500));
  h = await open(yaml(openaiProvider('acme', a.url, ', priority: 0') + openaiProvider('backup', b.url, ', priority: 1'), 'server:\n  expose_upstream: false'));
  const res = await post();
  expect(res.status).toBe(502);
  expect(res.text).not.toContain('acme');
  expect(res.text).not.toContain('backup');
  expect(res.text).not.toContain('secret-upstream-detail');
  expect(JSON.parse(res.text).error.message).toContain('#1: HTTP 503; #2: HTTP 500; #3: HTTP 503');
  expect(res.headers.get('x-switchyard-provider')).toBeNull();
  expect(res.headers.get('x-switchyard-attempts')).toBe('3');
  const attempts = await h.query('SELECT provider, status FROM attempts ORDER BY n');
  expect(attempts).toEqual([{ provider: 'acme', status: 503 }, { provider: 'backup', status: 500 }, { provider: 'acme', status: 503 }]);

  // An answer names no provider either.
  a.set(() => json(chatCompletion('fine')));
  const ok = await post();
  expect(ok.status).toBe(200);
  expect(ok.headers.get('x-switchyard-provider')).toBeNull();
  expect(ok.headers.get('x-switchyard-upstream-model')).toBeNull();
  expect(ok.headers.get('x-switchyard-attempts')).toBe('1');

  // Nor an upstream rejection of the request, nor an error in the middle of a stream.
  a.set(() => json({ error: { message: 'secret-upstream-detail: bad field' } }, 400));
  const rejected = await post();
  expect(rejected.status).toBe(400);
  expect(rejected.text).not.toContain('secret-upstream-detail');
  expect(rejected.text).not.toContain('acme');
  a.set(() => sse([...chatChunks(['half']).slice(0, 2), `data: ${JSON.stringify({ error: { message: 'secret-upstream-detail mid-stream' } })}\n\n`]));
  const cut = await post({ stream: true });
  expect(cut.status).toBe(200);
  expect(cut.text).toContain('half');
  expect(cut.text).toContain('"error"');
  expect(cut.text).not.toContain('secret-upstream-detail');
  expect(cut.text).not.toContain('acme');
});

test('expose_upstream: false on the Anthropic surface', async () => {
  const a = start(() => json({ error: { message: 'secret-upstream-detail' } }, 503));
  h = await open(yaml(openaiProvider('acme', a.url), 'server:\n  expose_upstream: false'));
  const client = new Anthropic({ apiKey: KEY, baseURL: h.url, maxRetries: 0 });
  const err = await client.messages.create({ model: 'm', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] }).then(() => { throw new Error('expected an error'); }, (e: unknown) => e as InstanceType<typeof Anthropic.APIError>);
  expect(err.status).toBe(502);
  const text = JSON.stringify(err.error);
  expect(text).not.toContain('acme');
  expect(text).not.toContain('secret-upstream-detail');
  expect(err.headers?.get('x-switchyard-attempts')).toBe('3');
  expect(err.headers?.get('x-switchyard-provider')).toBeNull();
});
