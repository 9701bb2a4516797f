// A strict fake of Coze's v3 chat API, from the Coze API reference: POST /v3/chat (bot_id, user_id,
// stream, auto_save_history, additional_messages; nothing else), GET /v3/chat/retrieve and
// GET /v3/chat/message/list (conversation_id + chat_id of a chat it created, nothing else), the PAT
// as a Bearer header. Non-stream chats start `in_progress` and complete after `pollsToComplete`
// retrieves; their messages can be listed only once completed, and only if history was saved. A
// stream answers with the documented SSE events. Errors use Coze's {code, msg} envelope (HTTP 200
// as Coze sends most of them, 401 for a bad token). Every turn also carries the bot's workings
// (function_call, tool_response, verbose, follow_up messages) that must never reach the client.

import { type FakeUpstream, startFakeUpstream } from '../../helpers/fake-upstream.ts';
import { arr, bool, check, obj, str } from './spec.ts';
import { noClientCredentials } from './strict-server.ts';
import { sseResponse } from './sse.ts';

const enterMessage = obj({
  'role!': str({ enum: ['user', 'assistant'] }), type: str({ enum: ['question', 'answer'] }),
  'content!': str({ nonEmpty: true }), 'content_type!': str({ enum: ['text', 'object_string'] }), meta_data: obj({}, { open: true }),
});
export const COZE_CHAT_REQUEST = obj({
  'bot_id!': str({ pattern: /^\d+$/ }), 'user_id!': str({ nonEmpty: true }), 'stream!': bool, 'auto_save_history!': bool,
  'additional_messages!': arr(enterMessage, 1), custom_variables: obj({}, { open: true }), meta_data: obj({}, { open: true }),
});

export interface CozeTurn {
  /** Answer messages (several = a workflow with many message nodes). */
  answers: string[];
  usage?: { input_count: number; output_count: number; token_count: number };
  /** End the chat as failed with this last_error instead. */
  fail?: { code: number; msg: string };
  /** Never complete (for timeout tests). */
  hang?: boolean;
}

interface Chat { id: string; conversation_id: string; polls: number; saved: boolean; turn: CozeTurn; created_at: number }

export interface CozeFake {
  url: string;
  upstream: FakeUpstream;
  requests: Array<{ method: string; path: string; body: unknown }>;
  rejections: string[];
  script(...turns: CozeTurn[]): void;
  reset(): void;
  stop(): void;
}

export const DEFAULT_USAGE = { input_count: 614, output_count: 19, token_count: 633 };

const envelope = (code: number, msg: string, data?: unknown, status = 200) =>
  new Response(JSON.stringify(data === undefined ? { code, msg } : { code, msg, data }), { status, headers: { 'content-type': 'application/json' } });

function chatObject(chat: Chat, status: string) {
  const usage = status === 'completed' ? chat.turn.usage ?? DEFAULT_USAGE : { token_count: 0, output_count: 0, input_count: 0 };
  const last_error = status === 'failed' ? chat.turn.fail : { code: 0, msg: '' };
  return { id: chat.id, conversation_id: chat.conversation_id, bot_id: 'bot', created_at: chat.created_at, last_error, status, usage };
}

function message(chat: Chat, id: string, type: string, content: string) {
  return { id, conversation_id: chat.conversation_id, bot_id: 'bot', chat_id: chat.id, role: 'assistant', type, content, content_type: 'text' };
}

/** The messages a completed chat holds, in Coze's order: workings, answers, verbose, follow-up. */
function messagesOf(chat: Chat) {
  return [
    message(chat, `${chat.id}1`, 'function_call', '{"name":"search-news","arguments":{"q":"ai"},"plugin_id":7379227414322217010}'),
    message(chat, `${chat.id}2`, 'tool_response', '{"content_type":1,"response_for_model":"SECRET TOOL OUTPUT"}'),
    ...chat.turn.answers.map((a, i) => message(chat, `${chat.id}a${i}`, 'answer', a)),
    message(chat, `${chat.id}3`, 'verbose', '{"msg_type":"generate_answer_finish","data":"","from_module":null,"from_unit":null}'),
    message(chat, `${chat.id}4`, 'follow_up', 'FOLLOW-UP QUESTION?'),
  ];
}

function sseOf(chat: Chat): Response {
  const ev = (name: string, data: unknown) => `event:${name}\ndata:${JSON.stringify(data)}\n\n`;
  const frames = [ev('conversation.chat.created', chatObject(chat, 'created')), ev('conversation.chat.in_progress', chatObject(chat, 'in_progress'))];
  for (const m of messagesOf(chat)) {
    if (m.type === 'answer') {
      for (const piece of Array.from(m.content).reduce<string[]>((acc, ch, i) => (i % 3 ? (acc[acc.length - 1] += ch, acc) : [...acc, ch]), [])) {
        frames.push(ev('conversation.message.delta', { ...m, content: piece }));
      }
    } else if (m.type === 'function_call' || m.type === 'tool_response') {
      frames.push(ev('conversation.message.delta', m)); // workings stream too; the gateway must drop them
    }
    frames.push(ev('conversation.message.completed', m));
  }
  frames.push(chat.turn.fail ? ev('conversation.chat.failed', chatObject(chat, 'failed')) : ev('conversation.chat.completed', chatObject(chat, 'completed')));
  frames.push('event:done\ndata:"[DONE]"\n\n');
  const enc = new TextEncoder();
  return sseResponse(frames.map((f) => enc.encode(f)));
}

export function startCozeFake(opts: { apiKey: string; clientKey: string; bots: string[]; pollsToComplete?: number }): CozeFake {
  const chats = new Map<string, Chat>();
  const queue: CozeTurn[] = [];
  const requests: CozeFake['requests'] = [];
  const rejections: string[] = [];
  let seq = 7382159487131697000;
  const reject = (why: string, code = 4000, status = 200) => {
    rejections.push(why);
    return envelope(code, `coze fake rejected the request: ${why}`, undefined, status);
  };
  const upstream = startFakeUpstream((req, raw) => {
    const url = new URL(req.url);
    let body: unknown;
    try { body = raw ? JSON.parse(raw) : undefined; } catch { body = undefined; }
    requests.push({ method: req.method, path: url.pathname + url.search, body });
    if (req.headers.get('authorization') !== `Bearer ${opts.apiKey}`) return envelope(4100, 'authentication is invalid', undefined, 401);
    const leaks = noClientCredentials({ method: req.method, url, headers: req.headers, raw, body, stream: false }, opts.clientKey);
    if (leaks.length) return reject(leaks.join('; '));
    if (req.method === 'POST' && url.pathname === '/v3/chat') {
      if (url.search) return reject(`unexpected query ${url.search}`);
      if (!(req.headers.get('content-type') ?? '').includes('application/json')) return reject('content-type must be application/json');
      const problems = check(body, COZE_CHAT_REQUEST);
      if (problems.length) return reject(problems.join('; '));
      const b = body as { bot_id: string; stream: boolean; auto_save_history: boolean; additional_messages: Array<{ role: string }> };
      if (!opts.bots.includes(b.bot_id)) return envelope(4200, `Bot ${b.bot_id} not found or not published to the API channel`);
      if (b.additional_messages.at(-1)!.role !== 'user') return reject('the last additional message must be the user question');
      if (!b.stream && !b.auto_save_history) return reject('a non-stream chat needs auto_save_history: true');
      seq += 1;
      const chat: Chat = { id: String(seq), conversation_id: String(seq + 1000), polls: 0, saved: b.auto_save_history, turn: queue.shift() ?? { answers: ['Hello from the Coze bot.'] }, created_at: 1718792949 };
      chats.set(chat.id, chat);
      if (b.stream) return sseOf(chat);
      return envelope(0, '', chatObject(chat, 'created'));
    }
    if (req.method === 'GET' && (url.pathname === '/v3/chat/retrieve' || url.pathname === '/v3/chat/message/list')) {
      const keys = [...url.searchParams.keys()].sort().join(',');
      if (keys !== 'chat_id,conversation_id') return reject(`query must be conversation_id and chat_id (got ${keys})`);
      const chat = chats.get(url.searchParams.get('chat_id')!);
      if (!chat || chat.conversation_id !== url.searchParams.get('conversation_id')) return envelope(4200, 'chat not found');
      if (!chat.saved) return envelope(4000, 'the chat history was not saved');
      const done = !chat.turn.hang && chat.polls >= (opts.pollsToComplete ?? 2);
      if (url.pathname === '/v3/chat/retrieve') {
        chat.polls += 1;
        return envelope(0, '', chatObject(chat, done ? (chat.turn.fail ? 'failed' : 'completed') : 'in_progress'));
      }
      if (!done) return reject('messages listed before the chat completed');
      return envelope(0, '', messagesOf(chat));
    }
    return reject(`unknown endpoint ${req.method} ${url.pathname}`, 4000, 404);
  });
  return {
    url: upstream.url, upstream, requests, rejections,
    script: (...turns) => void queue.push(...turns),
    reset: () => { requests.length = 0; rejections.length = 0; queue.length = 0; },
    stop: () => upstream.stop(),
  };
}
