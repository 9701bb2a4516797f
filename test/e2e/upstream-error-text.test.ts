// What an upstream's error text may carry to a client and to the log: JSON messages cut to 300
// characters; HTML or other non-JSON error bodies never quoted; stack frames, absolute file paths and
// host:port addresses removed; the useful part of a 4xx message (what to fix) kept.

import { afterAll, beforeAll, expect, test } from 'bun:test';
import { createLogger } from '../../src/log.ts';
import { TEST_KEY, type TestGateway, config, startTestGateway } from '../helpers/gateway.ts';
import { type FakeUpstream, json, startFakeUpstream } from '../helpers/fake-upstream.ts';

let gw: TestGateway;
let up: FakeUpstream;
const lines: string[] = [];

beforeAll(async () => {
  up = startFakeUpstream();
  const sink = { out: (t: string) => void lines.push(t), err: (t: string) => void lines.push(t) };
  gw = await startTestGateway(config(`providers:
  up: { adapter: openai, base_url: ${up.url}/v1, api_key: sk-up-0000000000, models: { m: up-model } }
routing: { retry: { attempts: 0 } }
`), { logger: createLogger('info', 'json', sink) });
});
afterAll(() => {
  gw.stop();
  up.stop();
});

async function ask(): Promise<{ status: number; message: string }> {
  const res = await fetch(`${gw.url}/v1/chat/completions`, {
    method: 'POST', headers: { authorization: `Bearer ${TEST_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'hi' }] }),
  });
  return { status: res.status, message: ((await res.json()) as { error: { message: string } }).error.message };
}

test('a 3 MB JSON error message reaches neither the client nor the log whole', async () => {
  for (const status of [400, 500]) {
    up.set(() => json({ error: { message: 'E'.repeat(3_000_000) } }, status));
    lines.length = 0;
    const { status: got, message } = await ask();
    expect(got).toBe(status === 400 ? 400 : 502);
    expect(message).toContain('EEEE');
    expect(message.length).toBeLessThan(1000);
    await Bun.sleep(20); // info lines leave in a batch
    const logged = lines.join('');
    expect(logged).toContain('upstream attempts failed');
    expect(logged.length).toBeLessThan(5000);
  }
});

test('an HTML error page is not quoted: the message says the body was not JSON', async () => {
  up.set(() => new Response('<html><pre>Error: at Object.<anonymous> (/srv/upstream/app.js:42:13)\n</pre></html>', { status: 500, headers: { 'content-type': 'text/html' } }));
  const { status, message } = await ask();
  expect(status).toBe(502);
  expect(message).toContain('HTTP 500');
  expect(message).toContain('not JSON');
  for (const leak of ['<html', '/srv/', 'app.js', 'Object.<anonymous>']) expect(message).not.toContain(leak);
});

test('stack frames, file paths and host:port are removed from a JSON message; what to fix is kept', async () => {
  up.set(() => json({ error: { message: 'max_tokens is too large: 99999 (limit 4096); from 10.1.2.3:8080 via api.internal.corp:443; trace: Error\n    at handler (/srv/x.js:1:1)\n    at run (node:internal/x:3:4) in /opt/app/server/main.py', type: 'invalid_request_error' } }, 400));
  const { status, message } = await ask();
  expect(status).toBe(400);
  expect(message).toContain('max_tokens is too large: 99999 (limit 4096)');
  for (const leak of ['10.1.2.3', ':8080', 'api.internal.corp', '/srv/x.js', 'at handler', 'node:internal', '/opt/app']) expect(message).not.toContain(leak);
});
