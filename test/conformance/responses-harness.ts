// Harness for the Responses surface tests: the strict fakes (OpenAI chat, Anthropic, Gemini, and the
// OpenAI Responses fake reached both as OpenAI and as Azure's v1 API) behind one gateway with two keys,
// the targets every test runs against, and a ledger spy (rows by request id).

import { TEST_KEY, type TestGateway, config, startTestGateway } from '../helpers/gateway.ts';
import type { RequestRow } from '../../src/runtime/contracts.ts';
import { startAnthropicFake } from './fakes/anthropic.ts';
import { startGeminiFake } from './fakes/gemini.ts';
import { startOpenAIFake } from './fakes/openai-chat.ts';
import { startResponsesFake } from './fakes/openai-responses.ts';
import type { StrictFake } from './fakes/strict-server.ts';
import { GEMINI_MODEL, KEYS } from './harness.ts';

export const OTHER_KEY = 'sk-test-other-key-9876543210';
/** A key whose budget cannot cover one request. */
export const POOR_KEY = 'sk-test-poor-key-5555555555';

export type RFake = 'openai' | 'anthropic' | 'gemini' | 'responses';

export interface RTarget {
  name: string;
  model: string;
  fake: RFake;
  /** test/fixtures/<dir>/conformance-*. */
  dir: string;
  /** Goes upstream as Responses (else translated to chat). */
  native: boolean;
}

export const R_TARGETS: RTarget[] = [
  { name: 'openai chat (translated)', model: 'oa-chat', fake: 'openai', dir: 'openai', native: false },
  { name: 'anthropic', model: 'claude-chat', fake: 'anthropic', dir: 'anthropic', native: false },
  { name: 'gemini', model: 'gem-chat', fake: 'gemini', dir: 'gemini', native: false },
  { name: 'openai responses (native)', model: 'resp-native', fake: 'responses', dir: 'openai-responses', native: true },
  { name: 'azure v1 responses (native)', model: 'az-native', fake: 'responses', dir: 'openai-responses', native: true },
];

export interface RHarness {
  gw: TestGateway;
  fakes: Record<RFake, StrictFake>;
  rows: Map<string, RequestRow>;
  reset(): void;
  stop(): Promise<void>;
}

export const PRICE = '{ input: 2.5, output: 10, cached_input: 1.25 }';

export async function startResponsesHarness(): Promise<RHarness> {
  const fakes: Record<RFake, StrictFake> = {
    openai: startOpenAIFake({ apiKey: KEYS.openai, clientKey: TEST_KEY, models: ['gpt-4o'] }),
    anthropic: startAnthropicFake({ apiKey: KEYS.anthropic, clientKey: TEST_KEY }),
    gemini: startGeminiFake({ apiKey: KEYS.gemini, clientKey: TEST_KEY, models: [GEMINI_MODEL] }),
    responses: startResponsesFake({ apiKey: KEYS.openai, clientKey: TEST_KEY, models: ['gpt-5', 'gpt5-prod'] }),
  };
  const gw = await startTestGateway(config(`  - name: other
    key: ${OTHER_KEY}
  - name: poor
    key: ${POOR_KEY}
    budget: 0.000001
providers:
  oa: { adapter: openai, base_url: ${fakes.openai.url}/v1, api_key: ${KEYS.openai}, models: { oa-chat: gpt-4o } }
  claude: { adapter: anthropic, base_url: ${fakes.anthropic.url}, api_key: ${KEYS.anthropic}, models: { claude-chat: claude-sonnet-4-5 } }
  gem: { adapter: gemini, base_url: ${fakes.gemini.url}, api_key: ${KEYS.gemini}, models: { gem-chat: ${GEMINI_MODEL} } }
  oresp: { adapter: openai, base_url: ${fakes.responses.url}/v1, api_key: ${KEYS.openai}, responses_api: true, models: { resp-native: gpt-5 } }
  azresp: { adapter: azure, base_url: ${fakes.responses.url}/openai/v1, api_key: ${KEYS.openai}, models: { az-native: gpt5-prod } }
models:
  oa-chat: { price: ${PRICE} }
  claude-chat: { price: ${PRICE} }
  gem-chat: { price: ${PRICE} }
  resp-native: { price: ${PRICE} }
  az-native: { price: ${PRICE} }
  mixed:
    price: ${PRICE}
    targets:
      - { provider: oresp, model: gpt-5, priority: 0 }
      - { provider: claude, model: claude-sonnet-4-5, priority: 1 }
routes:
  - { path: /codex, protocol: responses }
routing:
  retry: { attempts: 1 }
`));
  const rows = new Map<string, RequestRow>();
  const inner = gw.runtime.ledger;
  gw.runtime.ledger = { ...inner, record: (row, attempts) => { rows.set(row.id, row); inner.record(row, attempts); } };
  return {
    gw, fakes, rows,
    reset: () => Object.values(fakes).forEach((f) => f.reset()),
    stop: async () => {
      await gw.stop();
      Object.values(fakes).forEach((f) => f.stop());
    },
  };
}

/** The ledger row of a request, once its finaliser ran. */
export async function rowOf(h: RHarness, requestId: string | null): Promise<RequestRow> {
  for (let i = 0; i < 100; i++) {
    const row = requestId ? h.rows.get(requestId) : undefined;
    if (row) return row;
    await Bun.sleep(10);
  }
  throw new Error(`no ledger row for ${requestId}`);
}

export function turnOf(t: RTarget, name: 'text' | 'tools' | 'answer') {
  return { json: `${t.dir}/conformance-${name}.json`, sse: `${t.dir}/conformance-${name}.sse` };
}
