// An onebound-style client against the gateway's /openai/custom route (onebound-inbound plugin): GET and
// POST (form and JSON), every result_type, the error codes for our errors, cache yes/no, streams, and
// images/submit + images/get across a gateway restart on the same database file.

import { afterAll, beforeAll, expect, test } from 'bun:test';
import { join } from 'node:path';
import { createJob } from '../../src/store/jobs-repo.ts';
import { sqliteStore } from '../../src/store/open.ts';
import { tempDir } from '../helpers/gateway.ts';
import { type E2EGateway, TEST_KEY, sseData, startE2E, until } from './helpers.ts';
import type { OneboundEnvelope } from '../helpers/onebound-envelope.ts';

const OTHER_KEY = 'sk-other-key-9876543210';
const POOR_KEY = 'sk-poor-key-5555555555';
const SLOW_KEY = 'sk-slow-key-4444444444';
const dir = tempDir('switchyard-onebound-in-');
const YAML = `version: 1
keys:
  - { name: tester, key: ${TEST_KEY} }
  - { name: other, key: ${OTHER_KEY} }
  - { name: poor, key: ${POOR_KEY}, budget: 0 }
  - { name: slow, key: ${SLOW_KEY}, limits: { rpm: 1 } }
providers:
  mock:
    adapter: mock
    models: [mock-echo, mock-embed, mock-image]
  sleepy:
    adapter: mock
    models: [mock-sleepy]
    mock: { delay_ms: 400 }
    timeout_ms: 100
models:
  mock-echo: { price: { input: 1, output: 1 } }
  mock-image: { price: { per_request: 0.04 } }
routing:
  retry: { attempts: 0 }
storage:
  url: file:${join(dir, 'ledger.db')}
routes:
  - path: /openai/custom
    plugins: [onebound-inbound]
`;

let gw: E2EGateway;
beforeAll(async () => {
  gw = await startE2E(YAML, { dir });
});
afterAll(async () => {
  await gw?.stop();
});

const ARGS = { model: 'mock-echo', messages: [{ role: 'user', content: '中国队什么时候进世界杯' }], max_tokens: 200 };

function endpoint(params: Record<string, string>): string {
  return `${gw.url}/openai/custom/?${new URLSearchParams(params)}`;
}

/** GET with everything in the query string, as onebound's curl example. */
async function obGet(params: Record<string, string>, args?: unknown): Promise<Response> {
  const all = { key: 'tester', secret: TEST_KEY, ...params, ...(args !== undefined ? { _o_args: JSON.stringify(args) } : {}) };
  return fetch(endpoint(all));
}

type Envelope = OneboundEnvelope;

async function envelope(res: Response): Promise<Envelope> {
  expect(res.status).toBe(200);
  return (await res.json()) as Envelope;
}

test('GET: chat in the envelope, json result_type is ASCII-escaped, request_id is the gateway request id', async () => {
  const res = await obGet({ method: 'v1/chat/completions', cache: 'no' }, ARGS);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toContain('application/json');
  const text = await res.text();
  expect(text).not.toContain('中国');
  expect(text).toContain('\\u4e2d\\u56fd');
  const env = JSON.parse(text) as Envelope;
  expect(env.error_code).toBe('0000');
  expect(env.error).toBe('');
  expect(env.reason).toBe('');
  expect(env.request_id).toBe(res.headers.get('x-request-id')!);
  expect(env.response.object).toBe('chat.completion');
  expect(env.response.choices[0].message.content).toBe('You said: 中国队什么时候进世界杯');
  const row = await gw.row(env.request_id);
  expect(row.keyName).toBe('tester');
  expect(row.route).toBe('/openai/custom');
  expect(row.costMicros).toBeGreaterThan(0);
});

test('POST form: _o_args and method in the body, key and secret in the query', async () => {
  const res = await fetch(endpoint({ key: 'tester', secret: TEST_KEY }), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ method: 'v1/completions', _o_args: JSON.stringify({ model: 'mock-echo', prompt: 'hello form' }), result_type: 'jsonu' }),
  });
  const env = await envelope(res);
  expect(env.error_code).toBe('0000');
  expect(env.response.choices[0].text).toBe('You said: hello form');
});

test('POST JSON: the whole body as _o_args, or a JSON envelope with _o_args', async () => {
  const whole = await fetch(endpoint({ key: 'tester', secret: TEST_KEY, method: 'v1/embeddings' }), {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'mock-embed', input: 'vector me' }),
  });
  const e1 = await envelope(whole);
  expect(e1.response.object).toBe('list');
  expect(e1.response.data[0].embedding.length).toBe(8);

  const wrapped = await fetch(`${gw.url}/openai/custom`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ key: 'tester', secret: TEST_KEY, method: 'v1/chat/completions', _o_args: JSON.stringify(ARGS), result_type: 'jsonu' }),
  });
  const text = await wrapped.text();
  expect(text).toContain('中国队');
  expect((JSON.parse(text) as Envelope).response.choices[0].message.content).toContain('世界杯');
});

test('GET v1/models lists the models of the key, in the envelope', async () => {
  const env = await envelope(await obGet({ method: 'v1/models' }));
  expect(env.error_code).toBe('0000');
  expect(env.response.object).toBe('list');
  expect(env.response.data.map((m: { id: string }) => m.id)).toContain('mock-echo');
});

test('result_type: jsonu is readable unicode, xml is XML, serialize/var_export fall back to json', async () => {
  const jsonu = await obGet({ method: 'v1/chat/completions', result_type: 'jsonu' }, ARGS);
  const ju = await jsonu.text();
  expect(ju).toContain('You said: 中国队什么时候进世界杯');

  const xml = await obGet({ method: 'v1/chat/completions', result_type: 'xml' }, ARGS);
  expect(xml.status).toBe(200);
  expect(xml.headers.get('content-type')).toContain('application/xml');
  const x = await xml.text();
  expect(x.startsWith('<?xml version="1.0" encoding="UTF-8"?>')).toBe(true);
  expect(x).toContain('<error_code>0000</error_code>');
  expect(x).toContain('<content>You said: 中国队什么时候进世界杯</content>');
  expect(x).toContain('<choices><item><index>0</index>');

  for (const rt of ['serialize', 'var_export']) {
    const res = await obGet({ method: 'v1/chat/completions', result_type: rt }, ARGS);
    expect((await envelope(res)).error_code).toBe('0000');
  }
});

test('parse errors are answered at once: 4014 missing param, 4003 bad param, 4010 unknown method', async () => {
  const noMethod = await envelope(await fetch(endpoint({ key: 'tester', secret: TEST_KEY })));
  expect(noMethod.error_code).toBe('4014');
  expect(noMethod.error).toBe('Missing url param');
  expect(noMethod.reason).toContain('method');

  const noSecret = await envelope(await fetch(endpoint({ key: 'tester', method: 'v1/models' })));
  expect(noSecret.error_code).toBe('4014');
  expect(noSecret.reason).toContain('secret');

  const badArgs = await envelope(await fetch(endpoint({ key: 'tester', secret: TEST_KEY, method: 'v1/chat/completions', _o_args: '{not json' })));
  expect(badArgs.error_code).toBe('4003');

  const unknown = await envelope(await obGet({ method: 'v1/edits' }, {}));
  expect(unknown.error_code).toBe('4010');

  // rendered in the requested result_type even when parsing failed
  const xml = await fetch(endpoint({ key: 'tester', secret: TEST_KEY, method: 'v9/nothing', result_type: 'xml' }));
  expect(await xml.text()).toContain('<error_code>4010</error_code>');
  // nothing reached the ledger as a model call
  expect(gw.rows.some((r) => r.status === 200 && r.keyName === null)).toBe(false);
});

test('our errors get the seed codes: auth 4005, key-name mismatch 4005, bad param 4003, budget 4016, rate limit 4008, upstream 4002, timeout 4017', async () => {
  const badSecret = await envelope(await obGet({ secret: 'sk-not-a-real-key-000' , method: 'v1/chat/completions' }, ARGS));
  expect(badSecret.error_code).toBe('4005');
  expect(badSecret.error).toBe('Invalid authentication credentials');

  const rowsBefore = gw.rows.length;
  const mismatch = await obGet({ key: 'tester', secret: OTHER_KEY, method: 'v1/chat/completions' }, ARGS);
  expect(mismatch.headers.get('x-switchyard-status')).toBe('401');
  const mm = await envelope(mismatch);
  expect(mm.error_code).toBe('4005');
  expect(mm.reason).toContain('key "tester"');
  expect(gw.rows.slice(rowsBefore).some((r) => r.status === 200)).toBe(false);
  // models listing and job reads check the key name too
  expect((await envelope(await obGet({ key: 'someone', method: 'v1/models' }))).error_code).toBe('4005');

  const badModel = await envelope(await obGet({ method: 'v1/chat/completions' }, { ...ARGS, model: 'no-such-model' }));
  expect(badModel.error_code).toBe('4003');
  expect(badModel.response.error.code).toBe('model_not_found');

  const badMessages = await envelope(await obGet({ method: 'v1/chat/completions' }, { model: 'mock-echo', messages: 'hi' }));
  expect(badMessages.error_code).toBe('4003');

  const broke = await envelope(await obGet({ key: 'poor', secret: POOR_KEY, method: 'v1/chat/completions' }, ARGS));
  expect(broke.error_code).toBe('4016');

  const first = await envelope(await obGet({ key: 'slow', secret: SLOW_KEY, method: 'v1/chat/completions' }, ARGS));
  expect(first.error_code).toBe('0000');
  const limited = await obGet({ key: 'slow', secret: SLOW_KEY, method: 'v1/chat/completions' }, ARGS);
  expect(limited.headers.get('x-switchyard-status')).toBe('429');
  expect(limited.headers.get('retry-after')).toBeTruthy();
  expect((await envelope(limited)).error_code).toBe('4008');

  const upstream = await envelope(await obGet({ method: 'v1/chat/completions' }, { model: 'mock-echo', messages: [{ role: 'user', content: 'mock:fail=500' }] }));
  expect(upstream.error_code).toBe('4002');

  const timeout = await envelope(await obGet({ method: 'v1/chat/completions' }, { model: 'mock-sleepy', messages: [{ role: 'user', content: 'hi' }] }));
  expect(timeout.error_code).toBe('4017');
});

test('upload methods: data: URLs in _o_args are sent on as multipart files', async () => {
  const png = 'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=';
  const res = await fetch(endpoint({ key: 'tester', secret: TEST_KEY }), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ method: 'v1/images/edits', _o_args: JSON.stringify({ model: 'mock-image', image: png, prompt: 'add a hat', n: 2 }) }),
  });
  const env = await envelope(res);
  expect(env.error_code).toBe('0000');
  expect(env.response.data.length).toBe(2);
  const audio = await envelope(await obGet({ method: 'v1/audio/transcriptions' }, { model: 'mock-image', file: 'data:audio/mpeg;base64,AAAAAAAA' }));
  expect(audio.error_code).toBe('0000');
  expect(audio.response.text).toBe('mock transcription of 6 bytes');
  const broken = await envelope(await obGet({ method: 'v1/images/edits' }, { model: 'mock-image', image: 'data:image/png;base64,@@@' }));
  expect(broken.error_code).toBe('4003');
});

test('stream: true in _o_args passes the SSE stream through untouched', async () => {
  const res = await obGet({ method: 'v1/chat/completions' }, { ...ARGS, stream: true });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toContain('text/event-stream');
  const data = await sseData(res);
  expect(data.at(-1)).toBe('[DONE]');
  const text = data.slice(0, -1).map((d) => JSON.parse(d).choices[0]?.delta?.content ?? '').join('');
  expect(text).toBe('You said: 中国队什么时候进世界杯');
});

test('cache=yes: the second identical call is a hit (header, ledger cost 0); cache=no bypasses; absent = config decides', async () => {
  const args = { model: 'mock-echo', messages: [{ role: 'user', content: `cache me ${Date.now()}` }] };
  const first = await obGet({ method: 'v1/chat/completions', cache: 'yes' }, args);
  expect(first.headers.get('x-switchyard-cache')).toBe('miss');
  const e1 = await envelope(first);
  const second = await obGet({ method: 'v1/chat/completions', cache: 'yes' }, args);
  expect(second.headers.get('x-switchyard-cache')).toBe('hit');
  const e2 = await envelope(second);
  expect(e2.response).toEqual(e1.response);
  expect(e2.request_id).not.toBe(e1.request_id);
  const hitRow = await gw.row(e2.request_id);
  expect(hitRow.costMicros).toBe(0);
  expect(hitRow.errorCode).toBe('cache_hit');
  expect((await gw.row(e1.request_id)).costMicros).toBeGreaterThan(0);

  const bypass = await obGet({ method: 'v1/chat/completions', cache: 'no' }, args);
  expect(bypass.headers.get('x-switchyard-cache')).toBeNull();
  expect((await gw.row((await envelope(bypass)).request_id)).costMicros).toBeGreaterThan(0);

  // no cache= and no cache config: not cached (default_cache: inherit)
  const absent = await obGet({ method: 'v1/chat/completions' }, args);
  expect(absent.headers.get('x-switchyard-cache')).toBeNull();
  await absent.arrayBuffer();
});

test('images/submit + images/get, across a gateway restart on the same database file', async () => {
  const submit = await envelope(await obGet({ method: 'images/submit' }, { model: 'mock-image', prompt: '向日葵', n: 2 }));
  expect(submit.error_code).toBe('0000');
  const imgid = submit.response.imgid as string;
  expect(imgid).toMatch(/^imgjob_[0-9a-f]{24}$/);
  expect(submit.response.status).toBe('queued');

  const done = await until(async () => {
    const env = await envelope(await obGet({ method: 'images/get' }, { imgid }));
    return env.response.status === 'succeeded' ? env : undefined;
  });
  expect(done.error_code).toBe('0000');
  expect(done.response.data.length).toBe(2);
  expect(done.response.data[0].url).toStartWith('data:image/png;base64,');
  expect((await gw.row(imgid)).costMicros).toBe(2 * 40_000); // per_request is per image on image operations

  // another key cannot read it; a missing imgid is 4014
  expect((await envelope(await obGet({ key: 'other', secret: OTHER_KEY, method: 'images/get' }, { imgid }))).error_code).toBe('4003');
  expect((await envelope(await obGet({ method: 'images/get' }, {}))).error_code).toBe('4014');

  // submitting under someone else's key name is refused before any job exists
  const jobsBefore = (await sqliteStore(gw.runtime.store!).client.execute('select count(*) as n from jobs')).rows[0].n;
  expect((await envelope(await obGet({ key: 'other', method: 'images/submit' }, { model: 'mock-image', prompt: 'x' }))).error_code).toBe('4005');
  expect((await sqliteStore(gw.runtime.store!).client.execute('select count(*) as n from jobs')).rows[0].n).toBe(jobsBefore);

  // a job some crashed process left "running" long ago
  await createJob(gw.runtime.store!.db, { id: 'imgjob_orphan', keyName: 'tester', kind: 'images.generations', status: 'running', request: { model: 'mock-image', prompt: 'x' }, createdAt: Date.now() - 3_600_000 });

  await gw.stop();
  gw = await startE2E(YAML, { dir });

  const after = await envelope(await obGet({ method: 'images/get', result_type: 'jsonu' }, { imgid }));
  expect(after.response.status).toBe('succeeded');
  expect(after.response.data.length).toBe(2);

  const orphan = await envelope(await obGet({ method: 'images/get' }, { imgid: 'imgjob_orphan' }));
  expect(orphan.error_code).toBe('4000');
  expect(orphan.response.status).toBe('failed');
  expect(orphan.response.error.code).toBe('job_interrupted');
  expect(orphan.reason).toContain('submit the job again');
});
