// A page on another site can post to /dashboard/login without a preflight (a form, or a no-cors fetch with
// a text/plain body). Such posts must not log anyone in nor lock the operator's address out of the admin
// API, /metrics and the login (the failed-token limit is per address); bodies that present no token (not
// JSON, too large) do not count as guesses either.

import { afterAll, beforeAll, expect, test } from 'bun:test';
import { type TestGateway, config, startTestGateway } from '../helpers/gateway.ts';

const ADMIN_TOKEN = 'adm-csrf-token-0123456789abcdef';
let gw: TestGateway;
beforeAll(async () => {
  gw = await startTestGateway(config('providers:\n  mock: { adapter: mock, models: [mock-echo] }\n', `server:\n  admin_token: ${ADMIN_TOKEN}\n`));
});
afterAll(() => gw.stop());

const login = (body: string, headers: Record<string, string>) => fetch(`${gw.url}/dashboard/login`, { method: 'POST', headers, body });
const adminStatus = async () => (await fetch(`${gw.url}/admin/config`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).status;

test('twelve logins whose body is no JSON (a foreign page\'s text/plain post) do not lock the admin out', async () => {
  for (let i = 0; i < 12; i++) {
    const res = await login('not json', { 'content-type': 'text/plain' });
    expect(res.status).toBe(400);
  }
  expect(await adminStatus()).toBe(200);
});

test('a login sent by another site is refused (403) before it counts, even with the right token', async () => {
  const foreign: Array<Record<string, string>> = [
    { 'sec-fetch-site': 'cross-site' },
    { 'sec-fetch-site': 'same-site' },
    { origin: 'https://evil.example' },
    { origin: 'null' },
  ];
  for (const headers of foreign) {
    const res = await login(JSON.stringify({ token: ADMIN_TOKEN }), { 'content-type': 'application/json', ...headers });
    expect(res.status).toBe(403);
    expect(res.headers.get('set-cookie')).toBeNull();
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('cross_site_login');
  }
  for (let i = 0; i < 12; i++) {
    const res = await login('token=wrong-guess', { 'content-type': 'application/x-www-form-urlencoded', 'sec-fetch-site': 'cross-site' });
    expect(res.status).toBe(403);
  }
  expect(await adminStatus()).toBe(200);
});

test('the dashboard page\'s own login (same origin) and a client without browser headers still log in', async () => {
  const host = new URL(gw.url).host;
  const own: Array<Record<string, string>> = [{ 'sec-fetch-site': 'same-origin' }, { origin: `http://${host}` }, {}];
  for (const headers of own) {
    const res = await login(JSON.stringify({ token: ADMIN_TOKEN }), { 'content-type': 'application/json', ...headers });
    expect(res.status).toBe(200);
    expect(res.headers.get('set-cookie')).toContain('switchyard_dashboard=');
  }
});

test('wrong tokens presented from the same site still count: the eleventh gets 429', async () => {
  const statuses: number[] = [];
  for (let i = 0; i < 11; i++) statuses.push((await login(JSON.stringify({ token: `wrong-${i}` }), { 'content-type': 'application/json' })).status);
  expect(statuses.slice(0, 10).every((s) => s === 401)).toBe(true);
  expect(statuses[10]).toBe(429);
});
