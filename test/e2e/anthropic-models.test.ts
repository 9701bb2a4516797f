// GET /v1/models for Anthropic clients: the real @anthropic-ai/sdk (it sends anthropic-version) lists and
// retrieves models in Anthropic's shape, paging with limit/after_id/before_id; a `protocol: anthropic`
// route answers in that shape without the header; OpenAI clients keep OpenAI's shape.

import { afterAll, beforeAll, expect, test } from 'bun:test';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { TEST_KEY, type TestGateway, config, startTestGateway } from '../helpers/gateway.ts';

let gw: TestGateway;
const LIMITED = 'sk-limited-key-0123456789';

beforeAll(async () => {
  gw = await startTestGateway(config(`
  - name: limited
    key: ${LIMITED}
    models: ["claude-*"]
providers:
  mock: { adapter: mock, models: [claude-a, claude-b, claude-c, gpt-x, vendor/model-y] }
routes:
  - path: /claude
    protocol: anthropic
`));
}, 30_000);
afterAll(async () => {
  await gw?.stop();
});

type Json = Record<string, unknown>;
const get = (path: string, key = TEST_KEY, headers: Record<string, string> = {}) => fetch(`${gw.url}${path}`, { headers: { 'x-api-key': key, ...headers } });

test('the Anthropic SDK lists every model the key may use, page by page, in Anthropic\'s shape', async () => {
  const client = new Anthropic({ apiKey: TEST_KEY, baseURL: gw.url, maxRetries: 0 });
  const ids: string[] = [];
  for await (const model of client.models.list({ limit: 2 })) {
    expect(model.type).toBe('model');
    expect(model.display_name).toBe(model.id);
    expect(new Date(model.created_at).toISOString()).toBe(model.created_at);
    ids.push(model.id);
  }
  expect(ids).toEqual(['claude-a', 'claude-b', 'claude-c', 'gpt-x', 'vendor/model-y']);
  expect((await client.models.retrieve('vendor/model-y')).id).toBe('vendor/model-y');

  const first = await client.models.list({ limit: 2 });
  expect(first.data.map((m) => m.id)).toEqual(['claude-a', 'claude-b']);
  expect(first.has_more).toBe(true);
  expect(first.first_id).toBe('claude-a');
  expect(first.last_id).toBe('claude-b');

  const limited = new Anthropic({ apiKey: LIMITED, baseURL: gw.url, maxRetries: 0 });
  expect((await limited.models.list()).data.map((m) => m.id)).toEqual(['claude-a', 'claude-b', 'claude-c']);
  expect((await limited.models.retrieve('claude-b')).id).toBe('claude-b');
  const hidden = await limited.models.retrieve('gpt-x').catch((e: unknown) => e);
  expect(hidden).toBeInstanceOf(Anthropic.NotFoundError);
  expect((hidden as InstanceType<typeof Anthropic.NotFoundError>).error).toMatchObject({ type: 'error', error: { type: 'not_found_error' } });
});

test('raw pages: after_id, before_id, has_more, first_id and last_id; bad parameters are 400 in Anthropic\'s shape', async () => {
  const v = { 'anthropic-version': '2023-06-01' };
  const after = (await (await get('/v1/models?limit=2&after_id=claude-b', TEST_KEY, v)).json()) as Json;
  expect(after).toMatchObject({ has_more: true, first_id: 'claude-c', last_id: 'gpt-x' });
  const before = (await (await get('/v1/models?limit=1&before_id=claude-c', TEST_KEY, v)).json()) as Json;
  expect(before).toMatchObject({ has_more: true, first_id: 'claude-b', last_id: 'claude-b' });
  const bad = await get('/v1/models?limit=0', TEST_KEY, v);
  expect(bad.status).toBe(400);
  expect(await bad.json()).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } });
  const noKey = await fetch(`${gw.url}/v1/models`, { headers: v });
  expect(noKey.status).toBe(401);
  expect(await noKey.json()).toMatchObject({ type: 'error', error: { type: 'authentication_error' } });
});

test('a `protocol: anthropic` route answers in Anthropic\'s shape without the header, with and without /v1', async () => {
  for (const path of ['/claude/v1/models', '/claude/models']) {
    const res = await get(path);
    expect(res.status).toBe(200);
    const body = (await res.json()) as Json & { data: Json[] };
    expect(body.data[0]).toMatchObject({ type: 'model', id: 'claude-a', display_name: 'claude-a' });
    expect(body).toMatchObject({ has_more: false, first_id: 'claude-a', last_id: 'vendor/model-y' });
    expect(body.object).toBeUndefined();
  }
  const one = (await (await get('/claude/v1/models/claude-c')).json()) as Json;
  expect(one).toMatchObject({ type: 'model', id: 'claude-c' });
  const client = new Anthropic({ apiKey: TEST_KEY, baseURL: `${gw.url}/claude`, maxRetries: 0 });
  expect((await client.models.list()).data).toHaveLength(5);
  expect(((await (await get('/claude/v1/models/vendor%2Fmodel-y')).json()) as Json).id).toBe('vendor/model-y');
});

test('OpenAI clients keep OpenAI\'s shape on the default surface', async () => {
  const client = new OpenAI({ apiKey: TEST_KEY, baseURL: `${gw.url}/v1`, maxRetries: 0 });
  const list = await client.models.list();
  expect(list.data.map((m) => [m.id, m.object])).toEqual([['claude-a', 'model'], ['claude-b', 'model'], ['claude-c', 'model'], ['gpt-x', 'model'], ['vendor/model-y', 'model']]);
  const raw = (await (await get('/v1/models')).json()) as Json;
  expect(raw.object).toBe('list');
});
