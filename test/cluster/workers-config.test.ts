// Config for several workers: `server.workers > 1` without `storage.redis` is refused by validate and by
// start (before any worker is spawned); storage.redis fields are checked; a busy port is refused.

import { expect, test } from 'bun:test';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadConfigText } from '../../src/config/load.ts';
import { tempDir } from '../helpers/gateway.ts';

const CLI = resolve(import.meta.dir, '../../src/cli.ts');
const BASE = 'providers:\n  mock: { adapter: mock, models: [m] }\nkeys:\n  - { name: a, key: sk-aaaaaaaaaaaaaaaa }\n';

function run(args: string[]) {
  const proc = Bun.spawnSync([process.execPath, CLI, ...args], { env: { ...process.env, SWITCHYARD_LOG: 'info' }, stdout: 'pipe', stderr: 'pipe' });
  return { code: proc.exitCode, out: proc.stdout.toString(), err: proc.stderr.toString() };
}

function file(text: string): string {
  const path = join(tempDir(), 'gateway.yaml');
  writeFileSync(path, text);
  return path;
}

const problems = async (text: string) => {
  const r = await loadConfigText('/x/gateway.yaml', text, {});
  return r.problems.map((p) => `${p.line}:${p.col}: ${p.message}`);
};

test('workers: 2 without storage.redis: validate and start refuse it at server.workers, naming the fix', () => {
  const path = file(`version: 1\nserver:\n  workers: 2\n${BASE}`);
  const v = run(['validate', path]);
  expect(v.code).toBe(1);
  expect(v.out).toContain(`${path}:3:12: server.workers is 2, but more than one worker needs storage.redis`);
  expect(v.out).toContain('Add storage.redis with a url');

  const t0 = Date.now();
  const s = run(['start', '--config', path, '--port', '0']);
  expect(s.code).toBe(1);
  expect(Date.now() - t0).toBeLessThan(5000);
  expect(s.err).toContain('server.workers is 2, but more than one worker needs storage.redis');
  expect(s.out).not.toContain('worker started');
});

test('workers: 1 (or absent) needs no Redis; workers: 2 with storage.redis is valid', async () => {
  expect(await problems(`version: 1\nserver: { workers: 1 }\n${BASE}`)).toEqual([]);
  expect(await problems(`version: 1\nserver: { workers: 2 }\nstorage: { redis: { url: "redis://127.0.0.1:6379/0" } }\n${BASE}`)).toEqual([]);
  expect(await problems(`version: 1\nserver: { workers: 4 }\nstorage: { redis: { url: "rediss://r:6380", prefix: gw1, on_unavailable: allow } }\n${BASE}`)).toEqual([]);
});

test('schema: workers is a positive integer; redis needs a redis:// url and a known on_unavailable', async () => {
  expect((await problems(`version: 1\nserver: { workers: 0 }\n${BASE}`)).join('\n')).toContain('2:');
  expect((await problems(`version: 1\nserver: { workers: 1.5 }\n${BASE}`)).length).toBe(1);
  expect((await problems(`version: 1\nstorage: { redis: { url: "http://r:6379" } }\n${BASE}`)).length).toBe(1);
  expect((await problems(`version: 1\nstorage: { redis: { prefix: x } }\n${BASE}`)).length).toBe(1);
  expect((await problems(`version: 1\nstorage: { redis: { url: "redis://r", on_unavailable: ignore } }\n${BASE}`)).length).toBe(1);
  expect((await problems(`version: 1\nstorage: { redis: { url: "redis://r", prefx: a } }\n${BASE}`)).length).toBe(1);
});

test('start with workers: a port already in use is refused before any worker starts', async () => {
  const busy = Bun.serve({ port: 0, hostname: '127.0.0.1', fetch: () => new Response('') });
  try {
    const path = file(`version: 1\nserver: { workers: 2 }\nstorage: { url: ":memory:", redis: { url: "redis://127.0.0.1:6379/0" } }\n${BASE}`);
    const s = run(['start', '--config', path, '--port', String(busy.port)]);
    expect(s.code).toBe(1);
    expect(s.err).toContain(`port ${busy.port} on 127.0.0.1 is in use`);
    expect(s.out).not.toContain('worker started');
  } finally {
    busy.stop(true);
  }
});
