// The README's SDK snippets run as the README says: saved as the .mjs file named in their first line
// (ES modules with top-level await) and run with plain `node`, against a real gateway serving the bundled
// gateway.yaml's models (trial finding 7: the Responses snippet named a model only the test served).

import { afterAll, beforeAll, expect, test } from 'bun:test';
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { TEST_KEY, type TestGateway, config, startTestGateway } from '../helpers/gateway.ts';

const REPO = join(import.meta.dir, '..', '..');
const snippets = [...readFileSync(join(REPO, 'README.md'), 'utf8').matchAll(/```ts\n\/\/ (\w+\.mjs)[^\n]*\n([\s\S]*?)```/g)].map((m) => ({ file: m[1], code: m[2] }));

let gw: TestGateway;
let dir: string;
beforeAll(async () => {
  // The bundled gateway.yaml's own models: a snippet must run as printed against the config a new user has.
  const bundled = parseYaml(readFileSync(join(REPO, 'gateway.yaml'), 'utf8')) as { providers: { mock: { models: string[] } } };
  gw = await startTestGateway(config(`providers:\n  mock: { adapter: mock, models: [${bundled.providers.mock.models.join(', ')}] }\n`));
  dir = mkdtempSync(join(tmpdir(), 'switchyard-readme-'));
  symlinkSync(join(REPO, 'node_modules'), join(dir, 'node_modules'));
});
afterAll(async () => {
  await gw.stop();
  rmSync(dir, { recursive: true, force: true });
});

test('every SDK snippet names its .mjs file', () => {
  expect(snippets.map((s) => s.file)).toEqual(['hi.mjs', 'claude.mjs', 'gemini.mjs', 'responses.mjs']);
});

test.each(snippets.map((s) => [s.file, s.code]))('%s runs with node', async (file, code) => {
  writeFileSync(join(dir, file), code.replaceAll('http://127.0.0.1:3000', gw.url).replaceAll('sk-switchyard-local-dev', TEST_KEY));
  const proc = Bun.spawn(['node', file], { cwd: dir, stdout: 'pipe', stderr: 'pipe' });
  const [status, stderr] = await Promise.all([proc.exited, new Response(proc.stderr).text()]);
  expect(stderr).toBe('');
  expect(status).toBe(0);
}, 20_000);
