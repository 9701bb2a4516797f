// `validate` runs no code it need not run (issue 8 point 26): user plugins and adapters are parsed and
// their imports resolved, never imported (a plugin's top-level side effect does not happen); their
// syntax errors and missing imports are still reported at the config line. `--load-code` imports them
// to check options and hooks too, and says so. A plugin *name* never resolves outside plugins/.

import { expect, test, setDefaultTimeout } from 'bun:test';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../helpers/gateway.ts';
import { REPO } from './helpers.ts';

const CLI = join(REPO, 'src', 'cli.ts');

function validate(file: string, ...flags: string[]) {
  const proc = Bun.spawnSync([process.execPath, CLI, 'validate', file, ...flags], { env: { ...process.env, SWITCHYARD_LOG: 'silent' }, stdout: 'pipe', stderr: 'pipe' });
  return { code: proc.exitCode, out: proc.stdout.toString() + proc.stderr.toString() };
}

/** A config dir with a plugin (that leaves a marker file when its code runs) and a custom adapter. */
function setup(pluginBody = '', adapterExtra = '') {
  const dir = tempDir('switchyard-validate-');
  mkdirSync(join(dir, 'plugins'));
  const marker = join(dir, 'ran.txt');
  writeFileSync(join(dir, 'plugins', 'side.ts'), `import { writeFileSync } from 'node:fs';
import { definePlugin } from 'switchyard/plugin';
writeFileSync(${JSON.stringify(marker)}, 'the plugin ran');
export default definePlugin({
  name: 'side',
  optionsSchema: { type: 'object', properties: { level: { type: 'integer' } }, additionalProperties: false },
  onResponse(response) { return response; },
});
${pluginBody}`);
  writeFileSync(join(dir, 'adapter.ts'), `import { writeFileSync } from 'node:fs';
import { defineAdapter } from 'switchyard/adapter';

// Gateways start, files are watched and CLIs spawned here: generous on a shared, loaded machine.
setDefaultTimeout(20_000);
writeFileSync(${JSON.stringify(marker)}, 'the adapter ran');
${adapterExtra}
export default defineAdapter({ id: 'x', supports: () => true, buildRequest: () => ({ url: 'http://127.0.0.1:9', method: 'POST', headers: {} }), decodeResponse: () => ({ body: {} }), decodeError: () => { throw new Error('x'); } });
`);
  const file = join(dir, 'gateway.yaml');
  const write = (options = '{ level: 1 }') => writeFileSync(file, `version: 1
providers:
  m: { adapter: mock, models: [a] }
  custom: { adapter: ./adapter.ts, base_url: 'http://127.0.0.1:9', models: [b] }
plugins:
  side:
    module: ./plugins/side.ts
    options: ${options}
routes:
  - { path: /r, plugins: [side] }
`);
  write();
  return { dir, file, marker, write };
}

test('validate parses user plugins and adapters but runs none of their code', () => {
  const { file, marker } = setup();
  const r = validate(file);
  expect(r.out).toContain(': ok');
  expect(r.code).toBe(0);
  expect(existsSync(marker)).toBe(false);
  expect(r.out).toContain('--load-code');
});

test('validate reports a syntax error or a missing import in user code at its config line, without running it', () => {
  const broken = setup('export const oops = {;');
  let r = validate(broken.file);
  expect(r.code).toBe(1);
  expect(r.out).toMatch(/gateway\.yaml:7:\d+: plugin "side"/);
  expect(r.out).toContain('side.ts:');
  expect(existsSync(broken.marker)).toBe(false);

  const missing = setup('', "import { nope } from './missing-helper.ts';\nvoid nope;");
  r = validate(missing.file);
  expect(r.code).toBe(1);
  expect(r.out).toMatch(/gateway\.yaml:4:\d+: provider custom/);
  expect(r.out).toContain('missing-helper.ts');
  expect(existsSync(missing.marker)).toBe(false);
});

test('--load-code imports the user code (and says so) to check plugin options', () => {
  const { file, marker, write } = setup();
  write('{ level: "high" }');
  expect(validate(file).code).toBe(0); // options are the plugin's code's business: not checked statically
  const r = validate(file, '--load-code');
  expect(r.code).toBe(1);
  expect(r.out).toContain('plugin "side" options are invalid');
  expect(existsSync(marker)).toBe(true);
});

test('a plugin name never resolves outside plugins/: a path as a name is refused with how to declare it', () => {
  const dir = tempDir('switchyard-validate-');
  const file = join(dir, 'gateway.yaml');
  // Resolves to an existing file inside the repository but outside plugins/ (test/plugins-e2e/fixtures/boom.ts).
  writeFileSync(file, `version: 1
providers:
  m: { adapter: mock, models: [a] }
routes:
  - { path: /r, plugins: [../test/plugins-e2e/fixtures/boom] }
`);
  const r = validate(file, '--load-code');
  expect(r.code).toBe(1);
  expect(r.out).toContain('unknown plugin "../test/plugins-e2e/fixtures/boom"');
  expect(r.out).toContain('declare it under plugins: with a module path');
});
