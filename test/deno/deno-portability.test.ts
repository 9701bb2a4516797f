// Portability: runs test/deno/plugins.deno.test.ts under Deno 2 (the `deno` npm dev dependency ships the
// binary), type-checked, with no network and read-only file access. Skipped, saying why, only when no
// deno binary can be found.

import { expect, test } from 'bun:test';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(import.meta.dir, '..', '..');
const local = join(ROOT, 'node_modules', '.bin', 'deno');
const deno = existsSync(local) ? local : Bun.which('deno');
if (!deno) console.warn('SKIP deno portability: no deno binary (run `npm install` to get the deno dev dependency, or put deno on PATH)');

test.skipIf(!deno)('the bundled plugins and the onebound adapter pass their hook tests under Deno', async () => {
  const proc = Bun.spawn([deno!, 'test', '--allow-read', '--no-remote', '--no-lock', 'test/deno/plugins.deno.test.ts'], {
    cwd: ROOT,
    env: { ...process.env, NO_COLOR: '1', DENO_NO_UPDATE_CHECK: '1', DENO_DIR: mkdtempSync(join(tmpdir(), 'switchyard-deno-')) },
    stdout: 'pipe',
    stderr: 'pipe',
  });
  const timer = setTimeout(() => proc.kill(), 110_000);
  const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  clearTimeout(timer);
  if (code !== 0) console.error(out, err);
  expect(code).toBe(0);
  expect(out).toMatch(/ok \| 5 passed \| 0 failed/);
}, 120_000);
