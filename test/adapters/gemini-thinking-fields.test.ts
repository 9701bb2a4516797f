// The canonical `gemini_thinking` (a Gemini-surface client's thinkingConfig, src/contracts/gemini-thinking.ts)
// becomes generationConfig.thinkingConfig for the gemini adapter and Gemini models on Vertex, unchanged and
// ahead of the reasoning_effort mapping. Adapters that forward the canonical body (openai, with or without
// forward_extra_content, azure, onebound) and Claude on Vertex never send it.

import { expect, test } from 'bun:test';
import azure from '../../adapters/azure/index.ts';
import gemini from '../../adapters/gemini/index.ts';
import onebound from '../../adapters/onebound/index.ts';
import openai from '../../adapters/openai/index.ts';
import vertex from '../../adapters/vertex/index.ts';
import type { AdapterRequest, JsonObject, ProviderView } from '../../src/contracts/index.ts';

const body: JsonObject = {
  model: 'gemini-2.5-flash',
  reasoning_effort: 'high',
  gemini_thinking: { includeThoughts: true, thinkingBudget: 0 },
  messages: [{ role: 'user', content: 'hi' }],
};
const request = (upstreamModel: string): AdapterRequest => ({ operation: 'chat', body, path: '/chat/completions', search: '', method: 'POST', stream: false, upstreamModel });
const view = (options: Record<string, unknown>): ProviderView => ({ name: 'p', baseUrl: 'http://127.0.0.1:9/v1', headers: {}, options: options as ProviderView['options'], apiKey: 'sk-up' });
const vertexView = view({ adapter: 'vertex', project: 'p', location: 'us-central1', access_token: 'ya29.x' });

test('gemini adapter: thinkingConfig is the client\'s, over reasoning_effort', () => {
  const sent = JSON.parse(String(gemini.buildRequest(request('gemini-2.5-flash'), view({ adapter: 'gemini' })).body));
  expect(sent.generationConfig.thinkingConfig).toEqual({ includeThoughts: true, thinkingBudget: 0 });
  expect(JSON.stringify(sent)).not.toContain('gemini_thinking');
});

test('vertex: Gemini models get it as thinkingConfig; Claude models never see it', () => {
  const gem = JSON.parse(String(vertex.buildRequest(request('gemini-2.5-flash'), vertexView).body));
  expect(gem.generationConfig.thinkingConfig).toEqual({ includeThoughts: true, thinkingBudget: 0 });
  const claude = String(vertex.buildRequest(request('claude-sonnet-4-5@20250929'), vertexView).body);
  expect(claude).not.toContain('gemini_thinking');
  expect(claude).not.toContain('thinkingBudget');
});

test('openai (plain and forward_extra_content), azure and onebound leave gemini_thinking out', () => {
  for (const options of [{ adapter: 'openai' }, { adapter: 'openai', forward_extra_content: true }, { adapter: 'openai', forward_extra_content: true, reasoning_content: 'keep' }]) {
    expect(String(openai.buildRequest(request('gpt-4o'), view(options)).body)).not.toContain('gemini_thinking');
  }
  expect(String(azure.buildRequest(request('gpt4o'), view({ adapter: 'azure', api_version: '2024-10-21' })).body)).not.toContain('gemini_thinking');
  const args = new URLSearchParams(String(onebound.buildRequest(request('m'), view({ adapter: 'onebound', key: 'k', secret: 's' })).body)).get('_o_args') ?? '';
  expect(args).toContain('hi');
  expect(args).not.toContain('gemini_thinking');
});
