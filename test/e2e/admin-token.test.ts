// The admin token is taken only as README documents it, "Authorization: Bearer <token>" (admin API and
// /metrics), and only a presented-but-wrong token counts towards the per-address wrong-token lockout:
// requests without one (a scanner, a token-less Prometheus) get 401 but cannot lock the real admin out.

import { afterEach, expect, test } from 'bun:test';
import { type TestGateway, config, startTestGateway } from '../helpers/gateway.ts';

const ADMIN = 'adm-token-tests-0123456789';
let gw: TestGateway | undefined;
afterEach(async () => {
  await gw?.stop();
  gw = undefined;
});
const start = async () => (gw = await startTestGateway(config('providers:\n  mock: { adapter: mock, models: [mock-echo] }\n', `server:\n  admin_token: ${ADMIN}\n`)));
const get = (path: string, headers: Record<string, string> = {}) => fetch(`${gw!.url}${path}`, { headers });

test('the admin token counts only as "Authorization: Bearer"', async () => {
  await start();
  for (const path of ['/admin/keys', '/metrics']) {
    expect((await get(path, { authorization: `Bearer ${ADMIN}` })).status).toBe(200);
    const wrongWays: Array<Record<string, string>> = [{ 'x-api-key': ADMIN }, { 'api-key': ADMIN }, { authorization: ADMIN }];
    for (const headers of wrongWays) {
      const res = await get(path, headers);
      expect(res.status).toBe(401);
      expect(((await res.json()) as { error: { message: string } }).error.message).toContain('Authorization: Bearer');
    }
  }
});

test('requests without a token do not count towards the wrong-token lockout', async () => {
  await start();
  for (let i = 0; i < 12; i++) {
    expect((await get('/admin/keys')).status).toBe(401);
    expect((await get('/metrics', { 'x-api-key': 'not-how-it-is-sent' })).status).toBe(401);
    expect((await get('/admin/config', { authorization: 'Basic dXNlcjpwYXNz' })).status).toBe(401);
    const login = await fetch(`${gw!.url}/dashboard/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(login.status).toBe(401);
  }
  expect((await get('/admin/keys', { authorization: `Bearer ${ADMIN}` })).status).toBe(200);
  expect((await get('/metrics', { authorization: `Bearer ${ADMIN}` })).status).toBe(200);
  // Wrong tokens still do.
  for (let i = 0; i < 10; i++) expect((await get('/admin/keys', { authorization: `Bearer guess-${i}` })).status).toBe(401);
  expect((await get('/admin/keys', { authorization: `Bearer ${ADMIN}` })).status).toBe(429);
});
