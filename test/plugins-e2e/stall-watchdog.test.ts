// A plugin hook that never yields holds the event loop: no time budget, request or /health can run, and
// SIGTERM's handler never does. `switchyard start` then ends the process after server.stall_exit_ms with one
// error line on stderr (written from the watchdog's own thread), so a supervisor restarts it, instead of
// hanging forever. A busy moment shorter than the limit is left alone.

import { afterEach, expect, test } from 'bun:test';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TEST_KEY, config, tempDir } from '../helpers/gateway.ts';

const CLI = join(import.meta.dir, '..', '..', 'src', 'cli.ts');
let proc: ReturnType<typeof Bun.spawn> | undefined;
afterEach(() => {
  proc?.kill('SIGKILL');
  proc = undefined;
});

async function start(stallMs: number): Promise<{ url: string; stderr: () => Promise<string> }> {
  const dir = tempDir();
  const path = join(dir, 'gateway.yaml');
  writeFileSync(path, config(`server: { stall_exit_ms: ${stallMs} }
providers:
  mock: { adapter: mock, models: [m] }
plugins:
  spin: { module: ${join(import.meta.dir, 'fixtures', 'spin.ts')} }
routes:
  - { path: /v1, plugins: [spin] }`, `storage:\n  url: file:${join(dir, 'ledger.db')}`));
  const p = Bun.spawn([process.execPath, CLI, 'start', '--config', path, '--port', '0'], { stdout: 'pipe', stderr: 'pipe', env: { ...process.env, SWITCHYARD_LOG: 'info' } });
  proc = p;
  const reader = p.stdout.getReader();
  let out = '';
  let url = '';
  while (!url) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`gateway exited: ${out}`);
    out += new TextDecoder().decode(value);
    url = /"msg":"switchyard listening","url":"(http:\/\/[^"]+)"/.exec(out)?.[1] ?? '';
  }
  void (async () => { for (;;) if ((await reader.read()).done) return; })();
  return { url, stderr: () => new Response(p.stderr).text() };
}

const chat = (url: string, spin: boolean) => fetch(`${url}/v1/chat/completions`, {
  method: 'POST', headers: { authorization: `Bearer ${TEST_KEY}`, 'content-type': 'application/json', ...(spin ? { 'x-spin': '1' } : {}) },
  body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'hi' }] }),
});

test('a hook that never yields: the process ends after stall_exit_ms with one error line, instead of hanging', async () => {
  const gw = await start(1000);
  expect((await chat(gw.url, false)).status).toBe(200);
  const t0 = Date.now();
  const stuck = await chat(gw.url, true).then((r) => r.status, () => 'connection closed');
  expect(stuck).toBe('connection closed');
  expect(await proc!.exited).not.toBe(0);
  expect(proc!.signalCode).toBe('SIGKILL');
  expect(Date.now() - t0).toBeLessThan(10_000);
  const stderr = await gw.stderr();
  const line = JSON.parse(stderr.split('\n').find((l) => l.includes('event loop stalled'))!);
  expect(line).toMatchObject({ level: 'error', stall_exit_ms: 1000 });
  expect(line.stalled_ms).toBeGreaterThan(1000);
}, 30_000);

test('stall_exit_ms: 0 turns it off (the process is left stuck; the test ends it)', async () => {
  const gw = await start(0);
  const stuck = chat(gw.url, true).catch(() => undefined);
  await Bun.sleep(1500);
  expect(proc!.exitCode).toBeNull();
  proc!.kill('SIGKILL');
  await stuck;
}, 30_000);
