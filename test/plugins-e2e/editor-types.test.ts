// Plugins outside the repository type-check in the user's editor (issue 8 point 7): the tsconfig.json
// the README gives for a plugin directory, dropped into a temp dir with a plugin and an adapter that
// import 'switchyard/plugin' / 'switchyard/adapter', passes `tsc`; a type error in the plugin fails it.

import { expect, test, setDefaultTimeout } from 'bun:test';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { tempDir } from '../helpers/gateway.ts';
import { FIXTURES, REPO } from './helpers.ts';

// Gateways start, files are watched and CLIs spawned here: generous on a shared, loaded machine.
setDefaultTimeout(20_000);

const TSC = join(REPO, 'node_modules', '.bin', 'tsc');

/** The tsconfig.json block that follows `<!-- plugin-tsconfig -->` in README.md. */
function readmeTsconfig(): { compilerOptions: { paths: Record<string, string[]> } } {
  const readme = readFileSync(join(REPO, 'README.md'), 'utf8');
  const after = readme.split('<!-- plugin-tsconfig -->')[1];
  expect(after).toBeDefined();
  const block = /```json\n([\s\S]*?)```/.exec(after!)![1];
  return JSON.parse(block) as { compilerOptions: { paths: Record<string, string[]> } };
}

function tsc(dir: string) {
  const proc = Bun.spawnSync([TSC, '-p', dir], { stdout: 'pipe', stderr: 'pipe' });
  return { code: proc.exitCode, out: proc.stdout.toString() + proc.stderr.toString() };
}

test("the README's tsconfig type-checks plugins and adapters outside the repository, and catches type errors", () => {
  const dir = tempDir('switchyard-editor-');
  mkdirSync(join(dir, 'lib'));
  copyFileSync(join(FIXTURES, 'outside', 'tagger.ts'), join(dir, 'tagger.ts'));
  copyFileSync(join(FIXTURES, 'outside', 'lib', 'tag.ts'), join(dir, 'lib', 'tag.ts'));
  copyFileSync(join(FIXTURES, 'outside', 'acme.ts'), join(dir, 'acme.ts'));
  const config = readmeTsconfig();
  // The README points at "../switchyard"; here the checkout is this repository.
  const contracts = relative(dir, join(REPO, 'src', 'contracts', 'index.ts'));
  config.compilerOptions.paths = { 'switchyard/*': [contracts] };
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify(config, null, 2));

  const ok = tsc(dir);
  expect(ok.out).toBe('');
  expect(ok.code).toBe(0);

  const plugin = join(dir, 'tagger.ts');
  writeFileSync(plugin, readFileSync(plugin, 'utf8').replace('return { ...response,', "return { ...response, status: 'oops',"));
  const bad = tsc(dir);
  expect(bad.code).not.toBe(0);
  expect(bad.out).toContain('tagger.ts');
  expect(bad.out).toContain("'string' is not assignable to type 'number'");
});
