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

test('a limit of 0 starts no watchdog: a busy second is left alone, where a 100 ms limit ends the process', async () => {
  // In a child process: the watchdog with a limit, then one second of synchronous work. (A limit of 0 handed to the
  // watchdog thread would kill at once, so this fails if 0 is not read as off.)
  const run = (limit: number) => Bun.spawn([process.execPath, '-e', `
    const { startStallWatchdog } = await import(${JSON.stringify(join(import.meta.dir, '..', '..', 'src', 'runtime', 'stall-watchdog.ts'))});
    startStallWatchdog(${limit});
    await Bun.sleep(200);
    const t = Date.now(); while (Date.now() - t < 1000) {}
    process.exit(0);
  `], { stdout: 'ignore', stderr: 'pipe' });
  const off = run(0);
  expect(await off.exited).toBe(0);
  const on = run(100);
  await on.exited;
  expect(on.signalCode).toBe('SIGKILL');
  expect(await new Response(on.stderr).text()).toContain('event loop stalled');
}, 30_000);
