// Coze adapter units: the stream decoder's edge cases (an answer sent only as `completed`, reasoning,
// `error` and `requires_action` events, no `done`) and the non-stream exchange's phases.

import { expect, test } from 'bun:test';
import coze from '../../adapters/coze/index.ts';
import { adapterHarness } from '../helpers/adapter-harness.ts';

const h = adapterHarness(coze, { fixtures: 'coze', provider: { name: 'cz', baseUrl: '', apiKey: 'pat_secret-0123456789' }, upstreamModel: '7351' });
const ev = (name: string, data: unknown) => `event:${name}\ndata:${JSON.stringify(data)}\n\n`;
const msg = (id: string, type: string, content: string, extra: object = {}) => ({ id, conversation_id: 'c', chat_id: 'x', role: 'assistant', type, content, content_type: 'text', ...extra });
const chat = (status: string, extra: object = {}) => ({ id: 'x', conversation_id: 'c', bot_id: 'b', status, ...extra });

test('an answer that arrives only as message.completed is still the answer; reasoning is passed on', () => {
  const steps = h.runStream([
    ev('conversation.message.delta', msg('r', 'answer', '', { reasoning_content: 'thinking…' })),
    ev('conversation.message.completed', msg('r', 'answer', '', { reasoning_content: 'thinking…' })),
    ev('conversation.message.completed', msg('a1', 'answer', 'Whole answer.')),
    ev('conversation.message.completed', msg('f', 'follow_up', 'Want more?')),
    ev('conversation.chat.completed', chat('completed', { usage: { input_count: 3, output_count: 2, token_count: 5 } })),
  ].join(''));
  const chunks = h.chunksOf(steps);
  expect(chunks.map((c) => c.choices[0].delta.content ?? '').join('')).toBe('Whole answer.');
  expect(chunks.map((c) => c.choices[0].delta.reasoning_content ?? '').join('')).toBe('thinking…');
  expect(chunks.at(-1)!.choices[0].finish_reason).toBe('stop');
  expect(steps.at(-1)).toMatchObject({ done: true, usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 } });
});

test('error, failed and requires_action events are stream errors; a stream without an end is not done', () => {
  const err = h.runStream(ev('error', { code: 4100, msg: 'authentication is invalid' })).find((s) => s.error)!.error!;
  expect(err.code).toBe('upstream_auth_failed');
  const action = h.runStream(ev('conversation.chat.requires_action', chat('requires_action'))).find((s) => s.error)!.error!;
  expect(action.message).toContain('requires_action');
  const cut = h.runStream(ev('conversation.message.delta', msg('a', 'answer', 'half')));
  expect(cut.at(-1)!.done).toBeUndefined();
});

test('non-stream phases: created → poll retrieve; completed → list messages; failed → error; list → answer', () => {
  const req = h.request({ messages: [{ role: 'user', content: 'hi' }] });
  const view = h.provider({ options: { poll_interval_ms: 250 } });
  const env = (data: unknown, code = 0) => h.reply(JSON.stringify({ code, msg: code ? 'bad' : '', data }));
  const poll = coze.followUp!(env(chat('created')), req, view, undefined)!;
  expect(poll.request.url).toBe('https://api.coze.com/v3/chat/retrieve?conversation_id=c&chat_id=x');
  expect(poll.delayMs).toBe(250);
  expect(poll.request.headers.authorization).toBe('Bearer pat_secret-0123456789');
  const list = coze.followUp!(env(chat('completed', { usage: { input_count: 7, output_count: 1, token_count: 8 } })), req, view, poll.state)!;
  expect(list.request.url).toBe('https://api.coze.com/v3/chat/message/list?conversation_id=c&chat_id=x');
  expect(list.delayMs).toBeUndefined();
  const final = env([msg('1', 'function_call', '{}'), msg('2', 'answer', 'Done.'), msg('3', 'verbose', '{}')]);
  expect(coze.followUp!(final, req, view, list.state)).toBeUndefined();
  const decoded = coze.decodeResponse(final, req, view, list.state);
  expect((decoded.body as { choices: Array<{ message: { content: string } }> }).choices[0].message.content).toBe('Done.');
  expect(decoded.usage).toEqual({ prompt_tokens: 7, completion_tokens: 1, total_tokens: 8 });
  const failed = h.catchError(() => coze.followUp!(env(chat('failed', { last_error: { code: 4013, msg: 'too many requests' } })), req, view, poll.state));
  expect([failed.status, failed.retryable]).toEqual([502, true]);
  const envelopeError = h.catchError(() => coze.followUp!(env(undefined, 4101), req, view, undefined));
  expect(envelopeError.code).toBe('upstream_auth_failed');
});

test('base_url: the China endpoint when configured; the bot ID is the upstream model', () => {
  const { req, body } = h.build({ messages: [{ role: 'user', content: 'hi' }] }, h.provider({ baseUrl: 'https://api.coze.cn' }));
  expect(req.url).toBe('https://api.coze.cn/v3/chat');
  expect(body).toEqual({ bot_id: '7351', user_id: 'switchyard', stream: false, auto_save_history: true, additional_messages: [{ role: 'user', content: 'hi', content_type: 'text' }] });
});

test('streamed and listed answers join the same way, empty answer messages included', () => {
  const answers = [msg('r', 'answer', '', { reasoning_content: 'hm' }), msg('a1', 'answer', 'One.'), msg('e', 'answer', ''), msg('a2', 'answer', 'Two.')];
  const streamed = h.chunksOf(h.runStream([...answers.map((m) => ev('conversation.message.delta', m)), ev('conversation.chat.completed', chat('completed'))].join('')))
    .map((c) => c.choices[0].delta.content ?? '').join('');
  const listed = coze.decodeResponse(h.reply(JSON.stringify({ code: 0, msg: '', data: answers })), h.request({ messages: [] }), h.provider(), { phase: 'list', conversation_id: 'c', chat_id: 'x', created: 1, usage: null });
  expect(streamed).toBe('One.\n\nTwo.');
  expect((listed.body as { choices: Array<{ message: { content: string } }> }).choices[0].message.content).toBe(streamed);
});
