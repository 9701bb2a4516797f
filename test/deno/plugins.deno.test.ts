// Runs under Deno 2 (`deno test`, spawned by deno-portability.test.ts) and under `bun test`: the bundled plugins and the
// onebound adapter use only Web-standard APIs and src/contracts, so their hooks work outside Bun.
// Uses Deno's built-in test API and node:assert (built into Deno, no network).

import assert from 'node:assert/strict';
import codeMsg, { resolveOptions, unwrapReply, wrapBody, wrapErrorBody } from '../../plugins/code-msg-envelope.ts';
import onebound, { jobEnvelope } from '../../plugins/onebound-inbound/index.ts';
import { gatewayErrorToOnebound } from '../../plugins/onebound-inbound/codes.ts';
import { methodToPath, parseOneboundRequest, render, wrapError, wrapSuccess } from '../../plugins/onebound-inbound/envelope.ts';
import { buildRewrite } from '../../plugins/onebound-inbound/rewrite.ts';
import oneboundAdapter from '../../adapters/onebound/index.ts';
import { chunksFromChatResponse, isGatewayError, type ChatResponse, type PluginContext, type ProviderView } from '../../src/contracts/index.ts';

// Deno.test under Deno; under `bun test` (which also picks this file up) Bun's global `test`, so the
// same checks run on both runtimes.
type TestFn = (name: string, fn: () => void | Promise<void>) => void;
const runtime = globalThis as unknown as { Deno?: { test: TestFn }; Bun?: unknown };
const bunTestModule = 'bun:test'; // not a literal import: Deno must not try to resolve it
const test: TestFn = runtime.Deno ? runtime.Deno.test : ((await import(bunTestModule)) as { test: TestFn }).test;

function ctx(options: Record<string, unknown> = {}, extra: Partial<PluginContext> = {}): PluginContext {
  return {
    requestId: 'req_deno_1', route: '/openai/custom', options: options as PluginContext['options'], state: new Map(), signal: new AbortController().signal,
    log: { info() {}, warn() {}, error() {} }, ...extra,
  } as PluginContext;
}

const chat = { id: 'chatcmpl-1', object: 'chat.completion', created: 1, model: 'gpt-4o-mini', choices: [{ index: 0, message: { role: 'assistant', content: '你好, world' }, finish_reason: 'stop' }], usage: { prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 } };

test('runtime is Deno or Bun, never both', () => {
  assert.notEqual(runtime.Deno === undefined, runtime.Bun === undefined);
});

test('code-msg-envelope: unwrap success, code != 0 with HTTP 200 → upstream error, wrap both ways', () => {
  const opts = resolveOptions({});
  const ok = unwrapReply({ status: 200, headers: new Headers(), text: JSON.stringify({ code: 0, msg: '', ...chat }) }, opts, 'zzz');
  assert.deepEqual(JSON.parse(ok.text), chat);
  try {
    unwrapReply({ status: 200, headers: new Headers(), text: JSON.stringify({ code: 40001, msg: 'bad param' }) }, opts, 'zzz');
    assert.fail('expected a GatewayError');
  } catch (err) {
    assert.ok(isGatewayError(err));
    assert.equal(err.status, 502);
    assert.match(err.message, /code 40001: bad param/);
  }
  assert.deepEqual(wrapBody({ a: 1 }, opts), { code: 0, msg: '', a: 1 });
  const modelBridge = resolveOptions({ code_field: 'code', success_values: ['0'], success_field: 'success', error_code: '105' });
  assert.deepEqual(wrapErrorBody({ error: { message: 'token invalid.' } }, 401, modelBridge), { code: '105', msg: 'token invalid.', success: false, error: { message: 'token invalid.' } });
  // the hooks themselves
  const hooked = codeMsg.onUpstreamResponse!({ status: 200, headers: new Headers(), text: '{"code":0,"msg":"","x":1}' }, ctx({}, { provider: 'zzz' }));
  assert.deepEqual(JSON.parse((hooked as { text: string }).text), { x: 1 });
  const wrapped = codeMsg.onResponse!({ status: 200, headers: {}, body: { y: 2 } }, ctx());
  assert.deepEqual((wrapped as { body: unknown }).body, { code: 0, msg: '', y: 2 });
});

test('onebound-inbound: parse, method mapping, envelope rendering (json ASCII, jsonu, xml)', () => {
  const url = new URL(`http://gw/openai/custom?key=me&secret=sk-1&method=v1/chat/completions&result_type=xml&_o_args=${encodeURIComponent('{"model":"m","messages":[]}')}`);
  const req = parseOneboundRequest(url, { text: '' });
  assert.equal(req.resultType, 'xml');
  assert.deepEqual(req.args, { model: 'm', messages: [] });
  assert.equal(methodToPath('v1/chat/completions'), '/v1/chat/completions');
  assert.equal(methodToPath('images/submit'), '/images/submit');
  const env = wrapSuccess(chat, 'r1');
  assert.ok(render(env, 'json').body.includes('\\u4f60\\u597d'));
  assert.ok(render(env, 'jsonu').body.includes('你好'));
  const xml = render(env, 'xml');
  assert.equal(xml.contentType, 'application/xml; charset=utf-8');
  assert.ok(xml.body.includes('<content>你好, world</content>'));
  assert.equal(wrapError('4014', 'missing', 'r2').error, 'Missing url param');
  assert.equal(gatewayErrorToOnebound(429, 'insufficient_quota'), '4016');
  assert.equal(gatewayErrorToOnebound(504, 'upstream_timeout'), '4017');
});

test('onebound-inbound hooks: request rewrite, key-name check, response and error envelopes', async () => {
  const c = ctx();
  const inbound = new Request(`http://gw.test/openai/custom/?key=me&secret=sk-secret-1&method=v1/chat/completions&cache=yes&_o_args=${encodeURIComponent('{"model":"m","messages":[{"role":"user","content":"hi"}]}')}`);
  const out = await onebound.onRequest!(inbound, c);
  assert.ok(out instanceof Request);
  assert.equal(out.url, 'http://gw.test/openai/custom/v1/chat/completions');
  assert.equal(out.method, 'POST');
  assert.equal(out.headers.get('authorization'), 'Bearer sk-secret-1');
  assert.equal(out.headers.get('x-switchyard-cache'), 'yes');
  assert.deepEqual(await out.json(), { model: 'm', messages: [{ role: 'user', content: 'hi' }] });

  const bad = await onebound.onRequest!(new Request('http://gw.test/openai/custom?key=me&secret=s&method=v1/nope'), ctx());
  assert.ok(bad instanceof Response);
  assert.equal(bad.status, 200);
  assert.equal((await bad.json()).error_code, '4010');

  const authed = { ...c, keyName: 'me' } as PluginContext;
  const res = await onebound.onResponse!({ status: 200, headers: {}, body: chat }, authed);
  assert.equal((res as { status: number }).status, 200);
  assert.equal(JSON.parse((res as { rawBody: string }).rawBody).error_code, '0000');
  const mismatch = await onebound.onResponse!({ status: 200, headers: {}, body: chat }, { ...c, keyName: 'someone-else' } as PluginContext);
  assert.equal(JSON.parse((mismatch as { rawBody: string }).rawBody).error_code, '4005');
  assert.throws(() => onebound.onCanonicalRequest!({ operation: 'chat', body: {} }, { ...c, keyName: 'someone-else' } as PluginContext));

  const err = await onebound.onError!({ status: 429, headers: { 'retry-after': '3' }, body: { error: { message: 'slow down', type: 'rate_limit_error', code: 'rate_limit_exceeded', param: null } } }, c);
  const view = err as { status: number; headers: Record<string, string>; rawBody: string };
  assert.equal(view.status, 200);
  assert.equal(view.headers['x-switchyard-status'], '429');
  assert.equal(view.headers['retry-after'], '3');
  assert.equal(JSON.parse(view.rawBody).error_code, '4008');

  const get = buildRewrite(parseOneboundRequest(new URL('http://g/x?key=k&secret=s&method=images/get&_o_args={"imgid":"imgjob_1"}'), { text: '' }), '/images/get', 'http://g/x', new URL('http://g/x'), undefined);
  assert.equal(get.request.url, 'http://g/x/v1/images/jobs/imgjob_1');
  assert.equal(jobEnvelope('get', { id: 'imgjob_1', status: 'running' }, 'r').response && (jobEnvelope('get', { id: 'imgjob_1', status: 'running' }, 'r').response as { status: string }).status, 'running');
});

test('onebound adapter: request build, envelope decode, error mapping, stream emulation', () => {
  const provider: ProviderView = { name: 'ob', baseUrl: 'https://onebound.test/openai/custom', apiKey: undefined, headers: {}, options: { key: 'k1', secret: 's1' } };
  const areq = { operation: 'chat' as const, body: { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], stream: true }, path: '/chat/completions', search: '', method: 'POST', stream: true, upstreamModel: 'gpt-4o-mini' };
  const built = oneboundAdapter.buildRequest(areq, provider);
  const u = new URL(built.url);
  assert.equal(u.searchParams.get('method'), 'v1/chat/completions');
  assert.equal(u.searchParams.get('key'), 'k1');
  assert.deepEqual(JSON.parse(new URLSearchParams(String(built.body)).get('_o_args')!), { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] });
  const decoded = oneboundAdapter.decodeResponse({ status: 200, headers: new Headers(), text: JSON.stringify({ response: chat, error: '', reason: '', error_code: '0000' }) }, areq, provider);
  assert.equal(decoded.usage?.total_tokens, 7);
  assert.throws(() => oneboundAdapter.decodeResponse({ status: 200, headers: new Headers(), text: '{"response":[],"error_code":"4005","error":"x"}' }, areq, provider), (e: unknown) => isGatewayError(e) && e.code === 'upstream_auth_failed');
  const chunks = chunksFromChatResponse(chat as unknown as ChatResponse, { pieceSize: 2 });
  assert.equal(chunks.map((ch) => ch.choices[0]?.delta?.content ?? '').join(''), '你好, world');
  assert.equal(chunks.at(-1)?.usage?.total_tokens, 7);
});
