import { describe, expect, test } from 'bun:test';
import plugin, { resolveOptions, unwrapReply, wrapBody, wrapErrorBody } from '../../plugins/code-msg-envelope.ts';
import { isGatewayError, type GatewayError, type JsonObject, type PluginContext, type UpstreamReply } from '../../src/contracts/index.ts';

function ctx(options: JsonObject = {}, provider = 'zzz'): PluginContext {
  return {
    requestId: 'req-1', route: '', provider, options,
    log: { info() {}, warn() {}, error() {} },
    state: new Map(), signal: new AbortController().signal,
  };
}

function reply(body: unknown, status = 200, headers: Record<string, string> = {}): UpstreamReply {
  return { status, headers: new Headers(headers), text: typeof body === 'string' ? body : JSON.stringify(body) };
}

function catchError(fn: () => unknown): GatewayError {
  try {
    fn();
  } catch (err) {
    if (isGatewayError(err)) return err;
    throw err;
  }
  throw new Error('expected a GatewayError');
}

const upstream = (r: UpstreamReply, options: JsonObject = {}) => plugin.onUpstreamResponse!(r, ctx(options)) as UpstreamReply;

describe('code-msg-envelope: provider scope (unwrap)', () => {
  test('success code 0 is stripped, the rest of the body kept in order', () => {
    const out = upstream(reply({ code: 0, msg: '', id: 'as-bcmt5ct4iy', created: 1680167072, choices: [{ message: { role: 'assistant', content: '1+100=101' }, finish_reason: 'stop', index: 0 }] }));
    expect(out.text).toBe('{"id":"as-bcmt5ct4iy","created":1680167072,"choices":[{"message":{"role":"assistant","content":"1+100=101"},"finish_reason":"stop","index":0}]}');
    expect(out.status).toBe(200);
  });

  test('string success code "0" and extra_strip', () => {
    const out = upstream(reply({ code: '0', msg: 'ok', success: true, id: 'x' }), { extra_strip: ['success'] });
    expect(out.text).toBe('{"id":"x"}');
  });

  test('HTTP 200 with code 40001 → upstream_error 502, retryable (a failed channel: failover moves on), message carries msg', () => {
    const err = catchError(() => upstream(reply({ code: 40001, msg: '余额不足，请充值' })));
    expect(err.status).toBe(502);
    expect(err.code).toBe('upstream_error');
    expect(err.type).toBe('upstream_error');
    expect(err.retryable).toBe(true);
    expect(err.cause).toBeUndefined(); // failed over whatever routing.retry.on lists, like an unreadable answer
    expect(err.message).toBe('Provider "zzz" returned code 40001: 余额不足，请充值');
  });

  test('HTTP 503 / 429 with a failure code is retryable', () => {
    expect(catchError(() => upstream(reply({ code: 500, msg: 'busy' }, 503))).retryable).toBe(true);
    const limited = catchError(() => upstream(reply({ code: 1, msg: 'slow down' }, 429, { 'retry-after': '2' })));
    expect(limited.retryable).toBe(true);
    expect(limited.cause).toBe(429);
    expect(limited.retryAfterMs).toBe(2000);
  });

  test('a non-2xx reply is classified by its status, as the adapters do (400 = the client\'s request, not retried)', () => {
    const err = catchError(() => upstream(reply({ code: 40001, msg: 'messages must be an array' }, 400)));
    expect(err.status).toBe(400);
    expect(err.code).toBe('upstream_rejected_request');
    expect(err.retryable).toBe(false);
    expect(err.message).toBe('Provider "zzz" rejected the request: code 40001: messages must be an array');
  });

  test('status_codes maps a vendor code to the HTTP status it stands for', () => {
    const opts = { status_codes: { '1002': 404, '1003': 400, '1004': 429, '1005': 401, '1006': 503 } };
    const notFound = catchError(() => upstream(reply({ code: 1002, msg: '模型不存在' }), opts));
    expect([notFound.status, notFound.code, notFound.retryable, notFound.cause]).toEqual([404, 'upstream_not_found', false, 404]);
    expect(notFound.message).toBe('Provider "zzz" rejected the request: code 1002: 模型不存在');
    const bad = catchError(() => upstream(reply({ code: '1003', msg: '参数错误' }), opts)); // string codes match too
    expect([bad.status, bad.code, bad.retryable]).toEqual([400, 'upstream_rejected_request', false]);
    const limited = catchError(() => upstream(reply({ code: 1004, msg: '当前分组负载已饱和' }, 200, { 'retry-after': '3' }), opts));
    expect([limited.status, limited.retryable, limited.cause, limited.retryAfterMs]).toEqual([502, true, 429, 3000]);
    expect(catchError(() => upstream(reply({ code: 1005, msg: 'x' }), opts)).code).toBe('upstream_auth_failed');
    const busy = catchError(() => upstream(reply({ code: 1006, msg: 'busy' }), opts));
    expect([busy.code, busy.retryable, busy.cause]).toEqual(['upstream_error', true, 503]);
    // auth_codes still win; unlisted codes keep the default
    expect(catchError(() => upstream(reply({ code: 1002, msg: 'x' }), { ...opts, auth_codes: [1002] })).code).toBe('upstream_auth_failed');
    expect(catchError(() => upstream(reply({ code: 1007, msg: 'x' }), opts)).retryable).toBe(true);
  });

  test('ModelBridge {"code":"105","msg":"token invalid.","success":false} → upstream_auth_failed', () => {
    const err = catchError(() => upstream(reply({ code: '105', msg: 'token invalid.', success: false }), { success_field: 'success' }));
    expect(err.code).toBe('upstream_auth_failed');
    expect(err.status).toBe(502);
    expect(err.message).toContain('Provider "zzz"');
  });

  test('configurable fields: status/message + success flag false without a code', () => {
    const opts = { code_field: 'status', msg_field: 'message', success_values: ['ok'], success_field: 'success' };
    expect(upstream(reply({ status: 'ok', message: 'fine', success: true, data: [1] }), opts).text).toBe('{"data":[1]}');
    const err = catchError(() => upstream(reply({ success: false, message: 'quota gone' }), opts));
    expect(err.message).toBe('Provider "zzz" returned success=false: quota gone');
  });

  test('auth_codes option maps a code to upstream_auth_failed', () => {
    expect(catchError(() => upstream(reply({ code: 7, msg: 'nope' }), { auth_codes: [7] })).code).toBe('upstream_auth_failed');
    expect(catchError(() => upstream(reply({ code: 7, msg: 'nope' }))).code).toBe('upstream_error');
  });

  test('non-JSON, arrays and bodies without the code field pass through unchanged', () => {
    for (const r of [reply('data: {"x":1}'), reply([{ code: 1 }]), reply({ id: 'chatcmpl-1', choices: [] }), reply('not json {')]) {
      expect(upstream(r)).toBe(r);
    }
  });
});

describe('code-msg-envelope: provider scope, stream events', () => {
  const event = (data: unknown) => ({ data: typeof data === 'string' ? data : JSON.stringify(data) });
  const onEvent = (data: unknown, options: JsonObject = {}) => plugin.onUpstreamStreamEvent!(event(data), ctx(options));

  test('a chunk with code 0 / msg "" loses the fields, the rest kept in order', () => {
    const out = onEvent({ id: 'c', code: 0, msg: '', object: 'chat.completion.chunk', choices: [{ index: 0, delta: { content: 'hi' } }] });
    expect(out).toEqual({ data: '{"id":"c","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"hi"}}]}' });
  });

  test('a chunk with a failure code throws, classified like a 2xx reply (status_codes apply)', () => {
    const err = catchError(() => onEvent({ code: 1001, msg: '余额不足,请充值' }));
    expect([err.status, err.code, err.retryable]).toEqual([502, 'upstream_error', true]);
    expect(err.message).toBe('Provider "zzz" returned code 1001: 余额不足,请充值');
    expect(catchError(() => onEvent({ code: 1002, msg: '模型不存在' }, { status_codes: { '1002': 404 } })).code).toBe('upstream_not_found');
    expect(catchError(() => onEvent({ code: '105', msg: 'token invalid.', success: false }, { success_field: 'success' })).code).toBe('upstream_auth_failed');
  });

  test('[DONE], chunks without the fields, non-JSON and a "code" inside content pass unchanged', () => {
    for (const data of ['[DONE]', { id: 'c', choices: [] }, 'not json', { id: 'c', choices: [{ delta: { content: 'the "code" word' } }] }]) {
      expect(onEvent(data)).toBeUndefined();
    }
  });
});

describe('code-msg-envelope: route scope (wrap)', () => {
  test('onResponse wraps JSON objects with code 0 / msg first, leaves arrays alone', () => {
    const res = plugin.onResponse!({ status: 200, headers: {}, body: { id: 'c1', object: 'chat.completion' } }, ctx()) as { body: unknown };
    expect(JSON.stringify(res.body)).toBe('{"code":0,"msg":"","id":"c1","object":"chat.completion"}');
    const arr = plugin.onResponse!({ status: 200, headers: {}, body: [1, 2] }, ctx()) as { body: unknown };
    expect(arr.body).toEqual([1, 2]);
  });

  test('onError keeps the status, code = HTTP status by default, msg = error.message', () => {
    const body = { error: { message: 'Invalid API key.', type: 'authentication_error', code: 'invalid_api_key', param: null } };
    const out = plugin.onError!({ status: 401, headers: { 'x-request-id': 'r' }, body }, ctx()) as { status: number; headers: Record<string, string>; body: unknown };
    expect(out.status).toBe(401);
    expect(out.headers).toEqual({ 'x-request-id': 'r' });
    expect(JSON.stringify(out.body)).toBe('{"code":401,"msg":"Invalid API key.","error":{"message":"Invalid API key.","type":"authentication_error","code":"invalid_api_key","param":null}}');
  });

  test('error_code and success_field options (ModelBridge shape)', () => {
    const opts = resolveOptions({ error_code: '105', success_field: 'success' });
    expect(JSON.stringify(wrapErrorBody({ error: { message: 'bad' } }, 401, opts))).toBe('{"code":"105","msg":"bad","success":false,"error":{"message":"bad"}}');
    expect(JSON.stringify(wrapBody({ id: 'a' }, opts))).toBe('{"code":0,"msg":"","success":true,"id":"a"}');
  });

  test('wrap then unwrap round-trips the body', () => {
    const opts = resolveOptions({});
    const body = { id: 'c1', choices: [{ index: 0 }], usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 } };
    const wrapped = wrapBody(body, opts);
    const out = unwrapReply(reply(wrapped), opts, 'p');
    expect(JSON.parse(out.text)).toEqual(body);
  });

  test('has an options schema; it unwraps upstream stream events but does not wrap client streams', () => {
    expect(plugin.name).toBe('code-msg-envelope');
    expect(plugin.optionsSchema?.type).toBe('object');
    expect(plugin.onStreamEvent).toBeUndefined();
    expect(typeof plugin.onUpstreamStreamEvent).toBe('function');
  });
});

describe('code-msg-envelope: options schema', () => {
  test('ajv accepts the documented options and rejects unknown ones', async () => {
    const { default: Ajv } = await import('ajv');
    const validate = new Ajv({ strict: false }).compile(plugin.optionsSchema!);
    expect(validate({ code_field: 'code', msg_field: 'msg', success_values: [0, '0'], extra_strip: ['success'], error_code: 1, success_field: 'success' })).toBe(true);
    expect(validate({ code_feild: 'x' })).toBe(false);
    expect(validate({ status_codes: { '1002': 404, '1003': 400 } })).toBe(true);
    expect(validate({ status_codes: { '1002': 200 } })).toBe(false); // success is success_values' business
    expect(validate({ status_codes: { '1002': '404' } })).toBe(false);
    expect(validate({ status_codes: { '': 404 } })).toBe(false);
  });
});
