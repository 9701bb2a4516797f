// Test fixture for the dashboard and provider checks: a healthy and a failing fake OpenAI upstream
// (real HTTP servers on 127.0.0.1), a gateway with an admin token, two keys with budgets, a priced, an
// unpriced and a broken model, and real traffic through it (the failing target's breaker opens).

import { chatCompletion, json, startFakeUpstream, type FakeUpstream } from './fake-upstream.ts';
import { ADMIN, chat, harness, type Harness } from '../ledger/harness.ts';

export const FIXTURE_KEYS = { alice: 'sk-dash-alice-0123456789abcdef', bob: 'sk-dash-bob-0123456789abcdef' };
export const PROVIDER_SECRETS = { good: 'sk-good-provider-secret-0123456789', bad: 'sk-bad-provider-secret-0123456789' };

export interface DashboardFixture {
  h: Harness;
  good: FakeUpstream;
  bad: FakeUpstream;
  stop(): Promise<void>;
}

export function fixtureYaml(goodUrl: string, badUrl: string, extra = ''): string {
  return `version: 1
server: { admin_token: ${ADMIN} }
providers:
  good: { adapter: openai, base_url: ${goodUrl}/v1, api_key: ${PROVIDER_SECRETS.good}, models: { m: up-m, free: up-free } }
  bad: { adapter: openai, base_url: ${badUrl}/v1, api_key: ${PROVIDER_SECRETS.bad}, models: { broken: up-broken } }
models:
  m: { price: { input: 3, output: 15 } }
  broken: { price: { input: 1, output: 1 } }
routing: { retry: { attempts: 0 }, circuit_breaker: { failures: 2, cooldown_ms: 600000 }${extra} }
keys:
  - { name: alice, key: ${FIXTURE_KEYS.alice}, budget: 10 }
  - { name: bob, key: ${FIXTURE_KEYS.bob}, budget: 5, limits: { rpm: 1000 } }
`;
}

/** Starts everything and sends: 3 alice + 2 bob calls to m, 1 to the unpriced model, 2 failing calls. */
export async function startDashboardFixture(): Promise<DashboardFixture> {
  const good = startFakeUpstream((_req, body) => {
    const { model } = JSON.parse(body) as { model: string };
    return json(chatCompletion('hello', model, { prompt_tokens: 1000, completion_tokens: 200, total_tokens: 1200 }));
  });
  const bad = startFakeUpstream(() => json({ error: { message: 'upstream exploded', type: 'server_error' } }, 500));
  const h = await harness(fixtureYaml(good.url, bad.url));
  for (let i = 0; i < 3; i++) await (await chat(h.url, { model: 'm' }, FIXTURE_KEYS.alice)).text();
  for (let i = 0; i < 2; i++) await (await chat(h.url, { model: 'm' }, FIXTURE_KEYS.bob)).text();
  await (await chat(h.url, { model: 'free' }, FIXTURE_KEYS.bob)).text();
  for (let i = 0; i < 2; i++) await (await chat(h.url, { model: 'broken' }, FIXTURE_KEYS.alice)).text();
  await h.gw.runtime.ledger.flush();
  return {
    h, good, bad,
    async stop() {
      await h.cleanup();
      good.stop();
      bad.stop();
    },
  };
}
