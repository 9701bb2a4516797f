// An upstream's error may name the operator's account (OpenAI's 429: "Rate limit reached for org-… in
// organization …"): the client gets the message without it, on the OpenAI and the Anthropic surface.

import { afterAll, beforeAll, expect, test } from 'bun:test';
import { json, upstreamPool } from '../helpers/fake-upstream.ts';
import { TEST_KEY, type TestGateway, config, startTestGateway } from '../helpers/gateway.ts';

const ORG = 'org-SECRETorg0123456789';
const pool = upstreamPool(afterAll);
const up = pool(() => json({ error: { message: `Rate limit reached for gpt-4o in organization ${ORG} on requests per min (RPM): Limit 3, Used 3.`, type: 'requests', code: 'rate_limit_exceeded', param: null } }, 429, { 'retry-after': '1' }));
let gw: TestGateway;
beforeAll(async () => {
  gw = await startTestGateway(config(`providers:\n  u: { adapter: openai, base_url: ${up.url}, models: [m] }`, 'routing:\n  retry: { attempts: 1 }'));
});
afterAll(async () => {
  await gw.stop();
});

test('a 429 naming the organization reaches the client without it', async () => {
  const openai = await fetch(`${gw.url}/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${TEST_KEY}`, 'content-type': 'application/json' }, body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'hi' }] }) });
  expect(openai.status).toBe(429);
  const text = await openai.text();
  expect(text).toContain('Rate limit reached');
  expect(text).not.toContain('SECRETorg');
  const anthropic = await fetch(`${gw.url}/v1/messages`, { method: 'POST', headers: { 'x-api-key': TEST_KEY, 'anthropic-version': '2023-06-01', 'content-type': 'application/json' }, body: JSON.stringify({ model: 'm', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] }) });
  expect(anthropic.status).toBe(429);
  expect(await anthropic.text()).not.toContain('SECRETorg');
});
