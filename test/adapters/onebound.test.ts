import { describe, expect, test } from 'bun:test';
import adapter from '../../adapters/onebound/index.ts';
import { MAX_PIECES, chunksFromChatResponse } from '../../src/contracts/emulate-stream.ts';
import { isGatewayError, type AdapterRequest, type ChatResponse, type GatewayError, type JsonObject, type Operation, type ProviderView, type UpstreamReply } from '../../src/contracts/index.ts';

const KEY = 'k3y-ABC+/123';
const SECRET = 's3cr3t-XYZ';

const provider: ProviderView = {
  name: 'ob',
  baseUrl: 'https://api-gw-4.cn/openai/custom',
  headers: { 'X-Extra': '1', 'Content-Type': 'text/plain' },
  options: { adapter: 'onebound', key: KEY, secret: SECRET },
};

function req(operation: Operation, body: JsonObject, stream = false): AdapterRequest {
  return { operation, body, path: '/chat/completions', search: '', method: 'POST', stream, upstreamModel: String(body.model ?? '') };
}

function reply(body: unknown, status = 200): UpstreamReply {
  return { status, headers: new Headers(), text: typeof body === 'string' ? body : JSON.stringify(body) };
}

function envelope(code: string, extra: JsonObject = {}): JsonObject {
  return { response: [], error: '', reason: '', error_code: code, request_id: '1.6403fb3e09647', ...extra };
}

function decodeErr(r: UpstreamReply, op: Operation = 'chat'): GatewayError {
  try {
    adapter.decodeResponse(r, req(op, { model: 'gpt-4o-mini' }), provider);
  } catch (err) {
    if (isGatewayError(err)) return err;
    throw err;
  }
  throw new Error('expected a GatewayError');
}

const chatBody = {
  id: 'chatcmpl-1', object: 'chat.completion', created: 1677981805, model: 'gpt-4o-mini',
  choices: [{ index: 0, message: { role: 'assistant', content: '中国最有钱的人是谁?' }, finish_reason: 'stop' }],
  usage: { prompt_tokens: 16, completion_tokens: 43, total_tokens: 59, prompt_tokens_details: { cached_tokens: 4 } },
};

describe('onebound adapter: request', () => {
  test('supports exactly its operations and emulates streams', () => {
    expect(adapter.id).toBe('onebound');
    expect(adapter.streamMode).toBe('emulate');
    for (const op of ['chat', 'completions', 'embeddings', 'images.generations', 'moderations'] as const) expect(adapter.supports(op)).toBe(true);
    for (const op of ['images.edits', 'audio.speech', 'passthrough'] as const) expect(adapter.supports(op)).toBe(false);
  });

  test('POST to the one URL with key/secret/method in the query, _o_args form body without stream', () => {
    const body = { model: 'gpt-4o-mini', messages: [{ role: 'user' as const, content: '中国队 & 世界杯?' }], stream: true, stream_options: { include_usage: true }, max_tokens: 200 };
    const out = adapter.buildRequest(req('chat', body, true), provider);
    expect(out.method).toBe('POST');
    expect(out.url).toBe('https://api-gw-4.cn/openai/custom?key=k3y-ABC%2B/123&secret=s3cr3t-XYZ&method=v1/chat/completions&cache=no&result_type=json');
    const u = new URL(out.url);
    expect(u.searchParams.get('key')).toBe(KEY);
    expect(u.searchParams.get('method')).toBe('v1/chat/completions');
    expect(out.headers).toEqual({ 'X-Extra': '1', 'content-type': 'application/x-www-form-urlencoded; charset=utf-8', accept: 'application/json' });
    expect(typeof out.body).toBe('string');
    const form = new URLSearchParams(out.body as string);
    expect([...form.keys()]).toEqual(['_o_args']);
    expect(form.get('_o_args')).toBe('{"model":"gpt-4o-mini","messages":[{"role":"user","content":"中国队 & 世界杯?"}],"max_tokens":200}');
  });

  test('method per operation; empty base_url uses the documented endpoint; api_key is a key fallback', () => {
    const p: ProviderView = { name: 'ob2', baseUrl: '', apiKey: 'fallback', headers: {}, options: { secret: 's' } };
    expect(adapter.buildRequest(req('embeddings', { model: 'e', input: 'x' }), p).url).toBe('https://api-gw-4.cn/openai/custom?key=fallback&secret=s&method=v1/embeddings&cache=no&result_type=json');
    expect(new URL(adapter.buildRequest(req('images.generations', { prompt: '地球', n: 10 }), provider).url).searchParams.get('method')).toBe('v1/images/generations');
    expect(new URL(adapter.buildRequest(req('moderations', { input: 'x' }), provider).url).searchParams.get('method')).toBe('v1/moderations');
    expect(new URL(adapter.buildRequest(req('completions', { prompt: 'x' }), provider).url).searchParams.get('method')).toBe('v1/completions');
  });

  test('missing secret is a configuration error that names the field, not a value', () => {
    try {
      adapter.buildRequest(req('chat', { model: 'm', messages: [] }), { ...provider, options: { key: KEY } });
      throw new Error('expected throw');
    } catch (err) {
      expect(isGatewayError(err)).toBe(true);
      expect((err as GatewayError).code).toBe('provider_misconfigured');
      expect((err as GatewayError).message).toContain('providers.ob.secret');
      expect((err as GatewayError).message).not.toContain(KEY);
    }
  });
});

describe('onebound adapter: responses', () => {
  test('0000 → the OpenAI body and its usage', () => {
    const out = adapter.decodeResponse(reply(envelope('0000', { response: chatBody, last_id: '1593583206' })), req('chat', {}), provider);
    expect(out.body).toEqual(chatBody);
    expect(out.usage).toEqual({ prompt_tokens: 16, completion_tokens: 43, total_tokens: 59, cached_tokens: 4, reasoning_tokens: 0 });
  });

  test('numeric error_code 0 and a JSON-string response are accepted', () => {
    const out = adapter.decodeResponse(reply({ response: JSON.stringify({ object: 'list', data: [{ embedding: [0.1] }], usage: { prompt_tokens: 2, total_tokens: 2 } }), error_code: 0 }), req('embeddings', {}), provider);
    expect(out.usage?.prompt_tokens).toBe(2);
    expect((out.body as JsonObject).object).toBe('list');
  });

  test('not an envelope → upstream_invalid_response', () => {
    expect(decodeErr(reply('<html>oops</html>')).code).toBe('upstream_invalid_response');
    expect(decodeErr(reply({ id: 'x' })).code).toBe('upstream_invalid_response');
    expect(decodeErr(reply(envelope('0000', { response: { object: 'chat.completion' } }))).code).toBe('upstream_invalid_response');
  });

  const table: Array<[string, number, string, boolean, unknown]> = [
    ['4004', 502, 'upstream_auth_failed', true, 401],
    ['4005', 502, 'upstream_auth_failed', true, 401],
    ['4006', 502, 'upstream_auth_failed', true, 401],
    ['4007', 502, 'upstream_auth_failed', true, 401],
    ['4008', 502, 'upstream_error', true, 429],
    ['4013', 502, 'upstream_error', true, 429],
    ['4016', 502, 'upstream_error', true, undefined],
    ['4017', 504, 'upstream_timeout', true, 'timeout'],
    ['4003', 400, 'upstream_rejected_request', false, undefined],
    ['4014', 400, 'upstream_rejected_request', false, undefined],
    ['4000', 502, 'upstream_error', true, undefined],
    ['4001', 502, 'upstream_error', true, undefined],
    ['4002', 502, 'upstream_error', true, undefined],
    ['4009', 502, 'upstream_error', true, undefined],
    ['5000', 502, 'upstream_error', true, undefined],
    ['4010', 502, 'upstream_error', true, undefined],
    ['9999', 502, 'upstream_error', true, undefined],
  ];
  for (const [code, status, gwCode, retryable, cause] of table) {
    test(`error_code ${code} → ${status} ${gwCode}`, () => {
      const err = decodeErr(reply(envelope(code, { error: `failed for key ${KEY}`, reason: `secret=${SECRET} at https://api-gw-4.cn/openai/custom?key=${encodeURIComponent(KEY)}` })));
      expect(err.status).toBe(status);
      expect(err.code).toBe(gwCode);
      expect(err.retryable).toBe(retryable);
      expect(err.cause).toBe(cause as GatewayError['cause']);
      expect(err.message).toContain(`error_code ${code}`);
      expect(err.message).not.toContain(KEY);
      expect(err.message).not.toContain(encodeURIComponent(KEY));
      expect(err.message).not.toContain(SECRET);
      expect(err.message).not.toContain('api-gw-4.cn');
      expect(err.message).not.toContain('http');
    });
  }

  test('exact messages for a few codes', () => {
    expect(decodeErr(reply(envelope('4016'))).message).toBe('Provider "ob" (onebound) is out of balance: error_code 4016 (Insufficient balance)');
    expect(decodeErr(reply(envelope('4003', { reason: 'prompt missing' }))).message).toBe('Provider "ob" (onebound) rejected the request: error_code 4003 (Param error): prompt missing');
    expect(decodeErr(reply(envelope('4005'))).message).toBe('Provider "ob" (onebound) rejected the gateway\'s own credentials (error_code 4005 (Invalid authentication credentials)). Your key is fine; the gateway operator must fix providers.ob.key / secret in gateway.yaml or the onebound account.');
  });

  test('2000 with the seed\'s OpenAI rate-limit error inside response → 502 rate limited, retryable, no links', () => {
    const seed = {
      response: { error: { message: 'Rate limit reached for default-text-davinci-003 in organization org-s1mHAqazDVEDzVLaYDlHtn4z on tokens per min. Limit: 150000 / min. Visit https://platform.openai.com/account/billing to add a payment method.', type: 'tokens', param: null, code: null } },
      error_code: '2000', error: '', reason: '', request_id: '1.6403fb3e09647', last_id: '1593602602',
    };
    const err = decodeErr(reply(seed));
    expect(err.status).toBe(502);
    expect(err.retryable).toBe(true);
    expect(err.cause).toBe(429);
    expect(err.message).toStartWith('Provider "ob" (onebound) is rate limiting the gateway: error_code 2000');
    expect(err.message).toContain('Rate limit reached for default-text-davinci-003');
    expect(err.message).toContain('[link removed]');
    expect(err.message).not.toContain('platform.openai.com');
  });

  test('2000 without a rate limit → plain 502 with the inner message; 2000 without details', () => {
    const err = decodeErr(reply(envelope('2000', { response: { error: { message: 'model overloaded', type: 'server_error' } } })));
    expect(err.message).toBe('Provider "ob" (onebound) returned no result: error_code 2000 (Search success but no result): model overloaded');
    expect(err.cause).toBeUndefined();
    expect(decodeErr(reply(envelope('2000'))).code).toBe('upstream_error');
  });

  test('0000 wrapping an OpenAI error body is still an error', () => {
    const err = decodeErr(reply(envelope('0000', { response: { error: { message: 'Rate limit reached', type: 'requests' } } })));
    expect(err.cause).toBe(429);
  });

  test('decodeError: envelope first, else the HTTP status mapping (scrubbed)', () => {
    expect(adapter.decodeError(reply(envelope('4005'), 500), provider).code).toBe('upstream_auth_failed');
    const e503 = adapter.decodeError({ status: 503, headers: new Headers({ 'retry-after': '3' }), text: `bad gateway for ${SECRET}` }, provider);
    expect(e503.status).toBe(502);
    expect(e503.retryable).toBe(true);
    expect(e503.retryAfterMs).toBe(3000);
    expect(e503.message).not.toContain(SECRET);
    expect(adapter.decodeError(reply('nope', 401), provider).code).toBe('upstream_auth_failed');
    expect(adapter.decodeError(reply({ error: { message: 'bad model' } }, 400), provider).status).toBe(400);
  });
});

describe('onebound adapter: emulated stream', () => {
  const full: ChatResponse = {
    id: 'chatcmpl-9', object: 'chat.completion', created: 1700000000, model: 'gpt-4o-mini', system_fingerprint: 'fp_1',
    choices: [
      { index: 0, message: { role: 'assistant', content: 'Hello, 世界! 👋🏽 This is a longer answer that spans several pieces.', tool_calls: [
        { id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"北京","unit":"c"}' } },
        { id: 'call_2', type: 'function', function: { name: 'noop', arguments: '{}' } },
      ] }, finish_reason: 'tool_calls' },
    ],
    usage: { prompt_tokens: 10, completion_tokens: 20, total_tokens: 30 },
  };

  test('chunks reassemble to the same content, tool calls and finish_reason', () => {
    const chunks = chunksFromChatResponse(full, { pieceSize: 5 });
    expect(chunks.every((c) => c.object === 'chat.completion.chunk' && c.id === 'chatcmpl-9' && c.model === 'gpt-4o-mini' && c.created === 1700000000)).toBe(true);
    expect(chunks[0].choices[0].delta).toEqual({ role: 'assistant', content: '' });
    let content = '';
    const calls: Array<{ id?: string; name?: string; args: string }> = [];
    let finish: string | null = null;
    for (const c of chunks) {
      for (const ch of c.choices) {
        content += ch.delta.content ?? '';
        for (const t of ch.delta.tool_calls ?? []) {
          calls[t.index] ??= { args: '' };
          if (t.id) calls[t.index].id = t.id;
          if (t.function?.name) calls[t.index].name = t.function.name;
          calls[t.index].args += t.function?.arguments ?? '';
        }
        if (ch.finish_reason) finish = ch.finish_reason;
      }
    }
    expect(content).toBe(full.choices[0].message.content as string);
    expect(calls).toEqual([{ id: 'call_1', name: 'get_weather', args: '{"city":"北京","unit":"c"}' }, { id: 'call_2', name: 'noop', args: '{}' }]);
    expect(finish).toBe('tool_calls');
    const last = chunks[chunks.length - 1];
    expect(last.choices).toEqual([]);
    expect(last.usage).toEqual(full.usage!);
    expect(chunks[chunks.length - 2].choices[0]).toEqual({ index: 0, delta: {}, finish_reason: 'tool_calls' });
  });

  test('pieces never split a surrogate pair and respect pieceSize', () => {
    const chunks = chunksFromChatResponse(full, { pieceSize: 3 });
    for (const c of chunks) {
      const text = c.choices[0]?.delta.content;
      if (text) {
        expect(Array.from(text).length).toBeLessThanOrEqual(3);
        expect(/[\uD800-\uDBFF]$/.test(text)).toBe(false);
      }
    }
  });

  test('a long answer becomes at most MAX_PIECES content chunks, whole, no surrogate pair split', () => {
    const long = '👋a'.repeat(700_000); // 2.1 M UTF-16 units, an emoji at every third
    const big: ChatResponse = { id: 'c', object: 'chat.completion', created: 1, model: 'm', choices: [{ index: 0, message: { role: 'assistant', content: long }, finish_reason: 'stop' }] };
    const pieces = chunksFromChatResponse(big, { includeUsage: false }).map((c) => c.choices[0].delta.content).filter((t): t is string => !!t);
    expect(pieces.length).toBeLessThanOrEqual(MAX_PIECES);
    expect(pieces.join('')).toBe(long);
    expect(pieces.some((p) => /[\uD800-\uDBFF]$/.test(p) || /^[\uDC00-\uDFFF]/.test(p))).toBe(false);
  });

  test('plain answer without usage: role, pieces, finish; includeUsage false drops the usage chunk', () => {
    const small: ChatResponse = { id: 'c', object: 'chat.completion', created: 1, model: 'm', choices: [{ index: 0, message: { role: 'assistant', content: 'abcdef' }, finish_reason: 'stop' }] };
    expect(chunksFromChatResponse(small, { pieceSize: 4 }).map((c) => c.choices[0].delta)).toEqual([{ role: 'assistant', content: '' }, { content: 'abcd' }, { content: 'ef' }, {}]);
    expect(chunksFromChatResponse(full, { includeUsage: false }).some((c) => c.usage)).toBe(false);
  });
});
