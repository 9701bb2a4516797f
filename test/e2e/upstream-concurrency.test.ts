// No hidden connection cap (issue 8 point 18): upstream concurrency is explicit per provider
// (`max_connections`); a request that finds no free slot fails over, or gets 503 upstream_overloaded at
// once instead of queueing (so queueing never times out or opens a breaker); and the gateway started as
// users start it (`npm start` / `bun run start`) serves 600 concurrent streams at once, not in waves of
// 256 (Bun's default fetch cap).

import { afterAll, afterEach, expect, setDefaultTimeout, test } from 'bun:test';
import { spawn } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { TEST_KEY, type TestGateway, config, startTestGateway, tempDir } from '../helpers/gateway.ts';
import { chatChunks, chatCompletion, json, sse, upstreamPool } from '../helpers/fake-upstream.ts';
import { freePort } from '../ledger/harness.ts';
import { rawPost } from '../helpers/raw-http.ts';

// The first gateway start of a test file warms the tokenizer (seconds on a busy machine).
setDefaultTimeout(20_000);

let gw: TestGateway | undefined;
afterEach(async () => {
  await gw?.stop();
  gw = undefined;
});
const start = upstreamPool(afterAll);

async function post(model = 'm'): Promise<{ status: number; headers: Headers; body: { choices?: Array<{ message: { content: string } }>; error?: { code: string; message: string } } }> {
  const res = await fetch(`${gw!.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TEST_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }] }),
  });
  return { status: res.status, headers: res.headers, body: await res.json() };
}

async function until(check: () => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not reached');
    await Bun.sleep(5);
  }
}

test('max_connections: beyond it 503 upstream_overloaded at once; no queueing, no breaker failure; other providers unaffected', async () => {
  let release!: () => void;
  const held = new Promise<void>((r) => (release = r));
  const slow = start(async () => {
    await held;
    return json(chatCompletion('slow'));
  });
  const fast = start(() => json(chatCompletion('fast')));
  gw = await startTestGateway(config(`providers:
  slow: { adapter: openai, base_url: ${slow.url}, models: [s], max_connections: 2, timeout_ms: 1500 }
  fast: { adapter: openai, base_url: ${fast.url}, models: [f] }`, 'routing:\n  circuit_breaker: { failures: 1 }'));
  const inFlight = [post('s'), post('s')];
  await until(() => slow.received.length === 2);
  const t0 = Date.now();
  const over = await post('s');
  expect(Date.now() - t0).toBeLessThan(500);
  expect(over.status).toBe(503);
  expect(over.body.error!.code).toBe('upstream_overloaded');
  expect(over.headers.get('retry-after')).toBe('1');
  expect(slow.received).toHaveLength(2); // never sent, never queued
  // A slow provider at its limit does not starve another provider's model.
  const other = await post('f');
  expect(other.body.choices![0].message.content).toBe('fast');
  release();
  for (const r of await Promise.all(inFlight)) expect(r.status).toBe(200);
  // The overflow was not the upstream's fault: its breaker (failures: 1) is still closed.
  expect(gw.runtime.breakers.snapshot().find((b) => b.key === 'slow/s')?.state ?? 'closed').toBe('closed');
  expect((await post('s')).status).toBe(200);
  expect(gw.runtime.upstreamGate.inFlight()).toBe(0); // every slot given back
});

test('an overflowing target fails over to the next one', async () => {
  let release!: () => void;
  const held = new Promise<void>((r) => (release = r));
  const a = start(async () => {
    await held;
    return json(chatCompletion('A'));
  });
  const b = start(() => json(chatCompletion('B')));
  gw = await startTestGateway(config(`providers:
  a: { adapter: openai, base_url: ${a.url}, models: [m], max_connections: 1 }
  b: { adapter: openai, base_url: ${b.url}, models: [m], priority: 1 }`));
  const first = post();
  await until(() => a.received.length === 1);
  const second = await post();
  expect(second.body.choices![0].message.content).toBe('B');
  release();
  expect((await first).body.choices![0].message.content).toBe('A');
});

test('slots are held for a whole stream and given back when it ends or the client leaves', async () => {
  const u = start(() => sse(chatChunks(['a', 'b', 'c']), { delayMs: 150 }));
  gw = await startTestGateway(config(`providers:\n  u: { adapter: openai, base_url: ${u.url}, models: [m], max_connections: 1 }`));
  const body = JSON.stringify({ model: 'm', stream: true, messages: [{ role: 'user', content: 'hi' }] });
  const headers = { authorization: `Bearer ${TEST_KEY}`, 'content-type': 'application/json' };
  const first = await fetch(`${gw.url}/v1/chat/completions`, { method: 'POST', headers, body });
  expect(gw.runtime.upstreamGate.inFlight('u')).toBe(1);
  const second = await fetch(`${gw.url}/v1/chat/completions`, { method: 'POST', headers, body });
  expect(second.status).toBe(503);
  await second.text();
  expect(await first.text()).toContain('data: [DONE]');
  await until(() => gw!.runtime.upstreamGate.inFlight('u') === 0);
  const leaving = new AbortController();
  const third = await fetch(`${gw.url}/v1/chat/completions`, { method: 'POST', headers, body, signal: leaving.signal });
  expect(third.status).toBe(200);
  leaving.abort();
  await until(() => gw!.runtime.upstreamGate.inFlight('u') === 0);
});

test.skipIf(process.env.BUN_CONFIG_MAX_HTTP_REQUESTS !== undefined)('without a raised fetch cap, upstream requests beyond it are refused at once, never queued', async () => {
  let release!: () => void;
  const held = new Promise<void>((r) => (release = r));
  let open = 0;
  const u = start(async () => {
    open += 1;
    await held;
    return sse(chatChunks(['ok']));
  });
  gw = await startTestGateway(config(`providers:\n  u: { adapter: openai, base_url: ${u.url}, models: [m] }`));
  expect(gw.runtime.upstreamGate.fetchCap).toBe(256);
  const body = JSON.stringify({ model: 'm', stream: true, messages: [{ role: 'user', content: 'hi' }] });
  const all = Array.from({ length: 300 }, () => rawPost(gw!.port, '/v1/chat/completions', body, { authorization: `Bearer ${TEST_KEY}` }));
  await until(() => open === 256, 5000);
  await Bun.sleep(100);
  release();
  const results = await Promise.all(all);
  expect(results.filter((r) => r.status === 200 && r.body.includes('data: [DONE]'))).toHaveLength(256);
  const refused = results.filter((r) => r.status === 503);
  expect(refused).toHaveLength(44);
  expect(refused[0].body).toContain('upstream_overloaded');
  expect(u.received).toHaveLength(256);
}, 20_000);

const ROOT = resolve(import.meta.dir, '../..');

test('started with `bun run start`, the gateway serves 600 concurrent streams across providers at once, not in waves', async () => {
  const N = 600;
  let open = 0;
  let peak = 0;
  let allIn!: () => void;
  const everyoneIn = new Promise<void>((r) => (allIn = r));
  const behaviour = async () => {
    open += 1;
    peak = Math.max(peak, open);
    if (open >= N) allIn();
    // Each stream waits until all of them are open upstream at once (or gives up after 6 s: waves).
    await Promise.race([everyoneIn, Bun.sleep(6000)]);
    open -= 1;
    return sse(chatChunks(['streamed']));
  };
  const a = start(behaviour);
  const b = start(behaviour);
  const dir = tempDir();
  const configPath = join(dir, 'gateway.yaml');
  writeFileSync(configPath, config(`providers:
  a: { adapter: openai, base_url: ${a.url}, models: [m] }
  b: { adapter: openai, base_url: ${b.url}, models: [m] }`, `storage:\n  url: file:${join(dir, 'ledger.db')}`));
  const port = freePort();
  const env: Record<string, string | undefined> = { ...process.env, SWITCHYARD_CONFIG: configPath, PORT: String(port), SWITCHYARD_LOG: 'error' };
  delete env.BUN_CONFIG_MAX_HTTP_REQUESTS; // as a user starts it: the start script must raise the cap itself
  const bunBin = process.execPath;
  const child = spawn(bunBin, ['run', 'start'], { cwd: ROOT, env: { ...env, PATH: `${resolve(bunBin, '..')}:${env.PATH ?? ''}` }, detached: true, stdio: 'ignore' });
  try {
    let up = false;
    for (let i = 0; i < 400 && !up; i++) {
      up = await fetch(`http://127.0.0.1:${port}/health`).then((r) => r.ok, () => false);
      if (!up) await Bun.sleep(25);
    }
    expect(up).toBe(true);
    const body = JSON.stringify({ model: 'm', stream: true, messages: [{ role: 'user', content: 'hi' }] });
    const t0 = Date.now();
    const results = await Promise.all(Array.from({ length: N }, () => rawPost(port, '/v1/chat/completions', body, { authorization: `Bearer ${TEST_KEY}` })));
    const elapsed = Date.now() - t0;
    expect(results.filter((r) => r.status === 200 && r.body.includes('streamed') && r.body.includes('data: [DONE]'))).toHaveLength(N);
    expect(peak).toBe(N);
    expect(a.received.length).toBeGreaterThan(0);
    expect(b.received.length).toBeGreaterThan(0);
    expect(elapsed).toBeLessThan(6000);
    console.log(`600 concurrent streams: all upstream at once (peak ${peak}), done in ${elapsed} ms`);
  } finally {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // already gone
    }
    rmSync(dir, { recursive: true, force: true });
  }
}, 30_000);
