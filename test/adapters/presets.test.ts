// OpenAI-compatible vendor presets (adapter: deepseek | moonshot | ...): each one's default base_url,
// and the quirks the presets handle, end to end through the gateway with the `openai` SDK:
// DeepSeek reasoning_content deltas (against the strict OpenAI fake), Mistral without stream_options,
// OpenRouter's `reasoning` field, Groq's x_groq usage, MiniMax's HTTP-200 base_resp errors,
// Cloudflare's account placeholder and {success, errors} envelope, and 402 (no credit) failing over.

import { afterAll, beforeAll, expect, test } from 'bun:test';
import OpenAI from 'openai';
import { PRESETS, presetAdapter } from '../../adapters/openai/preset.ts';
import { PRESET_ADAPTERS } from '../../src/compile/adapter-registry.ts';
import { chatChunks, chatCompletion, json, sse, upstreamPool } from '../helpers/fake-upstream.ts';
import { TEST_KEY, type TestGateway, config, startTestGateway } from '../helpers/gateway.ts';
import { startOpenAIFake } from '../conformance/fakes/openai-chat.ts';
import type { StrictFake } from '../conformance/fakes/strict-server.ts';

const fakeUpstream = upstreamPool(afterAll);
const up = fakeUpstream();
let strict: StrictFake;
let gw: TestGateway;
let client: OpenAI;
const fail = (p: Promise<unknown>) => p.then(() => { throw new Error('expected an error'); }, (e: unknown) => e as InstanceType<typeof OpenAI.APIError>);

beforeAll(async () => {
  strict = startOpenAIFake({ apiKey: 'sk-deepseek-upstream-0123456789', clientKey: TEST_KEY, models: ['deepseek-reasoner'] });
  const p = (name: string, adapter: string, model: string, extra = '') => `  ${name}:\n    adapter: ${adapter}\n    base_url: ${up.url}/${name}/v1\n    api_key: sk-${name}-upstream-0123456789\n    models: { ${model}: ${model} }\n${extra}`;
  gw = await startTestGateway(config(`
providers:
  deepseek:
    adapter: deepseek
    base_url: ${strict.url}/v1
    api_key: sk-deepseek-upstream-0123456789
    models: [deepseek-reasoner]
${p('mistral', 'mistral', 'mistral-small')}
${p('openrouter', 'openrouter', 'or-model')}
${p('groq', 'groq', 'groq-model')}
${p('minimax', 'minimax', 'mm-model')}
${p('cloudflare', 'cloudflare', 'cf-model')}
${p('broke', 'moonshot', 'kimi', '    priority: 0\n')}
${p('backup', 'siliconflow', 'kimi', '    priority: 1\n')}
routing:
  retry: { attempts: 1 }
`));
  client = new OpenAI({ apiKey: TEST_KEY, baseURL: `${gw.url}/v1`, maxRetries: 0 });
});
afterAll(async () => {
  await gw.stop();
  strict.stop();
});

test('every preset has an https default base_url and builds requests to it', () => {
  expect(PRESET_ADAPTERS.length).toBeGreaterThanOrEqual(20);
  for (const id of ['deepseek', 'moonshot', 'qwen', 'zhipu', 'baidu', 'spark', 'hunyuan', 'minimax', 'baichuan', 'yi', 'stepfun', 'mistral', 'groq', 'together', 'openrouter', 'siliconflow', 'cloudflare', 'xai', 'perplexity', 'fireworks']) {
    expect(PRESET_ADAPTERS).toContain(id);
  }
  for (const id of PRESET_ADAPTERS) {
    const adapter = presetAdapter(id, PRESETS[id]);
    const req = adapter.buildRequest(
      { operation: 'chat', body: { model: 'm', messages: [{ role: 'user', content: 'hi' }] }, path: '/chat/completions', search: '', method: 'POST', stream: false, upstreamModel: 'm' },
      { name: id, baseUrl: '', apiKey: 'k', headers: {}, options: { account_id: 'acc123' } },
    );
    expect(req.url).toStartWith('https://');
    expect(req.url).toEndWith('/chat/completions');
    expect(req.url).not.toContain('{');
    expect(req.headers.authorization).toBe('Bearer k');
  }
  const cf = presetAdapter('cloudflare', PRESETS.cloudflare);
  const url = cf.buildRequest({ operation: 'chat', body: {}, path: '/chat/completions', search: '', method: 'POST', stream: false, upstreamModel: 'm' }, { name: 'cf', baseUrl: '', apiKey: 'k', headers: {}, options: { account_id: 'acc123' } }).url;
  expect(url).toBe('https://api.cloudflare.com/client/v4/accounts/acc123/ai/v1/chat/completions');
  expect(presetAdapter('perplexity', PRESETS.perplexity).buildRequest({ operation: 'chat', body: {}, path: '/chat/completions', search: '', method: 'POST', stream: false, upstreamModel: 'm' }, { name: 'p', baseUrl: '', headers: {}, options: {} }).url).toBe('https://api.perplexity.ai/chat/completions');
});

test('deepseek: reasoning_content deltas reach the client; reasoning_content is not sent back', async () => {
  const frame = (delta: object, finish: string | null = null) => `data: ${JSON.stringify({ id: 'ds1', object: 'chat.completion.chunk', created: 1, model: 'deepseek-reasoner', choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
  strict.script({
    sse: [frame({ role: 'assistant', content: null, reasoning_content: '' }), frame({ reasoning_content: 'Think: 2+2.' }), frame({ content: '4' }), frame({}, 'stop'),
      `data: ${JSON.stringify({ id: 'ds1', object: 'chat.completion.chunk', created: 1, model: 'deepseek-reasoner', choices: [], usage: { prompt_tokens: 9, completion_tokens: 7, total_tokens: 16, completion_tokens_details: { reasoning_tokens: 5 } } })}\n\n`, 'data: [DONE]\n\n'].join(''),
  });
  const stream = await client.chat.completions.create({ model: 'deepseek-reasoner', stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: '2+2?' }, { role: 'assistant', content: '4', reasoning_content: 'old' } as never, { role: 'user', content: 'again?' }] });
  let reasoning = '';
  let content = '';
  let usage;
  for await (const c of stream) {
    reasoning += (c.choices[0]?.delta as { reasoning_content?: string } | undefined)?.reasoning_content ?? '';
    content += c.choices[0]?.delta.content ?? '';
    if (c.usage) usage = c.usage;
  }
  expect([reasoning, content]).toEqual(['Think: 2+2.', '4']);
  expect(usage).toMatchObject({ prompt_tokens: 9, completion_tokens: 7 });
  expect(strict.rejections).toEqual([]);
  expect(JSON.stringify(strict.requests[0].body)).not.toContain('reasoning_content');
});

test('mistral: no stream_options is sent; usage from its last chunk still counts', async () => {
  up.set(() => sse(chatChunks(['Bonjour', '!'], { prompt_tokens: 4, completion_tokens: 2, total_tokens: 6 })));
  const stream = await client.chat.completions.create({ model: 'mistral-small', stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'hi' }] });
  let usage;
  for await (const c of stream) if (c.usage) usage = c.usage;
  expect(usage).toMatchObject({ prompt_tokens: 4, completion_tokens: 2 });
  const body = JSON.parse(up.received.at(-1)!.body);
  expect(up.received.at(-1)!.path).toBe('/mistral/v1/chat/completions');
  expect(body.stream_options).toBeUndefined();
});

test('openrouter: `reasoning` becomes reasoning_content, streamed and not', async () => {
  up.set(() => json({ ...chatCompletion('42'), choices: [{ index: 0, message: { role: 'assistant', content: '42', reasoning: 'Deep thought.' }, finish_reason: 'stop' }] }));
  const plain = await client.chat.completions.create({ model: 'or-model', messages: [{ role: 'user', content: 'q' }] });
  expect((plain.choices[0].message as { reasoning_content?: string }).reasoning_content).toBe('Deep thought.');
  expect('reasoning' in plain.choices[0].message).toBe(false);
  up.set(() => sse([`data: ${JSON.stringify({ id: 'o', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta: { role: 'assistant', content: '', reasoning: 'Hmm.' }, finish_reason: null }] })}\n\n`, ...chatChunks(['42']).slice(1)]));
  let reasoning = '';
  for await (const c of await client.chat.completions.create({ model: 'or-model', stream: true, messages: [{ role: 'user', content: 'q' }] })) {
    reasoning += (c.choices[0]?.delta as { reasoning_content?: string } | undefined)?.reasoning_content ?? '';
  }
  expect(reasoning).toBe('Hmm.');
});

test('groq: usage from x_groq.usage when the stream has no usage chunk', async () => {
  const chunks = chatChunks(['Hi']);
  const lastContent = JSON.parse(chunks[chunks.length - 3].slice(6));
  lastContent.x_groq = { id: 'req_1', usage: { prompt_tokens: 11, completion_tokens: 1, total_tokens: 12 } };
  up.set(() => sse([...chunks.slice(0, -3), `data: ${JSON.stringify(lastContent)}\n\n`, 'data: [DONE]\n\n']));
  let usage;
  for await (const c of await client.chat.completions.create({ model: 'groq-model', stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'q' }] })) if (c.usage) usage = c.usage;
  expect(usage).toMatchObject({ prompt_tokens: 11, completion_tokens: 1, total_tokens: 12 });
});

test('minimax: an HTTP 200 base_resp error is an error (1004: the gateway key; 1008: no balance)', async () => {
  up.set(() => json({ id: '', choices: null, base_resp: { status_code: 1004, status_msg: 'login fail: Please carry the API secret key in the Authorization field' } }));
  const auth = await fail(client.chat.completions.create({ model: 'mm-model', messages: [{ role: 'user', content: 'q' }] }));
  expect([auth.status, (auth.error as { code: string }).code]).toEqual([502, 'upstream_auth_failed']);
  up.set(() => sse([`data: ${JSON.stringify({ id: '', choices: null, base_resp: { status_code: 1008, status_msg: 'insufficient balance' } })}\n\n`]));
  const broke = await fail(client.chat.completions.create({ model: 'mm-model', stream: true, messages: [{ role: 'user', content: 'q' }] }).then(async (s) => { for await (const _ of s) { /* drain */ } }));
  expect(broke.status).toBe(502);
  expect((broke.error as { message: string }).message).toContain('insufficient balance');
});

test('cloudflare: the {success:false, errors:[...]} envelope is read', async () => {
  up.set(() => json({ success: false, errors: [{ code: 7003, message: 'Could not route to /client/v4/accounts/x/ai, perhaps your object identifier is invalid?' }], result: null, messages: [] }, 400));
  const err = await fail(client.chat.completions.create({ model: 'cf-model', messages: [{ role: 'user', content: 'q' }] }));
  expect(err.status).toBe(400);
  expect((err.error as { message: string }).message).toContain('object identifier is invalid? (code 7003)');
});

test('a 402 (the gateway\'s account has no credit) fails over to the next provider', async () => {
  up.set((req) => (new URL(req.url).pathname.startsWith('/broke/') ? json({ error: { message: 'Insufficient Balance', type: 'unknown_error' } }, 402) : json(chatCompletion('from backup'))));
  const res = await client.chat.completions.create({ model: 'kimi', messages: [{ role: 'user', content: 'q' }] }).withResponse();
  expect(res.data.choices[0].message.content).toBe('from backup');
  expect(res.response.headers.get('x-switchyard-provider')).toBe('backup');
});
