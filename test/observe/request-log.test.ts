// The request log and the startup banner, as an operator reads them from a real `start` process:
// one JSON line per finished request with its facts, key names but never key values, the banner naming
// URL, config, storage, state backend, dashboard and metrics; SWITCHYARD_LOG_FORMAT=pretty for humans;
// server.request_log: false turns the per-request lines off.

import { expect, test } from 'bun:test';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../helpers/gateway.ts';

const CLI = join(import.meta.dir, '..', '..', 'src', 'cli.ts');
const KEY = 'sk-request-log-key-0123456789';

async function withGateway(extra: string, env: Record<string, string>, fn: (url: string) => Promise<void>): Promise<string> {
  const dir = tempDir();
  const file = join(dir, 'gateway.yaml');
  writeFileSync(file, `version: 1
server: { admin_token: admin-token-for-log-test ${extra} }
storage: { url: "file:${join(dir, 'ledger.db')}" }
providers:
  mock: { adapter: mock, models: [mock-echo] }
models:
  mock-echo: { price: { input: 1, output: 1 } }
keys:
  - { name: logger-key, key: ${KEY} }
`);
  const proc = Bun.spawn(['bun', CLI, 'start', '--config', file, '--port', '0'], { env: { ...process.env, SWITCHYARD_LOG: 'info', ...env }, stdout: 'pipe', stderr: 'pipe' });
  const reader = proc.stdout.getReader();
  let out = '';
  const decoder = new TextDecoder();
  let url = '';
  const deadline = Date.now() + 30_000;
  while (!url && Date.now() < deadline) {
    const { value, done } = await reader.read();
    if (done) break;
    out += decoder.decode(value);
    url = /(http:\/\/127\.0\.0\.1:\d+)/.exec(out.split('\n').find((l) => l.includes('switchyard listening')) ?? '')?.[1] ?? '';
  }
  expect(url).not.toBe('');
  await fn(url);
  await Bun.sleep(100);
  proc.kill('SIGTERM');
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    out += decoder.decode(value);
  }
  await proc.exited;
  return out;
}

const chat = (url: string, stream = false) => fetch(`${url}/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' }, body: JSON.stringify({ model: 'mock-echo', stream, messages: [{ role: 'user', content: 'log me' }] }) }).then((r) => r.text());

test('JSON: a banner, then one line per request with its facts; no key value anywhere', async () => {
  const out = await withGateway('', {}, async (url) => {
    await chat(url);
    await chat(url, true);
    await fetch(`${url}/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' }, body: JSON.stringify({ model: 'missing', messages: [] }) });
  });
  const lines = out.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  const banner = lines.find((l) => l.msg === 'switchyard listening')!;
  expect(banner).toMatchObject({ state: 'memory (this process)' });
  expect(String(banner.dashboard)).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/dashboard$/);
  expect(String(banner.metrics)).toMatch(/\/metrics$/);
  expect(String(banner.storage)).toContain('ledger.db');
  const requests = lines.filter((l) => l.msg === 'request');
  expect(requests).toHaveLength(3);
  expect(requests[0]).toMatchObject({ key: 'logger-key', model: 'mock-echo', provider: 'mock', status: 200, attempts: 1, surface: 'openai' });
  expect(typeof requests[0].latency_ms).toBe('number');
  expect(requests[0].prompt_tokens).toBeGreaterThan(0);
  expect(requests[1]).toMatchObject({ stream: true, status: 200 });
  expect(typeof requests[1].ttft_ms).toBe('number');
  expect(requests[2]).toMatchObject({ status: 400 });
  expect(out).not.toContain(KEY);
}, 60_000);

test('pretty format for terminals; request_log: false silences the per-request lines', async () => {
  const pretty = await withGateway('', { SWITCHYARD_LOG_FORMAT: 'pretty' }, async (url) => { await chat(url); });
  const line = pretty.split('\n').find((l) => / request /.test(l))!;
  expect(line).toMatch(/^\d\d:\d\d:\d\d\.\d{3} INFO  request id=req_\S+ surface=openai key=logger-key model=mock-echo provider=mock status=200 /);
  const quiet = await withGateway(', request_log: false', {}, async (url) => { await chat(url); });
  expect(quiet.split('\n').filter((l) => l.includes('"msg":"request"'))).toHaveLength(0);
  expect(quiet).toContain('switchyard listening');
}, 60_000);
