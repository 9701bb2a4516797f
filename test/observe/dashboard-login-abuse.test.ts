// The dashboard's login is the one endpoint that reads a body before any authentication. An attacker
// must not hold connections with it (a trickled or huge body), nor slip past the failed-login limit
// by sending many guesses at once.

import { afterAll, beforeAll, expect, test } from 'bun:test';
import net from 'node:net';
import { type TestGateway, config, startTestGateway } from '../helpers/gateway.ts';

const ADMIN_TOKEN = 'adm-login-abuse-token-0123456789';
let gw: TestGateway;
beforeAll(async () => {
  gw = await startTestGateway(config('providers:\n  mock: { adapter: mock, models: [mock-echo] }\n', `server:\n  admin_token: ${ADMIN_TOKEN}\n  body_timeout_ms: 600\n`));
});
afterAll(() => gw.stop());

/** Sends a login head announcing `length` bytes, then one byte every 100 ms; what the client saw, and when. */
function trickleLogin(length: number): Promise<{ status: number; answeredAfter?: number; closedAfter?: number }> {
  return new Promise((resolve) => {
    const sock = net.connect(gw.port, '127.0.0.1');
    const t0 = Date.now();
    let text = '';
    let answeredAfter: number | undefined;
    const finish = (closedAfter?: number) => {
      clearInterval(drip);
      clearTimeout(limit);
      sock.destroy();
      resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0), answeredAfter, closedAfter });
    };
    sock.on('data', (d) => {
      answeredAfter ??= Date.now() - t0;
      text += d.toString();
    });
    sock.on('close', () => finish(Date.now() - t0));
    sock.on('error', () => {});
    sock.write(`POST /dashboard/login HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\ncontent-length: ${length}\r\n\r\n{"token":"`);
    const drip = setInterval(() => sock.write('x'), 100);
    const limit = setTimeout(() => finish(undefined), 4000);
  });
}

test('a trickled login body gets 408 within the body deadline and the connection is closed', async () => {
  const seen = await trickleLogin(4000);
  expect(seen.status).toBe(408);
  expect(seen.closedAfter).toBeDefined();
  expect(seen.closedAfter!).toBeLessThan(2500);
});

test('a login body larger than a token is refused at once (413), without reading it', async () => {
  const seen = await trickleLogin(50 * 1024 * 1024);
  expect(seen.status).toBe(413);
  expect(seen.answeredAfter!).toBeLessThan(500);
  expect(seen.closedAfter).toBeDefined();
});

/** A wrong login whose body arrives in two parts: the second when `release` resolves. Resolves to the status. */
function splitLogin(guess: string, release: Promise<void>): Promise<number> {
  const body = JSON.stringify({ token: guess });
  return new Promise((resolve) => {
    const sock = net.connect(gw.port, '127.0.0.1');
    let text = '';
    sock.on('data', (d) => (text += d.toString()));
    sock.on('close', () => resolve(Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0)));
    sock.on('error', () => {});
    sock.write(`POST /dashboard/login HTTP/1.1\r\nhost: 127.0.0.1\r\nconnection: close\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\n\r\n${body.slice(0, 5)}`);
    void release.then(() => sock.write(body.slice(5)));
  });
}

test('30 wrong logins in flight at once: no more than 10 are checked, the rest get 429', async () => {
  let release!: () => void;
  const released = new Promise<void>((r) => (release = r));
  const answers = Array.from({ length: 30 }, (_, i) => splitLogin(`guess-${i}`, released));
  await Bun.sleep(300);
  release();
  const statuses = await Promise.all(answers);
  expect(statuses.filter((s) => s === 401).length).toBeLessThanOrEqual(10);
  expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(20);
  const right = await fetch(`${gw.url}/dashboard/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: ADMIN_TOKEN }) });
  expect(right.status).toBe(429);
});

test('the admin API and /metrics share the limit: 10 wrong tokens there lock the address out everywhere', async () => {
  const other = await startTestGateway(config('providers:\n  mock: { adapter: mock, models: [mock-echo] }\n', `server:\n  admin_token: ${ADMIN_TOKEN}\n`));
  try {
    const adminGet = (token: string, path = '/admin/keys') => fetch(`${other.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
    expect((await adminGet(ADMIN_TOKEN)).status).toBe(200);
    for (let i = 0; i < 6; i++) expect((await adminGet(`guess-${i}`)).status).toBe(401);
    for (let i = 0; i < 4; i++) expect((await adminGet(`guess-${i}`, '/metrics')).status).toBe(401);
    const locked = await adminGet(ADMIN_TOKEN);
    expect(locked.status).toBe(429);
    expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(((await locked.json()) as { error: { code: string } }).error.code).toBe('too_many_wrong_tokens');
    expect((await adminGet(ADMIN_TOKEN, '/metrics')).status).toBe(429);
    const login = await fetch(`${other.url}/dashboard/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: ADMIN_TOKEN }) });
    expect(login.status).toBe(429);
  } finally {
    await other.stop();
  }
});
