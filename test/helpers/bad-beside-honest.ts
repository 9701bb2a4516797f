// A misbehaving upstream beside an honest one, behind one test gateway: provider `<name>` serves model
// `only-<name>` alone and model `both` at priority 0; provider `honest` (a plain streamed "hello") serves
// `both` at priority 1, so `both` shows failover and `only-<name>` the error a client gets. One retry.

import { type Behaviour, type FakeUpstream, chatChunks, sse, startFakeUpstream } from './fake-upstream.ts';
import { TEST_KEY, type TestGateway, config, startTestGateway } from './gateway.ts';

export interface BadBesideHonest {
  gw: TestGateway;
  bad: FakeUpstream;
  honest: FakeUpstream;
  /** POSTs a streamed chat request for `model` (`only-<name>` or `both`). */
  stream(model: string): Promise<Response>;
  stop(): void;
}

/** `fields`: extra provider fields for the bad one (e.g. `timeout_ms: 600`). */
export async function startBadBesideHonest(name: string, behaviour: Behaviour, fields = ''): Promise<BadBesideHonest> {
  const bad = startFakeUpstream(behaviour);
  const honest = startFakeUpstream(() => sse(chatChunks(['hello'])));
  const gw = await startTestGateway(config(`providers:
  ${name}: { adapter: openai, base_url: ${bad.url}/v1, api_key: sk-${name}-000000,${fields ? ` ${fields},` : ''} models: { only-${name}: up-model, both: up-model }, priority: 0 }
  honest: { adapter: openai, base_url: ${honest.url}/v1, api_key: sk-honest-000000, models: { both: up-model }, priority: 1 }
routing: { retry: { attempts: 1, backoff_ms: 1 } }
`));
  return {
    gw, bad, honest,
    stream: (model) => fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST', headers: { authorization: `Bearer ${TEST_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model, stream: true, messages: [{ role: 'user', content: 'hi' }] }),
    }),
    stop() {
      gw.stop();
      bad.stop();
      honest.stop();
    },
  };
}
