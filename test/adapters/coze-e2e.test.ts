// Coze through the gateway with the `openai` SDK against the strict Coze fake: a bot ID as the model,
// non-stream answers by create + poll + list messages, streams from the v3 SSE events, the bot's
// workings (function_call, tool_response, verbose, follow_up) never in the answer, usage from the
// completed chat (streamed == non-streamed), Coze errors mapped, the PAT never leaked.

import { expectNoRejections } from '../conformance/fakes/strict-server.ts';
import { afterAll, afterEach, beforeAll, expect, test } from 'bun:test';
import OpenAI from 'openai';
import { TEST_KEY, type TestGateway, config, startTestGateway } from '../helpers/gateway.ts';
import { type CozeFake, DEFAULT_USAGE, startCozeFake } from '../conformance/fakes/coze.ts';

const PAT = 'pat_UPSTREAM-coze-secret-0123456789';
const BOT = '7351234567890123456';
let fake: CozeFake;
let gw: TestGateway;
let client: OpenAI;

beforeAll(async () => {
  fake = startCozeFake({ apiKey: PAT, clientKey: TEST_KEY, bots: [BOT] });
  gw = await startTestGateway(config(`
providers:
  coze:
    adapter: coze
    base_url: ${fake.url}
    api_key: ${PAT}
    poll_interval_ms: 5
    timeout_ms: 3000
    models: { my-bot: "${BOT}", ghost-bot: "7000000000000000000" }
  coze-slow:
    adapter: coze
    base_url: ${fake.url}
    api_key: ${PAT}
    poll_interval_ms: 20
    timeout_ms: 300
    models: { slow-bot: "${BOT}" }
  coze-wrong:
    adapter: coze
    base_url: ${fake.url}
    api_key: pat_WRONG-token-0123456789
    models: { wrong-bot: "${BOT}" }
routing:
  retry: { attempts: 0 }
`));
  client = new OpenAI({ apiKey: TEST_KEY, baseURL: `${gw.url}/v1`, maxRetries: 0 });
});
afterAll(async () => {
  await gw.stop();
  fake.stop();
});
afterEach(() => expectNoRejections(fake));

const WORKINGS = ['SECRET TOOL OUTPUT', 'FOLLOW-UP', 'generate_answer_finish', 'search-news'];
const hello = [{ role: 'system' as const, content: 'Be brief.' }, { role: 'user' as const, content: 'Search today\'s AI news.' }];

const fail = (p: Promise<unknown>) => p.then(() => { throw new Error('expected an error'); }, (e: unknown) => e as InstanceType<typeof OpenAI.APIError>);

async function streamed(model: string, messages = hello) {
  const stream = await client.chat.completions.create({ model, messages, stream: true, stream_options: { include_usage: true } });
  let content = '';
  let usage;
  const finishes: string[] = [];
  for await (const chunk of stream) {
    for (const c of chunk.choices) {
      content += c.delta.content ?? '';
      if (c.finish_reason) finishes.push(c.finish_reason);
    }
    if (chunk.usage) usage = chunk.usage;
  }
  return { content, usage, finishes };
}

test('non-stream: create, poll until completed, list messages; only answer text; usage from the chat', async () => {
  fake.script({ answers: ['今天的 AI 新闻：🚀 一切顺利。'] });
  const res = await client.chat.completions.create({ model: 'my-bot', messages: hello });
  expect(res.choices[0].message.content).toBe('今天的 AI 新闻：🚀 一切顺利。');
  expect(res.choices[0].finish_reason).toBe('stop');
  expect(res.usage).toMatchObject({ prompt_tokens: DEFAULT_USAGE.input_count, completion_tokens: DEFAULT_USAGE.output_count, total_tokens: DEFAULT_USAGE.token_count });
  for (const w of WORKINGS) expect(JSON.stringify(res)).not.toContain(w);
  const paths = fake.requests.map((r) => `${r.method} ${r.path.split('?')[0]}`);
  expect(paths).toEqual(['POST /v3/chat', 'GET /v3/chat/retrieve', 'GET /v3/chat/retrieve', 'GET /v3/chat/retrieve', 'GET /v3/chat/message/list']);
  const create = fake.requests[0].body as Record<string, any>;
  expect(create).toMatchObject({ bot_id: BOT, user_id: 'switchyard', stream: false, auto_save_history: true });
  expect(create.additional_messages).toEqual([
    { role: 'user', content: 'Be brief.', content_type: 'text' },
    { role: 'user', content: 'Search today\'s AI news.', content_type: 'text' },
  ]);
});

test('stream: answer deltas only, a finish, usage equal to the non-stream usage', async () => {
  fake.script({ answers: ['Streaming answer with 中文 and 😀.'] }, { answers: ['Streaming answer with 中文 and 😀.'] });
  const plain = await client.chat.completions.create({ model: 'my-bot', messages: hello });
  const s = await streamed('my-bot');
  expect(s.content).toBe('Streaming answer with 中文 and 😀.');
  expect(s.content).toBe(plain.choices[0].message.content!);
  expect(s.finishes).toEqual(['stop']);
  expect(s.usage).toEqual(plain.usage);
  for (const w of WORKINGS) expect(s.content).not.toContain(w);
  expect((fake.requests.at(-1)!.body as { stream: boolean }).stream).toBe(true);
});

test('several answer messages read the same streamed and not', async () => {
  fake.script({ answers: ['First part.', 'Second part.'] }, { answers: ['First part.', 'Second part.'] });
  const plain = await client.chat.completions.create({ model: 'my-bot', messages: hello });
  const s = await streamed('my-bot');
  expect(plain.choices[0].message.content).toBe('First part.\n\nSecond part.');
  expect(s.content).toBe(plain.choices[0].message.content!);
});

test('a multi-turn conversation goes in additional_messages; `user` becomes user_id', async () => {
  await client.chat.completions.create({
    model: 'my-bot', user: 'alice',
    messages: [{ role: 'user', content: 'Hi' }, { role: 'assistant', content: 'Hello!' }, { role: 'user', content: [{ type: 'text', text: 'What is this?' }, { type: 'image_url', image_url: { url: 'https://example.com/cat.png' } }] }],
  });
  const create = fake.requests[0].body as Record<string, any>;
  expect(create.user_id).toBe('alice');
  expect(create.additional_messages).toEqual([
    { role: 'user', content: 'Hi', content_type: 'text' },
    { role: 'assistant', type: 'answer', content: 'Hello!', content_type: 'text' },
    { role: 'user', content: JSON.stringify([{ type: 'text', text: 'What is this?' }, { type: 'image', file_url: 'https://example.com/cat.png' }]), content_type: 'object_string' },
  ]);
});

test('client tools are refused with a clear 400 before any upstream call', async () => {
  const err = await fail(client.chat.completions.create({
    model: 'my-bot', messages: hello, tools: [{ type: 'function', function: { name: 'f', parameters: { type: 'object', properties: {} } } }],
  }));
  expect(err.status).toBe(400);
  expect((err.error as { code: string; param: string })).toMatchObject({ code: 'invalid_value', param: 'tools' });
  expect(fake.requests).toHaveLength(0);
});

test('errors: a bad token, an unknown bot, a failed chat, a chat that outlives the timeout', async () => {
  const auth = await fail(client.chat.completions.create({ model: 'wrong-bot', messages: hello }));
  expect([auth.status, (auth.error as { code: string }).code]).toEqual([502, 'upstream_auth_failed']);
  expect(JSON.stringify(auth.error)).not.toContain('WRONG-token');

  const ghost = await fail(client.chat.completions.create({ model: 'ghost-bot', messages: hello }));
  expect([ghost.status, (ghost.error as { code: string }).code]).toEqual([404, 'upstream_not_found']);
  expect((ghost.error as { message: string }).message).toContain('published to the API channel');

  fake.script({ answers: [], fail: { code: 5000, msg: 'model overloaded' } }, { answers: [], fail: { code: 5000, msg: 'model overloaded' } });
  const failed = await fail(client.chat.completions.create({ model: 'my-bot', messages: hello }));
  expect([failed.status, (failed.error as { code: string }).code]).toEqual([502, 'upstream_error']);
  expect((failed.error as { message: string }).message).toContain('model overloaded');
  const failedStream = await fail(streamed('my-bot'));
  expect([failedStream.status, (failedStream.error as { code: string }).code]).toEqual([502, 'upstream_error']);

  fake.script({ answers: ['never'], hang: true });
  const started = Date.now();
  const slow = await fail(client.chat.completions.create({ model: 'slow-bot', messages: hello }));
  expect([slow.status, (slow.error as { code: string }).code]).toEqual([504, 'upstream_timeout']);
  expect(Date.now() - started).toBeLessThan(2000);
  for (const r of fake.requests) expect(JSON.stringify(r)).not.toContain(TEST_KEY);
});
