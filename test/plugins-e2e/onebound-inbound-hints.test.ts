// onebound-inbound details from seed 001, against a running gateway: error hints name onebound methods
// (`method=v1/models`), not the route's OpenAI paths, which an onebound client cannot call; every envelope
// carries `last_id` (as the seed's success and error examples do); and the `default_image_model` option lets
// the seed's own MJ example (`method=images/submit&_o_args={"prompt":"向日葵"}`, no model) work.

import { afterAll, beforeAll, expect, test } from 'bun:test';
import { type E2EGateway, REPO, TEST_KEY, startE2E, until } from './helpers.ts';
import type { OneboundEnvelope } from '../helpers/onebound-envelope.ts';

let gw: E2EGateway;
beforeAll(async () => {
  gw = await startE2E(`version: 1
keys:
  - { name: tester, key: ${TEST_KEY} }
plugins:
  onebound-mj:
    module: ${REPO}/plugins/onebound-inbound/index.ts
    options: { default_image_model: mock-image }
providers:
  mock:
    adapter: mock
    models: [mock-echo, mock-image]
models:
  mock-image: { price: { per_request: 0.04 } }
routing:
  retry: { attempts: 0 }
routes:
  - path: /openai/custom
    plugins: [onebound-inbound]
  - path: /mj/openai/custom
    plugins: [onebound-mj]
`);
});
afterAll(async () => {
  await gw?.stop();
});

type Envelope = OneboundEnvelope;

async function obGet(route: string, params: Record<string, string>, args?: unknown): Promise<Envelope> {
  const q = new URLSearchParams({ key: 'tester', secret: TEST_KEY, ...params, ...(args !== undefined ? { _o_args: JSON.stringify(args) } : {}) });
  const res = await fetch(`${gw.url}${route}/?${q}`);
  expect(res.status).toBe(200);
  return (await res.json()) as Envelope;
}

test('an unknown model: the hint names method=v1/models, in reason and in the OpenAI error object', async () => {
  const env = await obGet('/openai/custom', { method: 'v1/chat/completions' }, { model: 'nope', messages: [{ role: 'user', content: 'hi' }] });
  expect(env.error_code).toBe('4003');
  expect(env.reason).toContain('method=v1/models lists the models your key may use');
  expect(env.reason).not.toContain('/openai/custom/v1/');
  expect(env.response.error.message).toBe(env.reason);
  // and that method does list them
  const models = await obGet('/openai/custom', { method: 'v1/models' });
  expect(models.error_code).toBe('0000');
  expect(models.response.data.map((m: { id: string }) => m.id)).toContain('mock-image');
});

test('images/submit without a model and no default: the hint names method=v1/images/generations and method=v1/models', async () => {
  const env = await obGet('/openai/custom', { method: 'images/submit' }, { prompt: '向日葵' });
  expect(env.error_code).toBe('4003');
  expect(env.reason).toContain('method=v1/images/generations');
  expect(env.reason).toContain('method=v1/models');
  expect(env.reason).not.toMatch(/(GET|POST) \//);
});

test('last_id: every envelope carries the gateway\'s id for the call (success, gateway error, parse error)', async () => {
  const ok = await obGet('/openai/custom', { method: 'v1/chat/completions', cache: 'no' }, { model: 'mock-echo', messages: [{ role: 'user', content: 'hi' }] });
  expect(ok.error_code).toBe('0000');
  expect(ok.last_id).toBe(ok.request_id);
  expect(Object.keys(ok)).toEqual(['response', 'error', 'reason', 'error_code', 'request_id', 'last_id']);
  const denied = await obGet('/openai/custom', { secret: 'sk-not-a-real-key-000', method: 'v1/models' });
  expect(denied.error_code).toBe('4005');
  expect(denied.last_id).toBe(denied.request_id);
  const parse = await obGet('/openai/custom', { method: 'v1/edits' });
  expect(parse.error_code).toBe('4010');
  expect(parse.last_id).toBe(parse.request_id);
  expect((await gw.row(ok.request_id)).status).toBe(200); // the id names the call's ledger row
});

test('default_image_model: the seed\'s MJ example (images/submit with only a prompt) runs on the configured model', async () => {
  const submit = await obGet('/mj/openai/custom', { method: 'images/submit' }, { prompt: '向日葵' });
  expect(submit.error_code).toBe('0000');
  expect(submit.last_id).toBe(submit.request_id);
  const imgid = submit.response.imgid as string;
  expect(submit.response.model).toBe('mock-image');
  const done = await until(async () => {
    const env = await obGet('/mj/openai/custom', { method: 'images/get' }, { imgid });
    return env.response.status === 'succeeded' ? env : undefined;
  });
  expect(done.response.data.length).toBe(1);
  // v1/images/generations too; a model the client names still wins
  const gen = await obGet('/mj/openai/custom', { method: 'v1/images/generations', cache: 'no' }, { prompt: '向日葵' });
  expect(gen.error_code).toBe('0000');
  expect(gen.response.data.length).toBe(1);
  const named = await obGet('/mj/openai/custom', { method: 'v1/images/generations', cache: 'no' }, { model: 'nope', prompt: 'x' });
  expect(named.error_code).toBe('4003');
});
