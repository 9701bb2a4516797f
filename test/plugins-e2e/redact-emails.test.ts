// The example plugin plugins/examples/redact-emails.ts through the gateway: the mock provider echoes
// the user message, so the answer shows what reached the provider.

import { afterAll, beforeAll, expect, test } from 'bun:test';
import { join } from 'node:path';
import { type E2EGateway, REPO, TEST_KEY, chatBody, postJson, sseData, startE2E } from './helpers.ts';

let gw: E2EGateway;

beforeAll(async () => {
  gw = await startE2E(`version: 1
keys:
  - name: tester
    key: ${TEST_KEY}
providers:
  mock:
    adapter: mock
    models: [mock-echo]
plugins:
  redact-emails: { module: ${join(REPO, 'plugins', 'examples', 'redact-emails.ts')} }
routes:
  - { path: /private, plugins: [redact-emails] }
`);
});
afterAll(async () => {
  await gw?.stop();
});

const content = async (res: Response) => ((await res.json()) as { choices: Array<{ message: { content: string } }> }).choices[0].message.content;

test('emails in user messages are masked before the provider sees them', async () => {
  const res = await postJson(`${gw.url}/private/v1/chat/completions`, chatBody('mail jane.doe+x@example.co.uk or bob@corp.io today', 'mock-echo'));
  expect(await content(res)).toBe('You said: mail [email] or [email] today');
});

test('content parts are masked too; streams carry the masked text', async () => {
  const parts = { model: 'mock-echo', messages: [{ role: 'user', content: [{ type: 'text', text: 'write to a@b.cd' }] }] };
  expect(await content(await postJson(`${gw.url}/private/v1/chat/completions`, parts))).toBe('You said: write to [email]');
  const stream = await postJson(`${gw.url}/private/v1/chat/completions`, chatBody('ping x@y.org', 'mock-echo', { stream: true }));
  const text = (await sseData(stream)).filter((d) => d !== '[DONE]').map((d) => JSON.parse(d).choices[0]?.delta?.content ?? '').join('');
  expect(text).toBe('You said: ping [email]');
});

test('other routes are untouched', async () => {
  expect(await content(await postJson(`${gw.url}/v1/chat/completions`, chatBody('me@example.com', 'mock-echo')))).toBe('You said: me@example.com');
});
