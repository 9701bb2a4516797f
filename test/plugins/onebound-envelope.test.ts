import { oneboundHints } from '../../plugins/onebound-inbound/hints.ts';
import { describe, expect, test } from 'bun:test';
import { gatewayErrorToOnebound, isOneboundError, OneboundError, type OneboundCode } from '../../plugins/onebound-inbound/codes.ts';
import {
  IMAGES_GET_PATH, IMAGES_SUBMIT_PATH, methodToPath, parseOneboundRequest, render, toXml, wrapError, wrapSuccess,
} from '../../plugins/onebound-inbound/envelope.ts';

const BASE = 'http://127.0.0.1:3000/openai/custom';
const args = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: '中国队什么时候进世界杯' }], max_tokens: 200 };

function codeOf(fn: () => unknown): OneboundCode {
  try {
    fn();
  } catch (err) {
    if (isOneboundError(err)) return err.code;
    throw err;
  }
  throw new Error('expected a OneboundError');
}

describe('parseOneboundRequest', () => {
  test('GET: everything in the query string', () => {
    const url = new URL(`${BASE}?key=sk-1&secret=s&method=v1/chat/completions&cache=no&result_type=jsonu&lang=en&_o_args=${encodeURIComponent(JSON.stringify(args))}`);
    expect(parseOneboundRequest(url, { contentType: null, text: '' })).toEqual({
      key: 'sk-1', secret: 's', method: 'v1/chat/completions', args, cache: 'no', resultType: 'jsonu', lang: 'en',
    });
  });

  test('defaults: cache yes, result_type json, lang cn, secret empty, args {}', () => {
    expect(parseOneboundRequest(new URL(`${BASE}?key=k&method=v1/models`), { text: '' })).toEqual({
      key: 'k', secret: '', method: 'v1/models', args: {}, cache: 'yes', resultType: 'json', lang: 'cn',
    });
  });

  test('POST form: _o_args (and other fields) in the body, key in the query', () => {
    const text = new URLSearchParams({ _o_args: JSON.stringify(args), method: 'v1/chat/completions' }).toString();
    const out = parseOneboundRequest(new URL(`${BASE}?key=k&secret=s`), { contentType: 'application/x-www-form-urlencoded', text });
    expect(out.args).toEqual(args);
    expect(out.method).toBe('v1/chat/completions');
  });

  test('body fields win over the query', () => {
    const text = new URLSearchParams({ key: 'from-body', _o_args: '{"a":1}' }).toString();
    const out = parseOneboundRequest(new URL(`${BASE}?key=from-query&method=v1/embeddings&_o_args={"b":2}`), { contentType: 'application/x-www-form-urlencoded; charset=utf-8', text });
    expect(out.key).toBe('from-body');
    expect(out.args).toEqual({ a: 1 });
  });

  test('POST JSON: whole body is the args, or an envelope with _o_args (string or object)', () => {
    const url = new URL(`${BASE}?key=k&secret=s&method=v1/chat/completions`);
    expect(parseOneboundRequest(url, { contentType: 'application/json', text: JSON.stringify(args) }).args).toEqual(args);
    const env1 = parseOneboundRequest(new URL(BASE), { contentType: 'application/json', text: JSON.stringify({ key: 'k2', method: 'v1/completions', result_type: 'xml', _o_args: JSON.stringify({ prompt: 'x' }) }) });
    expect(env1).toMatchObject({ key: 'k2', method: 'v1/completions', resultType: 'xml', args: { prompt: 'x' } });
    expect(parseOneboundRequest(url, { contentType: 'application/json', text: JSON.stringify({ _o_args: { prompt: 'y' } }) }).args).toEqual({ prompt: 'y' });
  });

  test('missing method or key → 4014', () => {
    expect(codeOf(() => parseOneboundRequest(new URL(`${BASE}?key=k`), { text: '' }))).toBe('4014');
    expect(codeOf(() => parseOneboundRequest(new URL(`${BASE}?method=v1/models`), { text: '' }))).toBe('4014');
    expect(codeOf(() => parseOneboundRequest(new URL(`${BASE}?key=&method=v1/models`), { text: '' }))).toBe('4014');
  });

  test('bad JSON in _o_args, non-object _o_args, bad JSON body, unknown result_type → 4003', () => {
    const q = `${BASE}?key=k&method=v1/chat/completions`;
    expect(codeOf(() => parseOneboundRequest(new URL(`${q}&_o_args={bad`), { text: '' }))).toBe('4003');
    expect(codeOf(() => parseOneboundRequest(new URL(`${q}&_o_args=[1,2]`), { text: '' }))).toBe('4003');
    expect(codeOf(() => parseOneboundRequest(new URL(q), { contentType: 'application/json', text: '{"a":' }))).toBe('4003');
    expect(codeOf(() => parseOneboundRequest(new URL(`${q}&result_type=yaml`), { text: '' }))).toBe('4003');
    expect(codeOf(() => parseOneboundRequest(new URL(q), { contentType: 'multipart/form-data; boundary=x', text: '--x' }))).toBe('4003');
  });

  test('OneboundError carries the code', () => {
    const e = new OneboundError('4010', 'nope');
    expect(e).toBeInstanceOf(Error);
    expect(e.name).toBe('OneboundError');
    expect(isOneboundError(e)).toBe(true);
  });
});

describe('methodToPath', () => {
  test('supported methods', () => {
    expect(methodToPath('v1/chat/completions')).toBe('/v1/chat/completions');
    expect(methodToPath('/v1/completions')).toBe('/v1/completions');
    expect(methodToPath('embeddings')).toBe('/v1/embeddings');
    for (const m of ['models', 'images/generations', 'images/edits', 'images/variations', 'audio/transcriptions', 'audio/translations', 'audio/speech', 'moderations', 'files', 'files/file-abc/content', 'models/gpt-4o']) {
      expect(methodToPath(`v1/${m}`)).toBe(`/v1/${m}`);
    }
  });

  test('images/submit and images/get are special', () => {
    expect(methodToPath('images/submit')).toBe(IMAGES_SUBMIT_PATH);
    expect(methodToPath('v1/images/get')).toBe(IMAGES_GET_PATH);
    expect(IMAGES_SUBMIT_PATH).toBe('/images/submit');
  });

  test('unknown or unsafe → 4010', () => {
    for (const m of ['v1/edits', 'v1/nope', 'item_search', 'v1/files/../admin', 'v1/models/', '']) expect(codeOf(() => methodToPath(m))).toBe('4010');
  });
});

describe('wrap', () => {
  test('success envelope', () => {
    expect(wrapSuccess({ id: 'x' }, 'req-1')).toEqual({ response: { id: 'x' }, error: '', reason: '', error_code: '0000', request_id: 'req-1', last_id: 'req-1' });
    expect(JSON.stringify(wrapSuccess([], 'r'))).toBe('{"response":[],"error":"","reason":"","error_code":"0000","request_id":"r","last_id":"r"}');
  });

  test('error envelope: error = status text, reason = message', () => {
    expect(wrapError('4005', 'Invalid Switchyard key.', 'req-2')).toEqual({ response: {}, error: 'Invalid authentication credentials', reason: 'Invalid Switchyard key.', error_code: '4005', request_id: 'req-2', last_id: 'req-2' });
    expect(wrapError('2000', 'm', 'r', { response: { error: { message: 'm' } } }).response).toEqual({ error: { message: 'm' } });
  });
});

describe('gatewayErrorToOnebound', () => {
  const cases: Array<[number, string, OneboundCode]> = [
    [401, 'missing_api_key', '4005'],
    [401, 'invalid_api_key', '4005'],
    [401, 'expired_api_key', '4005'],
    [403, 'model_not_allowed', '4005'],
    [403, 'ip_not_allowed', '4005'],
    [429, 'rate_limit_exceeded', '4008'],
    [429, 'insufficient_quota', '4016'],
    [400, 'invalid_value', '4003'],
    [400, 'invalid_json', '4003'],
    [415, 'unsupported_content_type', '4003'],
    [413, 'request_too_large', '4003'],
    [404, 'model_not_found', '4003'],
    [400, 'missing_parameter', '4014'],
    [400, 'messages_required', '4014'],
    [404, 'unknown_route', '4010'],
    [502, 'upstream_error', '4002'],
    [502, 'upstream_invalid_response', '4002'],
    [502, 'upstream_auth_failed', '4002'],
    [504, 'upstream_timeout', '4017'],
    [500, 'plugin_error', '4000'],
    [500, 'internal_error', '4000'],
  ];
  for (const [status, code, expected] of cases) test(`${status} ${code} → ${expected}`, () => expect(gatewayErrorToOnebound(status, code)).toBe(expected));
});

describe('render', () => {
  const env = wrapSuccess({ text: '中国 "quoted" <b>&\'', emoji: '👋', n: 1.5, ok: true, none: null, list: [1, 'two'] }, 'r1');

  test('json escapes non-ASCII as \\uXXXX; jsonu keeps it readable; both parse to the same value', () => {
    const json = render(env, 'json');
    const jsonu = render(env, 'jsonu');
    expect(json.contentType).toBe('application/json; charset=utf-8');
    expect(jsonu.contentType).toBe('application/json; charset=utf-8');
    expect(json.body).toBe('{"response":{"text":"\\u4e2d\\u56fd \\"quoted\\" <b>&\'","emoji":"\\ud83d\\udc4b","n":1.5,"ok":true,"none":null,"list":[1,"two"]},"error":"","reason":"","error_code":"0000","request_id":"r1","last_id":"r1"}');
    expect(/^[\x00-\x7f]*$/.test(json.body)).toBe(true);
    expect(jsonu.body).toBe('{"response":{"text":"中国 \\"quoted\\" <b>&\'","emoji":"👋","n":1.5,"ok":true,"none":null,"list":[1,"two"]},"error":"","reason":"","error_code":"0000","request_id":"r1","last_id":"r1"}');
    expect(JSON.parse(json.body)).toEqual(JSON.parse(jsonu.body));
  });

  test('serialize and var_export fall back to json', () => {
    expect(render(env, 'serialize')).toEqual(render(env, 'json'));
    expect(render(env, 'var_export')).toEqual(render(env, 'json'));
  });

  test('xml: root, repeated item, escaping, null, odd keys', () => {
    const out = render(env, 'xml');
    expect(out.contentType).toBe('application/xml; charset=utf-8');
    expect(out.body).toBe('<?xml version="1.0" encoding="UTF-8"?>\n<root><response><text>中国 &quot;quoted&quot; &lt;b&gt;&amp;&apos;</text><emoji>👋</emoji><n>1.5</n><ok>true</ok><none/><list><item>1</item><item>two</item></list></response><error></error><reason></reason><error_code>0000</error_code><request_id>r1</request_id><last_id>r1</last_id></root>');
    expect(toXml({ '1st key': 'a', 'xmlns': 'b', 'ctl': 'x\u0001y\u0007', 'nested': [[1], { a: [] }] })).toBe(
      '<?xml version="1.0" encoding="UTF-8"?>\n<root><item key="1st key">a</item><item key="xmlns">b</item><ctl>xy</ctl><nested><item><item>1</item></item><item><a></a></item></nested></root>',
    );
  });
});

describe('oneboundHints: the gateway\'s route paths named as onebound methods', () => {
  const route = '/openai/custom';
  test('verb + path, bare paths and image jobs', () => {
    expect(oneboundHints('GET /openai/custom/v1/models lists the models your key may use.', route)).toBe('method=v1/models lists the models your key may use.');
    expect(oneboundHints('Send the same body as POST /openai/custom/v1/images/generations, with a model listed by GET /openai/custom/v1/models.', route))
      .toBe('Send the same body as method=v1/images/generations, with a model listed by method=v1/models.');
    expect(oneboundHints('POST /openai/custom/v1/images/jobs submits one; GET /openai/custom/v1/images/jobs/{id} reads it.', route))
      .toBe('method=images/submit submits one; method=images/get reads it.');
  });
  test('upstream text, other routes and messages without paths are left alone', () => {
    const up = 'Provider "ob" rejected the request: see POST /openai/custom/v1/chat/completions';
    expect(oneboundHints(up, route, 'upstream_rejected_request')).toBe(up);
    expect(oneboundHints('GET /zzz/v1/models lists', route)).toBe('GET /zzz/v1/models lists');
    expect(oneboundHints('Invalid key.', route)).toBe('Invalid key.');
  });
});
