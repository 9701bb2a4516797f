// Routing and resilience against real fake upstreams: failover (503, refused connection, timeout),
// circuit breaker open and recovery, priority tiers, weights, Retry-After, fallbacks.

import { afterAll, afterEach, describe, expect, test } from 'bun:test';
import { TEST_KEY, type TestGateway, config, startTestGateway } from '../helpers/gateway.ts';
import { type FakeUpstream, chatCompletion, json, upstreamPool } from '../helpers/fake-upstream.ts';

let gw: TestGateway | undefined;
afterEach(async () => {
  await gw?.stop();
  gw = undefined;
});

const start = upstreamPool(afterAll);
const upstream = (content: string): FakeUpstream => start(() => json(chatCompletion(content)));

async function chat(model = 'm'): Promise<{ status: number; body: { choices?: Array<{ message: { content: string } }>; error?: { code: string; message: string } }; headers: Headers }> {
  const res = await fetch(`${gw!.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TEST_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }] }),
  });
  return { status: res.status, body: await res.json(), headers: res.headers };
}

const provider = (name: string, url: string, extra = '') => `  ${name}:\n    adapter: openai\n    base_url: ${url}\n    models: [m]\n${extra}`;

describe('failover', () => {
  test('503 then 200: the second provider answers, two attempts', async () => {
    const a = upstream('A');
    const b = upstream('B');
    a.set(() => json({ error: { message: 'overloaded' } }, 503));
    gw = await startTestGateway(config(`providers:\n${provider('a', a.url, '    priority: 0\n')}${provider('b', b.url, '    priority: 1\n')}`));
    const res = await chat();
    expect(res.status).toBe(200);
    expect(res.body.choices![0].message.content).toBe('B');
    expect(res.headers.get('x-switchyard-provider')).toBe('b');
    expect(res.headers.get('x-switchyard-attempts')).toBe('2');
  });

  test('a refused connection fails over', async () => {
    const b = upstream('B');
    gw = await startTestGateway(config(`providers:\n${provider('dead', 'http://127.0.0.1:9', '    priority: 0\n')}${provider('b', b.url, '    priority: 1\n')}`));
    const res = await chat();
    expect(res.status).toBe(200);
    expect(res.body.choices![0].message.content).toBe('B');
  });

  test('a stalled upstream times out (per-provider timeout) and fails over; alone it is a 504', async () => {
    const slow = upstream('slow');
    const b = upstream('B');
    slow.set(async () => {
      await Bun.sleep(2000);
      return json(chatCompletion('late'));
    });
    gw = await startTestGateway(config(`providers:\n${provider('slow', slow.url, '    priority: 0\n    timeout_ms: 150\n')}${provider('b', b.url, '    priority: 1\n')}`));
    const t0 = Date.now();
    const res = await chat();
    expect(res.status).toBe(200);
    expect(res.body.choices![0].message.content).toBe('B');
    expect(Date.now() - t0).toBeLessThan(1500);
    await gw.stop();
    gw = await startTestGateway(config(`providers:\n${provider('slow', slow.url, '    timeout_ms: 150\n')}`, 'routing:\n  retry: { attempts: 0 }'));
    const alone = await chat();
    expect(alone.status).toBe(504);
    expect(alone.body.error!.code).toBe('upstream_timeout');
  });

  test('a 400 from the upstream is not retried', async () => {
    const a = upstream('A');
    const b = upstream('B');
    a.set(() => json({ error: { message: 'bad request: messages too long' } }, 400));
    gw = await startTestGateway(config(`providers:\n${provider('a', a.url, '    priority: 0\n')}${provider('b', b.url, '    priority: 1\n')}`));
    const res = await chat();
    expect(res.status).toBe(400);
    expect(b.received.length).toBe(0);
  });

  test('fallback models are tried after every target failed', async () => {
    const a = upstream('A');
    const b = upstream('B');
    a.set(() => json({ error: { message: 'down' } }, 500));
    gw = await startTestGateway(config(`providers:
  a: { adapter: openai, base_url: ${a.url}, models: [m] }
  b: { adapter: openai, base_url: ${b.url}, models: [other] }
models:
  m: { fallbacks: [other] }`));
    const res = await chat();
    expect(res.status).toBe(200);
    expect(res.body.choices![0].message.content).toBe('B');
  });

  test('every provider failing: 502 upstream_error, and no upstream detail leaks', async () => {
    const a = upstream('A');
    a.set(() => json({ error: { message: 'boom' } }, 500));
    gw = await startTestGateway(config(`providers:\n${provider('a', a.url)}`));
    const res = await chat();
    expect(res.status).toBe(502);
    expect(res.body.error!.code).toBe('upstream_error');
    expect(a.received.length).toBe(3); // one target: retry.attempts (default 2) retries it twice
    expect(res.body.error!.message).toContain('Attempts: a: HTTP 500; a: HTTP 500; a: HTTP 500');
  });
});

describe('circuit breaker', () => {
  test('opens after N consecutive failures, probes once after the cooldown, closes on success', async () => {
    const a = upstream('A');
    const b = upstream('B');
    let failing = true;
    a.set(() => (failing ? json({ error: { message: 'down' } }, 503) : json(chatCompletion('A'))));
    gw = await startTestGateway(config(`providers:\n${provider('a', a.url, '    priority: 0\n')}${provider('b', b.url, '    priority: 1\n')}`, 'routing:\n  circuit_breaker: { failures: 3, cooldown_ms: 300 }'));
    for (let i = 0; i < 3; i++) expect((await chat()).body.choices![0].message.content).toBe('B');
    expect(a.received.length).toBe(3);
    // Open: a is skipped entirely.
    for (let i = 0; i < 3; i++) expect((await chat()).headers.get('x-switchyard-attempts')).toBe('1');
    expect(a.received.length).toBe(3);
    const snapshot = gw.runtime.breakers.snapshot().find((s) => s.key === 'a/m');
    expect(snapshot?.state).toBe('open');
    failing = false;
    await Bun.sleep(350);
    const probe = await chat();
    expect(probe.body.choices![0].message.content).toBe('A');
    expect(a.received.length).toBe(4);
    expect(gw.runtime.breakers.snapshot().find((s) => s.key === 'a/m')?.state).toBe('closed');
  });

  test('Retry-After on a 429 parks the target for that long', async () => {
    const a = upstream('A');
    const b = upstream('B');
    a.set(() => json({ error: { message: 'slow down' } }, 429, { 'retry-after': '1' }));
    gw = await startTestGateway(config(`providers:\n${provider('a', a.url, '    priority: 0\n')}${provider('b', b.url, '    priority: 1\n')}`));
    expect((await chat()).body.choices![0].message.content).toBe('B');
    expect((await chat()).body.choices![0].message.content).toBe('B');
    expect(a.received.length).toBe(1);
  });
});

describe('load balancing', () => {
  test('priority tiers: the higher tier is used only when the lower one fails', async () => {
    const primary = upstream('P');
    const backup = upstream('S');
    gw = await startTestGateway(config(`providers:\n${provider('p', primary.url)}${provider('s', backup.url, '    priority: 1\n')}`));
    for (let i = 0; i < 10; i++) expect((await chat()).body.choices![0].message.content).toBe('P');
    expect(backup.received.length).toBe(0);
  });

  test('weights split traffic within tolerance (3:1 over 400 requests)', async () => {
    const a = upstream('A');
    const b = upstream('B');
    gw = await startTestGateway(config(`providers:\n${provider('a', a.url, '    weight: 3\n')}${provider('b', b.url, '    weight: 1\n')}`));
    const counts = { A: 0, B: 0 } as Record<string, number>;
    for (let round = 0; round < 8; round++) {
      const results = await Promise.all(Array.from({ length: 50 }, () => chat()));
      for (const r of results) counts[r.body.choices![0].message.content] += 1;
    }
    const share = counts.A / 400;
    expect(share).toBeGreaterThan(0.65);
    expect(share).toBeLessThan(0.85);
  });
});
