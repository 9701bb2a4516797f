// The dashboard's session cookie is Secure when the login came over HTTPS: directly, or through a proxy
// server.trust_proxy believes (its X-Forwarded-Proto). A client that is not such a proxy cannot claim it.

import { afterEach, expect, test } from 'bun:test';
import { type TestGateway, config, startTestGateway } from '../helpers/gateway.ts';

const ADMIN_TOKEN = 'adm-secure-cookie-token-0123456789';
let gw: TestGateway | undefined;
afterEach(async () => {
  await gw?.stop();
  gw = undefined;
});

async function cookieWith(server: string): Promise<string> {
  gw = await startTestGateway(config('providers:\n  mock: { adapter: mock, models: [mock-echo] }\n', `server:\n  admin_token: ${ADMIN_TOKEN}\n${server}`));
  const res = await fetch(`${gw.url}/dashboard/login`, {
    method: 'POST', headers: { 'content-type': 'application/json', 'x-forwarded-proto': 'https' }, body: JSON.stringify({ token: ADMIN_TOKEN }),
  });
  expect(res.status).toBe(200);
  return res.headers.get('set-cookie') ?? '';
}

test('X-Forwarded-Proto counts only from a trusted proxy', async () => {
  expect(await cookieWith('')).not.toContain('Secure');
  expect(await cookieWith('  trust_proxy: [10.0.0.0/8]\n')).not.toContain('Secure'); // 127.0.0.1 is not a listed proxy
  expect(await cookieWith('  trust_proxy: [127.0.0.1/32]\n')).toContain('Secure');
  expect(await cookieWith('  trust_proxy: true\n')).toContain('Secure');
});
