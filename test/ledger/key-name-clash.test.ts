// A gateway.yaml key may not take the name of a runtime key (issued through the admin API): the two would
// share spend and usage by name, and the admin API could no longer revoke the runtime one. Such a reload is
// rejected (the running config keeps serving) and such a start fails, naming the line.

import { afterAll, beforeAll, expect, test } from 'bun:test';
import { ConfigInvalidError, startGateway } from '../../src/gateway.ts';
import { createLogger } from '../../src/log.ts';
import { ADMIN, KEY, admin, chat, harness, type Harness } from './harness.ts';

const yaml = (extraKey = '') => `version: 1
server:
  admin_token: ${ADMIN}
providers:
  mock: { adapter: mock, models: [m] }
models:
  m: { price: { input: 1, output: 2 } }
keys:
  - { name: alice, key: ${KEY}, budget: 5 }
${extraKey}`;

let h: Harness;
beforeAll(async () => {
  h = await harness(yaml());
});
afterAll(() => h.cleanup());

test('a reload adding a config key named like a runtime key is rejected; the runtime key stays reachable', async () => {
  const created = (await (await admin(h.url, 'POST', '/admin/keys', { name: 'dave', budget: 2 })).json()) as { key: string };
  expect((await chat(h.url, { model: 'm' }, created.key)).status).toBe(200);

  h.write(yaml('  - { name: dave, key: sk-config-dave-0123456789abcdef, budget: 100 }\n'));
  expect(await h.gw.reload('test')).toBe(false);
  const problem = h.gw.runtime.status.lastError?.problems.join('\n') ?? '';
  expect(problem).toMatch(/gateway\.yaml:10:\d+: keys\[1\]\.name "dave" is already the name of a runtime key/);
  expect(problem).not.toContain('sk-config-dave');
  // The config key does not exist; the runtime key is still the admin API's to change.
  expect((await chat(h.url, { model: 'm' }, 'sk-config-dave-0123456789abcdef')).status).toBe(401);
  expect((await admin(h.url, 'DELETE', '/admin/keys/dave')).status).toBe(200);

  // Revoked names are not reused either.
  expect(await h.gw.reload('test again')).toBe(false);
  expect(h.gw.runtime.status.lastError?.problems.join('\n')).toContain('revoked runtime key');
});

test('a start with such a config fails and names the line', async () => {
  await h.stop();
  const started = startGateway({ configPath: h.configPath, port: 0, watch: false, logger: createLogger('silent') });
  const err = await started.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(ConfigInvalidError);
  expect((err as ConfigInvalidError).problems[0]).toMatch(/gateway\.yaml:10:\d+: keys\[1\]\.name "dave"/);
  h.write(yaml());
  await h.restart();
  expect((await chat(h.url, { model: 'm' }, KEY)).status).toBe(200);
});
