// Issue 12 "done when", as a new user tries it: one gateway.yaml with a Coze bot, a Bedrock Claude
// (credentials in the config), a DeepSeek preset and an Ollama model, each a few lines (base_url only to
// reach the local strict fakes), passes the real `switchyard validate` CLI, and the `openai` SDK gets
// streamed answers from all four through one key, with usage in the stream and a ledger row per call at
// the right price (DeepSeek and the Bedrock Claude from the bundled price catalog, the rest from the YAML).
// The same four also answer the Anthropic Messages, Responses and Gemini surfaces at the same cost.

import { afterAll, beforeAll, expect, test } from 'bun:test';
import { join } from 'node:path';
import Anthropic from '@anthropic-ai/sdk';
import { GoogleGenAI } from '@google/genai';
import OpenAI from 'openai';
import { catalogPrice } from '../../src/compile/price-catalog.ts';
import { openStore, sqliteStore, type Store } from '../../src/store/open.ts';
import { TEST_KEY, type TestGateway, config, startTestGateway } from '../helpers/gateway.ts';
import { type AwsCredentials, startBedrockFake } from '../conformance/fakes/bedrock.ts';
import { DEFAULT_USAGE, startCozeFake } from '../conformance/fakes/coze.ts';
import { startOllamaFake } from '../conformance/fakes/ollama.ts';
import { startOpenAIFake } from '../conformance/fakes/openai-chat.ts';
import { ANSWER, EXPECTED_CALLS } from '../conformance/harness.ts';
import { allDrivers } from '../conformance/surface-drivers.ts';

const CLI = join(import.meta.dir, '..', '..', 'src', 'cli.ts');
const BOT = '7351234567890123456';
// A regional (in-Region) Bedrock id: Anthropic's list price + 10% from the 4.5 generation on.
const CLAUDE = 'anthropic.claude-sonnet-4-5-20250929-v1:0';
const AWS: AwsCredentials = { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', region: 'us-east-1' };

const coze = startCozeFake({ apiKey: 'pat_coze-0123456789', clientKey: TEST_KEY, bots: [BOT], pollsToComplete: 0 });
const bedrock = startBedrockFake({ clientKey: TEST_KEY, credentials: AWS, models: [CLAUDE] });
const deepseek = startOpenAIFake({ apiKey: 'sk-deepseek-0123456789', clientKey: TEST_KEY, models: ['deepseek-chat'] });
const ollama = startOllamaFake({ clientKey: TEST_KEY, models: ['llama3.2'] });
let gw: TestGateway;
let store: Store;

beforeAll(async () => {
  gw = await startTestGateway(config(`
providers:
  coze:
    adapter: coze
    base_url: ${coze.url}
    api_key: pat_coze-0123456789
    models: { news-bot: "${BOT}" }
    poll_interval_ms: 20 # only to keep this test fast (default 1000, as Coze recommends)
  aws:
    adapter: bedrock
    base_url: ${bedrock.url}
    region: ${AWS.region}
    access_key_id: ${AWS.accessKeyId}
    secret_access_key: ${AWS.secretAccessKey}
    models: { claude: "${CLAUDE}" }
  deepseek:
    adapter: deepseek
    base_url: ${deepseek.url}/v1
    api_key: sk-deepseek-0123456789
    models: [deepseek-chat]
  ollama:
    adapter: ollama
    base_url: ${ollama.url}
    models: { llama: llama3.2 }
models:
  news-bot: { price: { input: 1, output: 4, per_request: 0.001 } }
  llama: { price: { input: 0, output: 0 } }
`));
  store = await openStore(`file:${join(gw.dir, 'ledger.db')}`, undefined, { migrate: false });
});
afterAll(async () => {
  await store.close();
  await gw.stop();
  for (const f of [coze, bedrock, deepseek, ollama]) f.stop();
});

test('`switchyard validate` accepts the file and says which models the price catalog prices', () => {
  const proc = Bun.spawnSync(['bun', CLI, 'validate', gw.configPath], { env: { ...process.env, SWITCHYARD_LOG: 'silent' }, stdout: 'pipe', stderr: 'pipe' });
  const out = proc.stdout.toString() + proc.stderr.toString();
  expect({ code: proc.exitCode, out }).toEqual({ code: 0, out: expect.stringContaining(`${gw.configPath}: ok`) });
  expect(out).toMatch(/model deepseek-chat is priced from the price catalog/);
  expect(out).toMatch(/model claude is priced from the price catalog \(\*anthropic\.claude-sonnet-4-5-\*/);
  expect(out).not.toMatch(/warning/i);
});

test('the catalog knows Claude by its Bedrock ids: global endpoint at list price, regional ones 10% above', () => {
  const price = (id: string) => catalogPrice([id])?.price;
  expect(price('global.anthropic.claude-sonnet-4-5-20250929-v1:0')).toEqual(catalogPrice(['claude-sonnet-4-5'])!.price);
  expect(price('us.anthropic.claude-sonnet-4-5-20250929-v1:0')).toEqual({ input: 3.3, cached_input: 0.33, cache_write: 4.125, output: 16.5 });
  expect(price(CLAUDE)).toEqual(price('eu.anthropic.claude-sonnet-4-5-20250929-v1:0'));
  expect(price('global.anthropic.claude-haiku-4-5-20251001-v1:0')).toEqual(catalogPrice(['claude-haiku-4-5'])!.price);
  expect(price('us.anthropic.claude-haiku-4-5-20251001-v1:0')?.input).toBe(1.1);
  // Before the 4.5 generation Bedrock has one price, Anthropic's.
  expect(price('us.anthropic.claude-opus-4-1-20250805-v1:0')).toEqual(catalogPrice(['claude-opus-4-1'])!.price);
  expect(price('anthropic.claude-sonnet-4-20250514-v1:0')).toEqual(catalogPrice(['claude-sonnet-4-0'])!.price);
  expect(price('anthropic.claude-3-5-haiku-20241022-v1:0')).toEqual(catalogPrice(['claude-3-5-haiku-latest'])!.price);
});

/** Micro-dollars, as the gateway bills them (prices per 1M tokens). */
const EXPECTED = {
  // Coze reports 614 in / 19 out; YAML price plus $0.001 per request.
  'news-bot': { text: 'Hello from the Coze bot.', prompt: DEFAULT_USAGE.input_count, completion: DEFAULT_USAGE.output_count, cost: Math.ceil(614 * 1 + 19 * 4) + 1000 },
  // Bedrock Claude Sonnet 4.5, regional endpoint, from the catalog (3.3 / 16.5): 12 in, 5 out.
  claude: { text: 'Hello from Bedrock.', prompt: 12, completion: 5, cost: Math.ceil(12 * 3.3 + 5 * 16.5) },
  // deepseek-chat from the catalog (0.28 / 0.42, cached 0.028): 25 in of which 4 cached, 9 out.
  'deepseek-chat': { text: 'Hello! How can I help you today?', prompt: 25, completion: 9, cost: Math.ceil(21 * 0.28 + 4 * 0.028 + 9 * 0.42) },
  // A local model priced at zero on purpose.
  llama: { text: 'Hello from Ollama.', prompt: 11, completion: 4, cost: 0 },
};

test('the openai SDK streams answers from all four through one key, with usage and ledger rows at the right price', async () => {
  const client = new OpenAI({ apiKey: TEST_KEY, baseURL: `${gw.url}/v1`, maxRetries: 0 });
  const seen: Record<string, unknown> = {};
  const ids: Record<string, string> = {};
  for (const model of Object.keys(EXPECTED)) {
    const { data, response } = await client.chat.completions
      .create({ model, stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'Say hello.' }] })
      .withResponse();
    let text = '';
    let usage: OpenAI.CompletionUsage | undefined;
    for await (const c of data) {
      text += c.choices[0]?.delta.content ?? '';
      if (c.usage) usage = c.usage;
    }
    ids[model] = response.headers.get('x-request-id') ?? '';
    seen[model] = { text, prompt: usage?.prompt_tokens, completion: usage?.completion_tokens, cost: -1 };
  }
  await gw.runtime.ledger.flush();
  const res = await sqliteStore(store).client.execute({
    sql: `SELECT id, model, cost_micros, status, stream, usage_source FROM requests WHERE id IN (${Object.values(ids).map(() => '?').join(',')})`,
    args: Object.values(ids),
  });
  for (const row of res.rows) {
    const model = String(row[1]);
    expect({ model, status: Number(row[3]), stream: Boolean(Number(row[4])), usage: row[5] }).toEqual({ model, status: 200, stream: true, usage: 'upstream' });
    (seen[model] as { cost: number }).cost = Number(row[2]);
  }
  expect(seen).toEqual(EXPECTED);
  expect([...coze.rejections, ...bedrock.rejections, ...deepseek.rejections, ...ollama.rejections]).toEqual([]);
});

// The Responses surface reached the DeepSeek preset as a native /v1/responses call (404) before presets
// stopped claiming the `responses` operation; every surface must translate to the vendor's chat API.
test('the same four answer every surface (chat, Messages, Responses, Gemini), plain and streamed, at the same cost', async () => {
  const drivers = allDrivers({
    openai: new OpenAI({ apiKey: TEST_KEY, baseURL: `${gw.url}/v1`, maxRetries: 0 }),
    anthropic: new Anthropic({ apiKey: TEST_KEY, baseURL: gw.url, maxRetries: 0 }),
    genai: new GoogleGenAI({ apiKey: TEST_KEY, httpOptions: { baseUrl: gw.url } }),
  });
  const seen: Record<string, unknown> = {};
  const want: Record<string, unknown> = {};
  for (const [model, e] of Object.entries(EXPECTED)) {
    for (const d of drivers) {
      for (const stream of [false, true]) {
        const label = `${model} via ${d.name}${stream ? ' (stream)' : ''}`;
        const r = await d.hello(model, stream);
        await gw.runtime.ledger.flush();
        const row = (await sqliteStore(store).client.execute({ sql: 'SELECT cost_micros FROM requests WHERE id = ?', args: [r.requestId] })).rows[0];
        seen[label] = { text: r.text, usage: r.usage, cost: Number(row?.[0] ?? -1) };
        want[label] = { text: e.text, usage: { input: e.prompt, cached: model === 'deepseek-chat' ? 4 : 0, output: e.completion }, cost: e.cost };
      }
    }
  }
  expect(seen).toEqual(want);
  expect([...coze.rejections, ...bedrock.rejections, ...deepseek.rejections, ...ollama.rejections]).toEqual([]);
});

test('tools over two turns on the Bedrock Claude, DeepSeek and Ollama through every surface, plain and streamed', async () => {
  const drivers = allDrivers({
    openai: new OpenAI({ apiKey: TEST_KEY, baseURL: `${gw.url}/v1`, maxRetries: 0 }),
    anthropic: new Anthropic({ apiKey: TEST_KEY, baseURL: gw.url, maxRetries: 0 }),
    genai: new GoogleGenAI({ apiKey: TEST_KEY, httpOptions: { baseUrl: gw.url } }),
  });
  const script: Record<string, () => void> = {
    claude: () => bedrock.answer(
      { toolCalls: EXPECTED_CALLS.map((c, i) => ({ id: `tooluse_${i}`, name: c.name, input: c.args })), inputTokens: 310, outputTokens: 96 },
      { text: ANSWER, inputTokens: 420, outputTokens: 22 },
    ),
    'deepseek-chat': () => deepseek.script(
      { json: 'openai/conformance-tools.json', sse: 'openai/conformance-tools.sse' },
      { json: 'openai/conformance-answer.json', sse: 'openai/conformance-answer.sse' },
    ),
    llama: () => ollama.answer(
      { toolCalls: EXPECTED_CALLS.map((c) => ({ name: c.name, arguments: c.args })), promptTokens: 310, completionTokens: 96 },
      { text: ANSWER, promptTokens: 420, completionTokens: 22 },
    ),
  };
  const seen: Record<string, unknown> = {};
  const want: Record<string, unknown> = {};
  for (const [model, prepare] of Object.entries(script)) {
    for (const d of drivers) {
      for (const stream of [false, true]) {
        const label = `${model} via ${d.name}${stream ? ' (stream)' : ''}`;
        prepare();
        const [tools, answer] = await d.toolLoop(model, stream);
        seen[label] = { calls: tools.calls, answer: answer.text, usage: [tools.usage, answer.usage] };
        want[label] = { calls: EXPECTED_CALLS, answer: ANSWER, usage: [{ input: 310, cached: 0, output: 96 }, { input: 420, cached: 0, output: 22 }] };
      }
    }
  }
  expect(seen).toEqual(want);
  expect([...bedrock.rejections, ...deepseek.rejections, ...ollama.rejections]).toEqual([]);
});
