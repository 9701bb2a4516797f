// Restricting and pinning providers: groups.<name>.providers limits which providers a group's keys
// reach (One API's channel groups); keys[].can_pin lets a key pin one request to one provider with
// the x-switchyard-provider header (testing a channel), with failover kept on that provider.

import { afterAll, beforeAll, expect, test } from 'bun:test';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { compileGateway } from '../../src/compile/compile.ts';
import { compileProblem, loadConfigFile } from '../../src/config/load.ts';
import { chatCompletion, json, upstreamPool } from '../helpers/fake-upstream.ts';
import { type TestGateway, startTestGateway, tempDir } from '../helpers/gateway.ts';

const pool = upstreamPool(afterAll);
const ups = { a: pool(() => json(chatCompletion('from a'))), b: pool(() => json(chatCompletion('from b'))), c: pool(() => json(chatCompletion('from c'))) };
const KEYS = { plain: 'sk-plain-key-0123456789', pinner: 'sk-pinner-key-0123456789', restricted: 'sk-restricted-0123456789', rpinner: 'sk-rpinner-key-0123456789' };
let gw: TestGateway;

beforeAll(async () => {
  gw = await startTestGateway(`version: 1
providers:
  a: { adapter: openai, base_url: ${ups.a.url}/v1, api_key: sk-a-upstream-0123456789, models: [m] }
  b: { adapter: openai, base_url: ${ups.b.url}/v1, api_key: sk-b-upstream-0123456789, models: [m] }
  c: { adapter: openai, base_url: ${ups.c.url}/v1, api_key: sk-c-upstream-0123456789, models: [only-c] }
groups:
  partners: { providers: [b] }
keys:
  - { name: plain, key: ${KEYS.plain} }
  - { name: pinner, key: ${KEYS.pinner}, can_pin: true }
  - { name: restricted, key: ${KEYS.restricted}, group: partners }
  - { name: rpinner, key: ${KEYS.rpinner}, group: partners, can_pin: true }
routing:
  retry: { attempts: 2 }
`);
});
afterAll(async () => {
  await gw.stop();
});

async function ask(key: string, model: string, pin?: string) {
  const headers: Record<string, string> = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
  if (pin !== undefined) headers['x-switchyard-provider'] = pin;
  const res = await fetch(`${gw.url}/v1/chat/completions`, { method: 'POST', headers, body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }] }) });
  const body = (await res.json()) as { error?: { code: string; message: string } };
  return { status: res.status, provider: res.headers.get('x-switchyard-provider'), code: body.error?.code, message: body.error?.message ?? '' };
}

const counts = () => Object.fromEntries(Object.entries(ups).map(([k, u]) => [k, u.received.length]));

test('a restricted group reaches only its providers', async () => {
  const before = counts();
  for (let i = 0; i < 8; i++) expect(await ask(KEYS.restricted, 'm')).toMatchObject({ status: 200, provider: 'b' });
  expect(counts().a).toBe(before.a);
  const denied = await ask(KEYS.restricted, 'only-c');
  expect(denied).toMatchObject({ status: 403, code: 'provider_not_allowed' });
  expect(denied.message).toContain('groups.partners.providers');
  // Unrestricted keys still spread over both providers.
  const seen = new Set<string | null>();
  for (let i = 0; i < 20; i++) seen.add((await ask(KEYS.plain, 'm')).provider);
  expect([...seen].sort()).toEqual(['a', 'b']);
});

test('GET /v1/models lists only the models a restricted group can reach', async () => {
  const list = async (key: string) => ((await (await fetch(`${gw.url}/v1/models`, { headers: { authorization: `Bearer ${key}` } })).json()) as { data: Array<{ id: string }> }).data.map((m) => m.id);
  expect(await list(KEYS.plain)).toEqual(['m', 'only-c']);
  expect(await list(KEYS.restricted)).toEqual(['m']);
  expect((await fetch(`${gw.url}/v1/models/only-c`, { headers: { authorization: `Bearer ${KEYS.restricted}` } })).status).toBe(404);
});

test('a key with can_pin pins a request to one provider; others may not', async () => {
  for (let i = 0; i < 5; i++) expect(await ask(KEYS.pinner, 'm', 'a')).toMatchObject({ status: 200, provider: 'a' });
  expect(await ask(KEYS.pinner, 'm', 'b')).toMatchObject({ status: 200, provider: 'b' });
  expect(await ask(KEYS.plain, 'm', 'a')).toMatchObject({ status: 403, code: 'pin_not_allowed' });
  expect(await ask(KEYS.pinner, 'm', 'zzz')).toMatchObject({ status: 400, code: 'provider_not_serving' });
  expect(await ask(KEYS.pinner, 'm', 'c')).toMatchObject({ status: 400, code: 'provider_not_serving' });
  expect(await ask(KEYS.rpinner, 'm', 'a')).toMatchObject({ status: 403, code: 'provider_not_allowed' });
  expect(await ask(KEYS.rpinner, 'm', 'b')).toMatchObject({ status: 200, provider: 'b' });
});

test('a pinned request does not fail over to another provider', async () => {
  ups.a.set(() => json({ error: { message: 'boom', type: 'server_error' } }, 500));
  const before = counts();
  const r = await ask(KEYS.pinner, 'm', 'a');
  expect(r.status).toBe(502);
  expect(counts().b).toBe(before.b);
  expect(counts().a - before.a).toBe(3); // the only target left, retried (retry.attempts: 2 by default); b is never tried
  ups.a.set(() => json(chatCompletion('from a')));
});

test('validate: a group naming an unknown provider is a config error', async () => {
  const dir = tempDir();
  const file = join(dir, 'gateway.yaml');
  writeFileSync(file, 'version: 1\nproviders:\n  a: { adapter: mock, models: [m] }\ngroups:\n  g: { providers: [a, ghost] }\n');
  const result = await loadConfigFile(file);
  if (!result.ok) throw new Error('the file itself is valid');
  const problem = await compileGateway(result).then(() => 'compiled', (err: unknown) => compileProblem(result, err));
  expect(problem).toBe(`${file}:5:23: group g lists unknown provider "ghost"; declared providers: a`);
});
