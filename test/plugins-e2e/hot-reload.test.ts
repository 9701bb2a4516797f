// Hot reload of plugin code: saving the plugin file (no config change) makes the next requests use
// the new code within 2 s, without a restart; a broken save keeps the old code serving.

import { afterEach, expect, test } from 'bun:test';
import { appendFileSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../helpers/gateway.ts';
import { type E2EGateway, REPO, TEST_KEY, chatBody, postJson, startE2E, until } from './helpers.ts';

let gw: E2EGateway | undefined;
afterEach(async () => {
  await gw?.stop();
  gw = undefined;
});

const contracts = join(REPO, 'src', 'contracts', 'index.ts');
const pluginSource = (tag: string) => `import { definePlugin } from '${contracts}';
export default definePlugin({
  name: 'tagger',
  onResponse(response) {
    return { ...response, headers: { ...response.headers, 'x-tag': '${tag}' } };
  },
});
`;

const yaml = (pluginPath: string) => `version: 1
keys:
  - name: tester
    key: ${TEST_KEY}
providers:
  mock:
    adapter: mock
    models: [mock-echo]
plugins:
  tagger: { module: ${pluginPath} }
routes:
  - { path: /t, plugins: [tagger] }
`;

async function tag(): Promise<string | null> {
  const res = await postJson(`${gw!.url}/t/v1/chat/completions`, chatBody('hi', 'mock-echo'));
  await res.arrayBuffer();
  return res.headers.get('x-tag');
}

test('editing the plugin file changes behaviour on the next requests within 2 s', async () => {
  const dir = tempDir('switchyard-hot-plugin-');
  const file = join(dir, 'tagger.ts');
  writeFileSync(file, pluginSource('v1'));
  gw = await startE2E(yaml(file), { watch: true, dir });
  expect(await tag()).toBe('v1');

  writeFileSync(file, pluginSource('v2'));
  const t0 = Date.now();
  await until(async () => (await tag()) === 'v2', 2000);
  expect(Date.now() - t0).toBeLessThan(2000);

  // an editor's rename-replace save works too
  writeFileSync(join(dir, '.tagger.ts.tmp'), pluginSource('v3'));
  renameSync(join(dir, '.tagger.ts.tmp'), file);
  await until(async () => (await tag()) === 'v3', 2000);
});

test('a broken plugin save is rejected and the old code keeps serving', async () => {
  const dir = tempDir('switchyard-hot-plugin-');
  const file = join(dir, 'tagger.ts');
  writeFileSync(file, pluginSource('good'));
  gw = await startE2E(yaml(file), { watch: true, dir });
  expect(await tag()).toBe('good');
  const reloadsBefore = gw.runtime.status.reloads;

  writeFileSync(file, 'export default {{ this is not typescript');
  await until(async () => gw!.runtime.status.lastError !== undefined, 2000);
  expect(gw.runtime.status.reloads).toBe(reloadsBefore);
  expect(await tag()).toBe('good');

  writeFileSync(file, pluginSource('fixed'));
  await until(async () => (await tag()) === 'fixed', 2000);
});

test('every save is picked up when in-place writes and rename-replace saves alternate (sed -i, vim)', async () => {
  const dir = tempDir('switchyard-hot-plugin-');
  mkdirSync(join(dir, 'plugins')); // not the config's directory (that one is watched as a whole)
  const file = join(dir, 'plugins', 'tagger.ts');
  writeFileSync(file, pluginSource('v1'));
  gw = await startE2E(yaml(file), { watch: true, dir });
  expect(await tag()).toBe('v1');
  for (let i = 2; i <= 5; i++) {
    appendFileSync(file, '// x\n'); // an in-place write (same inode)...
    await Bun.sleep(2); // (the watcher sees that write before the rename, as with a shell's `echo >>; sed -i`)
    const tmp = join(dir, 'plugins', `.sed${i}`); // ...then a rename-replace save (a new inode), as sed -i does
    writeFileSync(tmp, readFileSync(file, 'utf8').replace(/'v\d+'/, `'v${i}'`));
    renameSync(tmp, file);
    await until(async () => (await tag()) === `v${i}`, 2000);
  }
});
