// Config keys confirmed once per gateway snapshot (authenticate.ts's memo): a remembered key stops
// working as soon as a reload removes or revokes it, a wrong key is never remembered, and runtime keys
// are looked up every time, so a revoked one is refused on its next request.
// (A config key is revoked by removing it from the file, or with expires_at.)

import { afterEach, expect, test } from 'bun:test';
import { TEST_KEY, type TestGateway, config, startTestGateway } from '../helpers/gateway.ts';

let gw: TestGateway | undefined;
afterEach(async () => {
  await gw?.stop();
  gw = undefined;
});

const ADMIN = 'admin-token-123456';
const providers = 'providers:\n  mock:\n    adapter: mock\n    models: [mock-echo]\nmodels:\n  mock-echo: { price: { input: 0, output: 0 } }\n';

async function chat(key: string): Promise<{ status: number; code?: string }> {
  const res = await fetch(`${gw!.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'mock-echo', messages: [{ role: 'user', content: 'hi' }] }),
  });
  const body = (await res.json()) as { error?: { code?: string } };
  return { status: res.status, code: body.error?.code };
}

test('a remembered config key is refused after a reload removes it, and after one expires it', async () => {
  gw = await startTestGateway(config(providers, `server:\n  admin_token: ${ADMIN}\n`));
  for (let i = 0; i < 3; i++) expect((await chat(TEST_KEY)).status).toBe(200);
  // A near-miss of a remembered key is still refused.
  expect(await chat(TEST_KEY.slice(0, -1) + 'X')).toEqual({ status: 401, code: 'invalid_api_key' });
  expect(await chat(`${TEST_KEY} `)).toEqual({ status: 200, code: undefined }); // surrounding blanks are trimmed, as before

  gw.write(config(providers, `server:\n  admin_token: ${ADMIN}\n`).replace(`key: ${TEST_KEY}`, 'key: sk-another-key-0123456789'));
  expect(await gw.reload('test')).toBe(true);
  expect(await chat(TEST_KEY)).toEqual({ status: 401, code: 'invalid_api_key' });
  expect((await chat('sk-another-key-0123456789')).status).toBe(200);

  gw.write(config(providers, `server:\n  admin_token: ${ADMIN}\n`).replace(`key: ${TEST_KEY}`, `key: ${TEST_KEY}\n    expires_at: "2020-01-01T00:00:00Z"`));
  expect(await gw.reload('test')).toBe(true);
  expect((await chat(TEST_KEY)).code).toBe('expired_api_key');
});

test('a runtime key is looked up on every request: revoked, it is refused at once', async () => {
  gw = await startTestGateway(config(providers, `server:\n  admin_token: ${ADMIN}\n`));
  const admin = { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' };
  const created = await fetch(`${gw.url}/admin/keys`, { method: 'POST', headers: admin, body: JSON.stringify({ name: 'rt' }) });
  expect(created.status).toBe(201);
  const { key } = (await created.json()) as { key: string };
  for (let i = 0; i < 3; i++) expect((await chat(key)).status).toBe(200);
  const revoked = await fetch(`${gw.url}/admin/keys/rt`, { method: 'DELETE', headers: admin });
  expect(revoked.status).toBeLessThan(300);
  expect(await chat(key)).toEqual({ status: 401, code: 'revoked_api_key' });
});
