// The CLI as a GitOps user meets it: `validate` output and exit codes, `start` refusing a bad config fast.

import { expect, test } from 'bun:test';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from './helpers/gateway.ts';

const CLI = join(import.meta.dir, '..', 'src', 'cli.ts');

function run(args: string[], env: Record<string, string> = {}) {
  const proc = Bun.spawnSync(['bun', CLI, ...args], { env: { ...process.env, SWITCHYARD_LOG: 'silent', ...env }, stdout: 'pipe', stderr: 'pipe' });
  return { code: proc.exitCode, out: proc.stdout.toString(), err: proc.stderr.toString() };
}

test('validate: the bundled gateway.yaml is valid', () => {
  const r = run(['validate', join(import.meta.dir, '..', 'gateway.yaml')]);
  expect(r.code).toBe(0);
  expect(r.out).toContain(': ok');
});

test('validate: one file:line:col line per problem; an unset variable is named, never its value', () => {
  const dir = tempDir();
  const file = join(dir, 'gateway.yaml');
  writeFileSync(file, `version: 1
providers:
  a:
    adapter: nope
    api_key: \${SWITCHYARD_UNSET_FOR_TEST}
    models: [m]
models:
  x:
    targets: [{ provider: ghost }]
keys:
  - name: k
    key: short
`);
  const r = run(['validate', file], { SECRET_VALUE_SHOULD_NOT_APPEAR: 'hunter2' });
  expect(r.code).toBe(1);
  // Every problem of the file in one pass, in file order.
  const lines = r.out.trim().split('\n');
  expect(lines[1]).toBe(`${file}:5:14: environment variable SWITCHYARD_UNSET_FOR_TEST is not set (export it, or write \${SWITCHYARD_UNSET_FOR_TEST:-default} to give a default)`);
  expect(lines[0]).toContain(':4:14: unknown adapter "nope"');
  expect(r.out).toContain(':9:27: model x targets unknown provider "ghost"');
  expect(r.out).not.toContain('hunter2');

  writeFileSync(file, `version: 1
providers:
  a:
    adapter: nope
    models: [m]
models:
  x:
    targets: [{ provider: ghost }]
    fallbacks: [nowhere]
keys:
  - name: k
    key: sk-long-enough-key
  - name: k
    key: sk-another-long-key
`);
  const semantic = run(['validate', file]);
  expect(semantic.code).toBe(1);
  const out = semantic.out.trim().split('\n');
  for (const line of out) expect(line).toMatch(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:\\d+:\\d+: `));
  expect(semantic.out).toContain(':4:14: unknown adapter "nope"');
  expect(semantic.out).toContain(':8:27: model x targets unknown provider "ghost"');
  expect(semantic.out).toContain('falls back to unknown model "nowhere"');
  expect(semantic.out).toContain('duplicate key name "k"');

  writeFileSync(file, 'version: 1\nprovidres: {}\n');
  const schema = run(['validate', file]);
  expect(schema.code).toBe(1);
  expect(schema.out).toContain(':2:1: unknown property "providres"');
});

// It must exit rather than serve or hang; how fast is the bench's business (a timed bound here only
// measures how loaded the machine is). Its startup time is in `bun run bench`'s notes.
test('start: an invalid config exits non-zero (does not start serving) with the errors', () => {
  const dir = tempDir();
  const file = join(dir, 'gateway.yaml');
  writeFileSync(file, 'version: 1\nproviders:\n  a: { adapter: mock, models: [m] }\nkeys: [{ name: k }]\n');
  const r = run(['start', '--config', file, '--port', '0']);
  expect(r.code).toBe(1);
  expect(r.err).toContain(`${file}:4:`);
}, 30_000);

test('start: a stray argument (npm start --port N loses the flag) is refused with the npm hint', () => {
  const r = run(['start', '3921']);
  expect(r.code).toBe(2);
  expect(r.err).toContain('npm start -- --port');
});

test('validate: a YAML syntax error is reported at its line, not 1:1', () => {
  const dir = tempDir();
  const file = join(dir, 'gateway.yaml');
  writeFileSync(file, 'version: 1\nproviders:\n  m:\n    adapter: mock\n    models: [a, b\nkeys: []\n');
  const r = run(['validate', file]);
  expect(r.code).toBe(1);
  expect(r.out).not.toContain(':1:1:');
  expect(r.out).toMatch(/gateway\.yaml:[2-9]:\d+: YAML/);
});

test('validate: a plugin that fails to load is reported at its plugins.<name>.module line', () => {
  const dir = tempDir();
  const file = join(dir, 'gateway.yaml');
  writeFileSync(join(dir, 'broken.ts'), 'export default {;\n');
  writeFileSync(file, 'version: 1\nproviders:\n  m: { adapter: mock, models: [a] }\nplugins:\n  broken:\n    module: ./broken.ts\nglobal_plugins: [broken]\n');
  const r = run(['validate', file]);
  expect(r.code).toBe(1);
  expect(r.out).toContain(`${file}:6:13: plugin "broken"`);
});
