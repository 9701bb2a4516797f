// The onUpstreamStreamEvent hook (provider scope), end to end against a fake OpenAI upstream streaming SSE:
// it runs on each raw event before the adapter decodes it (a rewrite reaches the client, a dropped event
// never does), an unusable return value is a 500 plugin_error before the first byte, and the hook counts as a
// provider hook when the config loads (listed on a route it is rejected, not silently skipped).

import { afterAll, beforeAll, expect, test } from 'bun:test';
import { join } from 'node:path';
import { ConfigInvalidError } from '../../src/gateway.ts';
import { type FakeUpstream, chatChunks, sse, startFakeUpstream } from '../helpers/fake-upstream.ts';
import { startTestGateway } from '../helpers/gateway.ts';
import { type E2EGateway, FIXTURES, TEST_KEY, chatBody, postJson, sseData, startE2E } from './helpers.ts';

let up: FakeUpstream;
let gw: E2EGateway;
const yaml = (where: 'provider' | 'route') => `version: 1
keys:
  - { name: tester, key: ${TEST_KEY} }
plugins:
  events: { module: ${join(FIXTURES, 'upstream-events.ts')} }
providers:
  up:
    adapter: openai
    base_url: ${up.url}/v1
    api_key: sk-up
    models: [m]
${where === 'provider' ? '    plugins: [events]' : 'routes:\n  - { path: /r, plugins: [events] }'}
routing:
  retry: { attempts: 0 }
`;

beforeAll(async () => {
  up = startFakeUpstream((_req, body) => {
    const prompt = (JSON.parse(body) as { messages: Array<{ content: string }> }).messages.at(-1)!.content;
    return sse(chatChunks(prompt.split(' ').map((w, i) => (i ? ` ${w}` : w))));
  });
  gw = await startE2E(yaml('provider'));
});
afterAll(async () => {
  await gw?.stop();
  up?.stop();
});

const content = (data: string[]) => data.filter((d) => d !== '[DONE]').map((d) => (JSON.parse(d) as { choices: Array<{ delta?: { content?: string } }> }).choices[0]?.delta?.content ?? '').join('');

test('a raw event rewritten by the hook reaches the client changed; a dropped event never arrives', async () => {
  const res = await postJson(`${gw.url}/v1/chat/completions`, chatBody('my colour secret-word here', 'm', { stream: true }));
  expect(res.status).toBe(200);
  const data = await sseData(res);
  expect(content(data)).toBe('my color here');
  expect(data.at(-1)).toBe('[DONE]');
});

test('an unusable return value is a 500 plugin_error before the first byte', async () => {
  const res = await postJson(`${gw.url}/v1/chat/completions`, chatBody('garbage', 'm', { stream: true }));
  expect(res.status).toBe(500);
  const body = (await res.json()) as { error: { code: string; message: string } };
  expect(body.error.code).toBe('plugin_error');
  expect(body.error.message).toContain('onUpstreamStreamEvent');
});

test('listed on a route, the provider-only hook is rejected at load', async () => {
  const err = await startTestGateway(yaml('route')).then(async (g) => { await g.stop(); return undefined; }, (e: unknown) => e);
  expect(err).toBeInstanceOf(ConfigInvalidError);
  expect((err as ConfigInvalidError).problems.join('\n')).toContain('its hooks (onUpstreamStreamEvent) run only for providers');
});
