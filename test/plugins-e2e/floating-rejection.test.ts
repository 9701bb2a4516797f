// A plugin's floating promise rejection does not kill the gateway (Bun exits on an unhandled rejection
// by default): the real CLI process keeps serving and logs the rejection.

import { expect, test } from 'bun:test';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../helpers/gateway.ts';
import { FIXTURES, REPO, TEST_KEY, chatBody, postJson } from './helpers.ts';

test('a plugin that leaves a rejected promise behind does not stop the gateway', async () => {
  const dir = tempDir('switchyard-floating-');
  const file = join(dir, 'gateway.yaml');
  writeFileSync(file, `version: 1
keys:
  - name: tester
    key: ${TEST_KEY}
storage: { url: 'file:${join(dir, 'ledger.db')}' }
providers:
  mock: { adapter: mock, models: [mock-echo] }
plugins:
  floating: { module: ${join(FIXTURES, 'floating.ts')} }
global_plugins: [floating]
`);
  const proc = Bun.spawn([process.execPath, join(REPO, 'src', 'cli.ts'), 'start', '--config', file, '--port', '0'], { stdout: 'pipe', stderr: 'pipe', env: { ...process.env, SWITCHYARD_LOG: 'info' } });
  try {
    const reader = proc.stdout.getReader();
    let out = '';
    let url: string | undefined;
    while (!url) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`gateway exited: ${out}`);
      out += new TextDecoder().decode(value);
      url = /"url":"(http:\/\/[^"]+)"/.exec(out)?.[1];
    }
    for (let i = 0; i < 3; i++) {
      const res = await postJson(`${url}/v1/chat/completions`, chatBody('hi', 'mock-echo'));
      expect(res.status).toBe(200);
      await res.arrayBuffer();
      await Bun.sleep(50);
    }
    expect(proc.exitCode).toBeNull();
    expect((await fetch(`${url}/health`)).status).toBe(200);
  } finally {
    proc.kill();
    await proc.exited;
  }
  const err = await new Response(proc.stderr).text();
  expect(err).toContain('unhandled promise rejection');
  expect(err).toContain('analytics endpoint unreachable');
}, 20_000);
