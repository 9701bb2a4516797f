// Cross-check of the four inbound surfaces (OpenAI chat, Anthropic Messages, Responses, Gemini native),
// each driven by its official SDK, against every upstream kind (OpenAI-compatible chat, Anthropic,
// Gemini, Azure, and the native Responses API where it applies): the same conversation (a text turn and
// a two-turn tool loop), plain and streamed, gives the same text, tool calls, reported usage and billed
// cost in the ledger (rows read from the ledger database by the x-request-id the SDK saw).

import { afterAll, afterEach, beforeAll, describe, expect, test } from 'bun:test';
import { join } from 'node:path';
import Anthropic from '@anthropic-ai/sdk';
import { GoogleGenAI } from '@google/genai';
import OpenAI from 'openai';
import { openStore, sqliteStore, type Store } from '../../src/store/open.ts';
import { TEST_KEY, type TestGateway, config, startTestGateway } from '../helpers/gateway.ts';
import { startAnthropicFake } from './fakes/anthropic.ts';
import { startAzureFake } from './fakes/azure.ts';
import { startGeminiFake } from './fakes/gemini.ts';
import { startOpenAIFake } from './fakes/openai-chat.ts';
import { startResponsesFake } from './fakes/openai-responses.ts';
import { type StrictFake, fixtureJson, fixtureText } from './fakes/strict-server.ts';
import { ANSWER, AZURE_DEPLOYMENT, EXPECTED_CALLS, GEMINI_MODEL, HELLO, KEYS } from './harness.ts';
import { type SurfaceDriver, type TurnResult, allDrivers } from './surface-drivers.ts';

type Usage = { input: number; cached: number; output: number };
type FakeName = 'openai' | 'anthropic' | 'gemini' | 'azure' | 'responses';

interface Upstream {
  name: string;
  model: string;
  fake: FakeName;
  /** test/fixtures/<dir>/conformance-*. */
  dir: string;
  /** Only these surfaces reach it (the native Responses upstream serves the Responses surface). */
  surfaces?: Array<SurfaceDriver['name']>;
  /** Billed micro-dollars per turn, from the fixture's usage at PRICE. */
  cost: { text: number; tools: number; answer: number };
  /** Usage per turn as every surface must report it (all prompt tokens, of them cached, output). */
  usage: { text: Usage; tools: Usage; answer: Usage };
}

// Per 1M tokens, so micro-dollars = tokens × price. Cached input and cache writes have their own price.
const PRICE = '{ input: 2, output: 8, cached_input: 0.5, cache_write: 2.5 }';
// text: 25 prompt tokens of which 4 cached, 9 out; tools: 310 in, 96 out; answer: 420 in, 22 out.
const SAME = { text: 21 * 2 + 4 * 0.5 + 9 * 8, tools: 310 * 2 + 96 * 8, answer: 420 * 2 + 22 * 8 };
const USAGE = { text: { input: 25, cached: 4, output: 9 }, tools: { input: 310, cached: 0, output: 96 }, answer: { input: 420, cached: 0, output: 22 } };

const UPSTREAMS: Upstream[] = [
  { name: 'openai chat', model: 'oa', fake: 'openai', dir: 'openai', cost: SAME, usage: USAGE },
  { name: 'anthropic', model: 'claude', fake: 'anthropic', dir: 'anthropic', cost: SAME, usage: USAGE },
  // Gemini's tool turn: 70 prompt tokens, 20 candidates + 30 thoughts billed as output.
  { name: 'gemini', model: 'gem', fake: 'gemini', dir: 'gemini', cost: { ...SAME, tools: 70 * 2 + 50 * 8 }, usage: { ...USAGE, tools: { input: 70, cached: 0, output: 50 } } },
  { name: 'azure', model: 'az', fake: 'azure', dir: 'azure', cost: SAME, usage: USAGE },
  { name: 'openai responses (native)', model: 'oresp', fake: 'responses', dir: 'openai-responses', surfaces: ['responses'], cost: SAME, usage: USAGE },
  { name: 'azure v1 responses (native)', model: 'azresp', fake: 'responses', dir: 'openai-responses', surfaces: ['responses'], cost: SAME, usage: USAGE },
];

let gw: TestGateway;
let fakes: Record<FakeName, StrictFake>;
let store: Store;
let drivers: SurfaceDriver[];

beforeAll(async () => {
  fakes = {
    openai: startOpenAIFake({ apiKey: KEYS.openai, clientKey: TEST_KEY, models: ['gpt-4o'] }),
    anthropic: startAnthropicFake({ apiKey: KEYS.anthropic, clientKey: TEST_KEY }),
    gemini: startGeminiFake({ apiKey: KEYS.gemini, clientKey: TEST_KEY, models: [GEMINI_MODEL] }),
    azure: startAzureFake({ apiKey: KEYS.azure, clientKey: TEST_KEY, deployments: [AZURE_DEPLOYMENT] }),
    responses: startResponsesFake({ apiKey: KEYS.openai, clientKey: TEST_KEY, models: ['gpt-5', 'gpt5-prod'] }),
  };
  gw = await startTestGateway(config(`
providers:
  oa: { adapter: openai, base_url: ${fakes.openai.url}/v1, api_key: ${KEYS.openai}, models: { oa: gpt-4o } }
  claude: { adapter: anthropic, base_url: ${fakes.anthropic.url}, api_key: ${KEYS.anthropic}, models: { claude: claude-sonnet-4-5 } }
  gem: { adapter: gemini, base_url: ${fakes.gemini.url}, api_key: ${KEYS.gemini}, models: { gem: ${GEMINI_MODEL} } }
  az: { adapter: azure, base_url: ${fakes.azure.url}, api_key: ${KEYS.azure}, api_version: "2024-10-21", models: { az: ${AZURE_DEPLOYMENT} } }
  oresp: { adapter: openai, base_url: ${fakes.responses.url}/v1, api_key: ${KEYS.openai}, responses_api: true, models: { oresp: gpt-5 } }
  azresp: { adapter: azure, base_url: ${fakes.responses.url}/openai/v1, api_key: ${KEYS.openai}, models: { azresp: gpt5-prod } }
models:
${UPSTREAMS.map((u) => `  ${u.model}: { price: ${PRICE} }`).join('\n')}
routing:
  retry: { attempts: 1 }
`));
  store = await openStore(`file:${join(gw.dir, 'ledger.db')}`, undefined, { migrate: false });
  drivers = allDrivers({
    openai: new OpenAI({ apiKey: TEST_KEY, baseURL: `${gw.url}/v1`, maxRetries: 0 }),
    anthropic: new Anthropic({ apiKey: TEST_KEY, baseURL: gw.url, maxRetries: 0 }),
    genai: new GoogleGenAI({ apiKey: TEST_KEY, httpOptions: { baseUrl: gw.url } }),
  });
});
afterAll(async () => {
  await store.close();
  await gw.stop();
  Object.values(fakes).forEach((f) => f.stop());
});
afterEach(() => {
  const rejected = Object.entries(fakes).flatMap(([name, f]) => f.rejections.map((r) => `${name}: ${r}`));
  Object.values(fakes).forEach((f) => f.reset());
  expect(rejected).toEqual([]);
});

/** Billed cost and status of the ledger rows with these request ids, in order. */
async function ledger(ids: string[]): Promise<Array<{ cost: number; status: number; stream: boolean; usage: string }>> {
  await gw.runtime.ledger.flush();
  const res = await sqliteStore(store).client.execute({
    sql: `SELECT id, cost_micros, status, stream, usage_source FROM requests WHERE id IN (${ids.map(() => '?').join(',')})`,
    args: ids,
  });
  const byId = new Map(res.rows.map((r) => [String(r[0]), { cost: Number(r[1]), status: Number(r[2]), stream: Boolean(Number(r[3])), usage: String(r[4]) }]));
  return ids.map((id) => byId.get(id) ?? { cost: -1, status: -1, stream: false, usage: `no ledger row for ${id}` });
}

const turns = (u: Upstream, ...names: Array<'text' | 'tools' | 'answer'>) =>
  names.map((n) => ({ json: `${u.dir}/conformance-${n}.json`, sse: `${u.dir}/conformance-${n}.sse` }));

const shape = (r: TurnResult) => ({ text: r.text, calls: r.calls, usage: r.usage });

describe.each(UPSTREAMS)('$name upstream', (u) => {
  const surfaces = () => drivers.filter((d) => !u.surfaces || u.surfaces.includes(d.name));

  test('every surface, plain and streamed: the same text, tool calls, usage and billed cost', async () => {
    const seen: Record<string, unknown> = {};
    const want: Record<string, unknown> = {};
    for (const d of surfaces()) {
      for (const stream of [false, true]) {
        const label = `${d.name}${stream ? ' (stream)' : ''}`;
        fakes[u.fake].script(...turns(u, 'text', 'tools', 'answer'));
        const hello = await d.hello(u.model, stream);
        const [tools, answer] = await d.toolLoop(u.model, stream);
        const rows = await ledger([hello.requestId, tools.requestId, answer.requestId]);
        seen[label] = {
          hello: shape(hello), calls: tools.calls, toolsUsage: tools.usage, answer: shape(answer),
          rows: rows.map((r) => ({ cost: r.cost, status: r.status, stream: r.stream, usage: r.usage })),
        };
        const row = (cost: number) => ({ cost, status: 200, stream, usage: 'upstream' });
        want[label] = {
          hello: { text: HELLO, calls: [], usage: u.usage.text }, calls: EXPECTED_CALLS.map((c) => ({ name: c.name, args: c.args })), toolsUsage: u.usage.tools,
          answer: { text: ANSWER, calls: [], usage: u.usage.answer },
          rows: [row(u.cost.text), row(u.cost.tools), row(u.cost.answer)],
        };
      }
    }
    expect(seen).toEqual(want);
  });
});

describe('prompt-cache writes and reads from Anthropic', () => {
  // 100 uncached input tokens, 1000 written to the cache, 2000 read from it, 9 out.
  const usage = { input_tokens: 100, cache_creation_input_tokens: 1000, cache_read_input_tokens: 2000 };
  const cost = 100 * 2 + 1000 * 2.5 + 2000 * 0.5 + 9 * 8;
  const cachedTurn = () => ({
    json: { ...fixtureJson<object>('anthropic/conformance-text.json'), usage: { ...usage, output_tokens: 9 } },
    sse: fixtureText('anthropic/conformance-text.sse').replace('"input_tokens": 21, "cache_creation_input_tokens": 0, "cache_read_input_tokens": 4', JSON.stringify(usage).slice(1, -1)),
  });

  test('every surface, plain and streamed, bills cache writes at cache_write and reads at cached_input', async () => {
    const seen: Record<string, unknown> = {};
    const want: Record<string, unknown> = {};
    for (const d of drivers) {
      for (const stream of [false, true]) {
        fakes.anthropic.script(cachedTurn());
        const hello = await d.hello('claude', stream);
        const [row] = await ledger([hello.requestId]);
        seen[`${d.name}${stream ? ' (stream)' : ''}`] = { text: hello.text, usage: hello.usage, cost: row.cost };
        want[`${d.name}${stream ? ' (stream)' : ''}`] = { text: HELLO, usage: { input: 3100, cached: 2000, output: 9 }, cost };
      }
    }
    expect(seen).toEqual(want);
  });
});
