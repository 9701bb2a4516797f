// DeepL through the gateway with the `openai` SDK against the strict DeepL fake: the model name picks
// the target language and the last user message is translated (One API's behaviour); streams are
// emulated; usage is in characters, priced per 1M characters (from the price catalog's deepl-* entry
// or gateway.yaml) or per request; DeepL's errors are mapped and its key never leaks.

import { expectNoRejections } from '../conformance/fakes/strict-server.ts';
import { afterAll, afterEach, beforeAll, expect, test } from 'bun:test';
import OpenAI from 'openai';
import deepl from '../../adapters/deepl/index.ts';
import { TEST_KEY, type TestGateway, config, startTestGateway } from '../helpers/gateway.ts';
import { startDeepLFake } from '../conformance/fakes/deepl.ts';
import type { StrictFake } from '../conformance/fakes/strict-server.ts';

const KEY = 'deepl-UPSTREAM-secret-0123456789';
let fake: StrictFake;
let gw: TestGateway;
let client: OpenAI;

beforeAll(async () => {
  fake = startDeepLFake({ apiKey: KEY, clientKey: TEST_KEY });
  gw = await startTestGateway(config(`
providers:
  dl:
    adapter: deepl
    base_url: ${fake.url}
    api_key: ${KEY}
    models: { deepl-zh: deepl-zh, deepl-en-us: deepl-en-us, deepl-chinese: deepl-chinese, translate-de: deepl-de }
  dl-wrong:
    adapter: deepl
    base_url: ${fake.url}
    api_key: deepl-WRONG-0123456789
    models: { deepl-ja: deepl-ja }
models:
  translate-de: { price: { per_request: 0.001, per_million_characters: 20 } }
routing:
  retry: { attempts: 0 }
`));
  client = new OpenAI({ apiKey: TEST_KEY, baseURL: `${gw.url}/v1`, maxRetries: 0 });
});
afterAll(async () => {
  await gw.stop();
  fake.stop();
});
afterEach(() => expectNoRejections(fake));

const fail = (p: Promise<unknown>) => p.then(() => { throw new Error('expected an error'); }, (e: unknown) => e as InstanceType<typeof OpenAI.APIError>);
const messages = [{ role: 'system' as const, content: 'ignored' }, { role: 'user' as const, content: 'earlier' }, { role: 'assistant' as const, content: 'x' }, { role: 'user' as const, content: 'Good morning, 世界!' }];

test('the model picks the language; the last user message is translated; cost per character from the catalog', async () => {
  const { data, response } = await client.chat.completions.create({ model: 'deepl-zh', messages }).withResponse();
  expect(data.choices[0].message.content).toBe('[ZH] Good morning, 世界!');
  expect(fake.requests[0].body).toEqual({ text: ['Good morning, 世界!'], target_lang: 'ZH', show_billed_characters: true });
  expect(data.usage).toEqual({ prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 });
  // 17 characters × $25 per 1M characters (price catalog, deepl-*) = 425 micro-dollars.
  expect(response.headers.get('x-switchyard-cost-usd')).toBe('0.000425');
  const us = await client.chat.completions.create({ model: 'deepl-en-us', messages: [{ role: 'user', content: [{ type: 'text', text: 'Bonjour' }] }] });
  expect(us.choices[0].message.content).toBe('[EN-US] Bonjour');
});

test('per-request and per-character prices from gateway.yaml win over the catalog', async () => {
  const { response } = await client.chat.completions.create({ model: 'translate-de', messages: [{ role: 'user', content: 'Hello' }] }).withResponse();
  expect(fake.requests[0].body).toMatchObject({ target_lang: 'DE' });
  // 5 characters × $20 per 1M + $0.001 per request = 100 + 1000 micro-dollars.
  expect(response.headers.get('x-switchyard-cost-usd')).toBe('0.001100');
});

test('a stream is emulated from the translation, with the same usage', async () => {
  const stream = await client.chat.completions.create({ model: 'deepl-zh', messages, stream: true, stream_options: { include_usage: true } });
  let content = '';
  let usage;
  for await (const chunk of stream) {
    content += chunk.choices[0]?.delta.content ?? '';
    if (chunk.usage) usage = chunk.usage;
  }
  expect(content).toBe('[ZH] Good morning, 世界!');
  expect(usage).toEqual({ prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 });
});

test('errors: no language in the model name, a rejected key, the character quota used up', async () => {
  const lang = await fail(client.chat.completions.create({ model: 'deepl-chinese', messages }));
  expect([lang.status, (lang.error as { code: string }).code]).toEqual([400, 'invalid_value']);
  expect(fake.requests).toHaveLength(0);
  const auth = await fail(client.chat.completions.create({ model: 'deepl-ja', messages }));
  expect([auth.status, (auth.error as { code: string }).code]).toEqual([502, 'upstream_auth_failed']);
  expect(fake.rejections.splice(0)).toHaveLength(1); // intended
  fake.script({ status: 456, json: { message: 'Quota Exceeded' } });
  const quota = await fail(client.chat.completions.create({ model: 'deepl-zh', messages }));
  expect([quota.status, (quota.error as { code: string }).code]).toEqual([502, 'upstream_error']);
  expect((quota.error as { message: string }).message).toContain('character quota');
  for (const e of [lang, auth, quota]) expect(JSON.stringify(e.error)).not.toMatch(/secret|WRONG/);
});

test('free-plan keys (":fx") go to api-free.deepl.com, others to api.deepl.com', () => {
  const view = (apiKey: string) => ({ name: 'dl', baseUrl: '', apiKey, headers: {}, options: {} });
  const req = (apiKey: string) => deepl.buildRequest({ operation: 'chat', body: { messages: [{ role: 'user', content: 'hi' }] }, path: '/chat/completions', search: '', method: 'POST', stream: false, upstreamModel: 'deepl-de' }, view(apiKey));
  expect(req('abc:fx').url).toBe('https://api-free.deepl.com/v2/translate');
  expect(req('abc').url).toBe('https://api.deepl.com/v2/translate');
  expect(req('abc').headers.authorization).toBe('DeepL-Auth-Key abc');
});

test('a budget reserves per-character prices too: a key that cannot afford the text is refused up front', async () => {
  const poor = await startTestGateway(`version: 1
providers:
  dl: { adapter: deepl, base_url: ${fake.url}, api_key: ${KEY}, models: [deepl-zh] }
keys:
  - { name: poor, key: sk-poor-key-0123456789, budget: 0.0002 }
`);
  try {
    const res = await fetch(`${poor.url}/v1/chat/completions`, {
      method: 'POST', headers: { authorization: 'Bearer sk-poor-key-0123456789', 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'deepl-zh', messages: [{ role: 'user', content: 'A sentence long enough to cost more than the budget allows.' }] }),
    });
    expect(res.status).toBe(429);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('insufficient_quota');
    expect(fake.requests).toHaveLength(0);
  } finally {
    await poor.stop();
  }
});
