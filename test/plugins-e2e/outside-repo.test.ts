// Plugins live anywhere (issue 8 point 7): a plugin and a custom adapter in a directory outside the
// repository (like a /config mount in Docker) import 'switchyard/plugin' / 'switchyard/adapter', load,
// and hot-reload, helpers included; a failed load (syntax error, bad import, a new plugin that does not
// load) recovers when the file is fixed, without a restart.

import { afterAll, afterEach, expect, setDefaultTimeout, test } from 'bun:test';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import OpenAI from 'openai';
import { json, upstreamPool } from '../helpers/fake-upstream.ts';
import { tempDir } from '../helpers/gateway.ts';
import { type E2EGateway, FIXTURES, TEST_KEY, chatBody, postJson, startE2E, until } from './helpers.ts';

// Gateways start, files are watched and CLIs spawned here: generous on a shared, loaded machine.
setDefaultTimeout(20_000);

const pool = upstreamPool(afterAll);
const acme = pool((_req, body) => json({ output: `you said ${(JSON.parse(body) as { prompt: string }).prompt}`, tokens_in: 3, tokens_out: 4 }));

let gw: E2EGateway | undefined;
afterEach(async () => {
  await gw?.stop();
  gw = undefined;
});

const tagHelper = (tag: string) => `export const tag = (): string => '${tag}';\n`;

/** A config directory outside the repository, as a user (or a Docker /config mount) has it. */
function userDir(): string {
  const dir = tempDir('switchyard-outside-');
  mkdirSync(join(dir, 'plugins', 'lib'), { recursive: true });
  mkdirSync(join(dir, 'adapters'), { recursive: true });
  copyFileSync(join(FIXTURES, 'outside', 'tagger.ts'), join(dir, 'plugins', 'tagger.ts'));
  copyFileSync(join(FIXTURES, 'outside', 'acme.ts'), join(dir, 'adapters', 'acme.ts'));
  writeFileSync(join(dir, 'plugins', 'lib', 'tag.ts'), tagHelper('v1'));
  return dir;
}

const yaml = (extra = '') => `version: 1
keys:
  - name: tester
    key: ${TEST_KEY}
providers:
  acme:
    adapter: ./adapters/acme.ts
    base_url: ${acme.url}
    api_key: acme-key-123456
    models: { acme-large: acme-1 }
models:
  acme-large: { price: { input: 1, output: 1 } }
plugins:
  tagger: { module: ./plugins/tagger.ts }
${extra}
routes:
  - { path: /t, plugins: [tagger] }
`;

async function ask(prefix = '/t'): Promise<{ tag: string | null; content: string; status: number }> {
  const res = await postJson(`${gw!.url}${prefix}/v1/chat/completions`, chatBody('hi', 'acme-large'));
  const body = (await res.json()) as { choices?: Array<{ message: { content: string } }> };
  return { tag: res.headers.get('x-tag'), content: body.choices?.[0]?.message.content ?? '', status: res.status };
}

test('a plugin and an adapter outside the repository import switchyard/plugin and switchyard/adapter and serve', async () => {
  const dir = userDir();
  gw = await startE2E(yaml(), { dir });
  const client = new OpenAI({ apiKey: TEST_KEY, baseURL: `${gw.url}/t/v1` });
  const { data, response } = await client.chat.completions.create({ model: 'acme-large', messages: [{ role: 'user', content: 'hello' }] }).withResponse();
  expect(data.choices[0].message.content).toBe('acme-v1: you said hello');
  expect(response.headers.get('x-tag')).toBe('v1');
});

test('editing a helper file the plugin imports reloads it', async () => {
  const dir = userDir();
  gw = await startE2E(yaml(), { dir, watch: true });
  expect((await ask()).tag).toBe('v1');
  writeFileSync(join(dir, 'plugins', 'lib', 'tag.ts'), tagHelper('v2'));
  await until(async () => (await ask()).tag === 'v2', 6000);
});

test('editing the custom adapter outside the repository reloads it', async () => {
  const dir = userDir();
  gw = await startE2E(yaml(), { dir, watch: true });
  expect((await ask()).content).toStartWith('acme-v1:');
  const file = join(dir, 'adapters', 'acme.ts');
  writeFileSync(file, readFileSync(file, 'utf8').replace("'acme-v1'", "'acme-v2'"));
  await until(async () => (await ask()).content.startsWith('acme-v2:'), 6000);
});

test('a syntax error in a helper is rejected, the old code serves, and fixing the helper recovers without a restart', async () => {
  const dir = userDir();
  gw = await startE2E(yaml(), { dir, watch: true });
  const helper = join(dir, 'plugins', 'lib', 'tag.ts');
  writeFileSync(helper, 'export const tag = (): string => {{ broken');
  await until(async () => gw!.runtime.status.lastError !== undefined, 6000);
  expect(gw.runtime.status.lastError!.problems.join('\n')).toContain('tagger');
  expect((await ask()).tag).toBe('v1');
  writeFileSync(helper, tagHelper('fixed'));
  await until(async () => (await ask()).tag === 'fixed', 6000);
  expect(gw.runtime.status.lastError).toBeUndefined();
});

test('a bad import is rejected; fixing the import recovers without a restart', async () => {
  const dir = userDir();
  gw = await startE2E(yaml(), { dir, watch: true });
  const plugin = join(dir, 'plugins', 'tagger.ts');
  const good = readFileSync(plugin, 'utf8');
  writeFileSync(plugin, good.replace('./lib/tag.ts', './lib/missing.ts'));
  await until(async () => gw!.runtime.status.lastError !== undefined, 6000);
  expect(gw.runtime.status.lastError!.problems.join('\n')).toContain('missing.ts');
  expect(gw.runtime.status.lastError!.problems.join('\n')).not.toContain('switchyard-load');
  expect((await ask()).tag).toBe('v1');
  writeFileSync(join(dir, 'plugins', 'lib', 'tag.ts'), tagHelper('after-fix'));
  writeFileSync(plugin, good);
  await until(async () => (await ask()).tag === 'after-fix', 6000);
});

test('a newly added plugin that fails to load is watched: fixing its file (config untouched) loads it', async () => {
  const dir = userDir();
  gw = await startE2E(yaml(), { dir, watch: true });
  const extra = join(dir, 'plugins', 'extra.ts');
  writeFileSync(extra, "import { definePlugin } from 'switchyard/plugin';\nexport default definePlugin({ name: 'extra', onResponse(r) { return {{ r } } });\n");
  gw.write(yaml('  extra: { module: ./plugins/extra.ts }').replace('plugins: [tagger]', 'plugins: [tagger, extra]'));
  await until(async () => gw!.runtime.status.lastError !== undefined, 6000);
  expect((await ask()).status).toBe(200);
  writeFileSync(extra, "import { definePlugin } from 'switchyard/plugin';\nexport default definePlugin({ name: 'extra', onResponse(r) { return { ...r, headers: { ...r.headers, 'x-extra': 'on' } }; } });\n");
  await until(async () => {
    const res = await postJson(`${gw!.url}/t/v1/chat/completions`, chatBody('hi', 'acme-large'));
    await res.arrayBuffer();
    return res.headers.get('x-extra') === 'on';
  }, 6000);
});
