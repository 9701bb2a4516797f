// Issue 12 "done when", for this branch's providers: a gateway.yaml with a Coze bot, a DeepSeek preset
// and Cohere, each a few lines (base_url here only to reach the local fakes), validates, and the
// `openai` SDK gets streamed answers from all of them through one key.

import { afterAll, beforeAll, expect, test } from 'bun:test';
import OpenAI from 'openai';
import { loadConfigFile } from '../../src/config/load.ts';
import { TEST_KEY, type TestGateway, config, startTestGateway } from '../helpers/gateway.ts';
import { startCohereFake } from '../conformance/fakes/cohere.ts';
import { startCozeFake } from '../conformance/fakes/coze.ts';
import { startOpenAIFake } from '../conformance/fakes/openai-chat.ts';

const coze = startCozeFake({ apiKey: 'pat_coze-0123456789', clientKey: TEST_KEY, bots: ['7351234567890123456'], pollsToComplete: 0 });
const deepseek = startOpenAIFake({ apiKey: 'sk-deepseek-0123456789', clientKey: TEST_KEY, models: ['deepseek-chat'] });
const cohere = startCohereFake({ apiKey: 'co-cohere-0123456789', clientKey: TEST_KEY, models: ['command-a-03-2025'] });
let gw: TestGateway;

beforeAll(async () => {
  gw = await startTestGateway(config(`
providers:
  coze:
    adapter: coze
    base_url: ${coze.url}
    api_key: pat_coze-0123456789
    models: { news-bot: "7351234567890123456" }
  deepseek:
    adapter: deepseek
    base_url: ${deepseek.url}/v1
    api_key: sk-deepseek-0123456789
    models: [deepseek-chat]
  cohere:
    adapter: cohere
    base_url: ${cohere.url}
    api_key: co-cohere-0123456789
    models: { command-a: command-a-03-2025 }
`));
});
afterAll(async () => {
  await gw.stop();
  for (const f of [coze, deepseek, cohere]) f.stop();
});

test('the config validates and every provider streams through one key', async () => {
  const loaded = await loadConfigFile(gw.configPath);
  expect(loaded.ok).toBe(true);
  const client = new OpenAI({ apiKey: TEST_KEY, baseURL: `${gw.url}/v1`, maxRetries: 0 });
  const answers: Record<string, string> = {};
  for (const model of ['news-bot', 'deepseek-chat', 'command-a']) {
    let text = '';
    let usage;
    for await (const c of await client.chat.completions.create({ model, stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'Say hello.' }] })) {
      text += c.choices[0]?.delta.content ?? '';
      if (c.usage) usage = c.usage;
    }
    answers[model] = text;
    expect({ model, usage: (usage as { total_tokens?: number } | undefined)?.total_tokens ?? 0 }).toEqual({ model, usage: expect.any(Number) });
    expect((usage as { total_tokens: number }).total_tokens).toBeGreaterThan(0);
  }
  expect(answers).toEqual({ 'news-bot': 'Hello from the Coze bot.', 'deepseek-chat': 'Hello! How can I help you today?', 'command-a': 'Hello! How can I help you today?' });
  expect([...coze.rejections, ...deepseek.rejections, ...cohere.rejections]).toEqual([]);
});
