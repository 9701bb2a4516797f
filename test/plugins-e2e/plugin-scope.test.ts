// Hooks never silently skipped (issue 8 point 7): a plugin listed where none of its hooks can run is
// rejected at load with a message saying where to list it; a model change made in onCanonicalRequest
// is served, limited and billed as the new model (which must exist and be allowed for the key).

import { afterAll, beforeAll, expect, test, setDefaultTimeout } from 'bun:test';
import { join } from 'node:path';
import { ConfigInvalidError } from '../../src/gateway.ts';
import { startTestGateway } from '../helpers/gateway.ts';
import { type E2EGateway, FIXTURES, TEST_KEY, auth, chatBody, postJson, startE2E } from './helpers.ts';

// Gateways start, files are watched and CLIs spawned here: generous on a shared, loaded machine.
setDefaultTimeout(20_000);

const base = `version: 1
keys:
  - name: tester
    key: ${TEST_KEY}
providers:
  mock:
    adapter: mock
    models: [mock-echo, mock-big]
models:
  mock-echo: { price: { input: 1, output: 1 } }
  mock-big: { price: { input: 1000, output: 1000 } }
`;

async function rejection(yaml: string): Promise<string> {
  try {
    const gw = await startTestGateway(yaml);
    await gw.stop();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigInvalidError);
    return (err as ConfigInvalidError).problems.join('\n');
  }
  throw new Error('the config was accepted');
}

test('a provider-only plugin (onUpstreamRequest) in global_plugins is rejected with where to list it', async () => {
  const problems = await rejection(`${base}plugins:\n  up: { module: ${join(FIXTURES, 'upstream-hooks.ts')} }\nglobal_plugins: [up]\n`);
  expect(problems).toContain('plugin "up" would never run in global_plugins');
  expect(problems).toContain('onUpstreamRequest');
  expect(problems).toContain('providers.<name>.plugins');
  expect(problems).toMatch(/gateway\.yaml:\d+:\d+/);
});

test('a provider-only plugin on a route is rejected too', async () => {
  const problems = await rejection(`${base}plugins:\n  up: { module: ${join(FIXTURES, 'upstream-hooks.ts')} }\nroutes:\n  - { path: /r, plugins: [up] }\n`);
  expect(problems).toContain('plugin "up" would never run in routes[0].plugins (/r)');
});

test('a route-only plugin (onCanonicalRequest) in providers.X.plugins is rejected with where to list it', async () => {
  const yaml = base.replace('    models: [mock-echo, mock-big]', '    models: [mock-echo, mock-big]\n    plugins: [canon]');
  const problems = await rejection(`${yaml}plugins:\n  canon: { module: ${join(FIXTURES, 'canonical.ts')} }\n`);
  expect(problems).toContain('plugin "canon" would never run in providers.mock.plugins');
  expect(problems).toContain('global_plugins or routes[].plugins');
});

describe_model_switch();

function describe_model_switch() {
  let gw: E2EGateway;
  beforeAll(async () => {
    const sw = join(FIXTURES, 'switch-model.ts');
    gw = await startE2E(`${base.replace(`  - name: tester\n    key: ${TEST_KEY}`, `  - name: tester\n    key: ${TEST_KEY}\n  - name: small-only\n    key: sk-small-only-0123456789\n    models: [mock-echo, alias]`)}
plugins:
  to-big: { module: ${sw}, options: { from: mock-echo, to: mock-big } }
  to-nowhere: { module: ${sw}, options: { from: mock-echo, to: no-such-model } }
  flip: { module: ${sw}, options: { from: x, to: x, stream: true } }
routes:
  - { path: /flip, plugins: [flip] }
  - { path: /big, plugins: [to-big] }
  - { path: /nowhere, plugins: [to-nowhere] }
`);
  });
  afterAll(async () => {
    await gw?.stop();
  });

  test('a model change in onCanonicalRequest is served and billed as the new model', async () => {
    const res = await postJson(`${gw.url}/big/v1/chat/completions`, chatBody('hello', 'mock-echo'));
    expect(res.status).toBe(200);
    const id = res.headers.get('x-request-id')!;
    const body = (await res.json()) as { model: string };
    expect(body.model).toBe('mock-big');
    const row = await gw.row(id);
    expect(row.model).toBe('mock-big');
    const same = await postJson(`${gw.url}/v1/chat/completions`, chatBody('hello', 'mock-echo'));
    const plain = await gw.row(same.headers.get('x-request-id')!);
    await same.arrayBuffer();
    expect(row.costMicros).toBeGreaterThan(plain.costMicros * 100);
  });

  test('switching to a model the key may not use is refused (403 model_not_allowed)', async () => {
    const res = await postJson(`${gw.url}/big/v1/chat/completions`, chatBody('hello', 'mock-echo'), auth('sk-small-only-0123456789'));
    expect(res.status).toBe(403);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('model_not_allowed');
  });

  test('switching to a model the gateway does not serve is a plugin_error naming the plugin', async () => {
    const res = await postJson(`${gw.url}/nowhere/v1/chat/completions`, chatBody('hello', 'mock-echo'));
    expect(res.status).toBe(500);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('plugin_error');
    expect(body.error.message).toContain('"to-nowhere"');
    expect(body.error.message).toContain('no-such-model');
  });

  test('flipping the client\'s stream flag is refused, not ignored', async () => {
    const res = await postJson(`${gw.url}/flip/v1/chat/completions`, chatBody('hello', 'mock-echo'));
    expect(res.status).toBe(500);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('plugin_error');
    expect(body.error.message).toContain('"flip"');
    expect(body.error.message).toContain('stream');
  });
}
