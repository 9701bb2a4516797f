// Non-stream Coze chats take three kinds of calls: POST /v3/chat answers at once with the chat's id
// and status; GET /v3/chat/retrieve is polled (every poll_interval_ms, within the provider timeout)
// until the status is final; GET /v3/chat/message/list then gives the messages. Only `answer`
// messages become the reply text (function_call, tool_response, follow_up and verbose messages are
// the bot's workings, never answer text); usage comes from the completed chat.

import {
  type AdapterRequest, type ChatResponse, type DecodedResponse, type FollowUp, type JsonValue, type ProviderView,
  type UpstreamReply, type Usage, errors, usageToWire,
} from '../../src/contracts/index.ts';
import { chatQueryUrl, cozeHeaders, pollIntervalMs } from './endpoint.ts';
import { cozeError } from './errors.ts';
import type { CozeChat, CozeEnvelope, CozeMessage, CozeUsage } from './wire-types.ts';

interface ExchangeState {
  [k: string]: JsonValue;
  conversation_id: string;
  chat_id: string;
  phase: 'poll' | 'list';
  created: number;
  usage: { input: number; output: number; total: number } | null;
}

function envelope<T>(reply: UpstreamReply, provider: ProviderView): T {
  let body: CozeEnvelope<T>;
  try {
    body = JSON.parse(reply.text) as CozeEnvelope<T>;
  } catch {
    throw errors.upstreamInvalid(provider.name, 'the body is not JSON');
  }
  if (!body || typeof body !== 'object' || typeof body.code !== 'number') throw errors.upstreamInvalid(provider.name, 'no Coze code/msg envelope');
  if (body.code !== 0) throw cozeError(provider, body.code, body.msg ?? '', reply.status);
  if (body.data === undefined || body.data === null) throw errors.upstreamInvalid(provider.name, 'the reply has no data');
  return body.data;
}

export function usageFromCoze(usage: CozeUsage | undefined): ExchangeState['usage'] {
  if (!usage || typeof usage.input_count !== 'number') return null;
  const output = usage.output_count ?? 0;
  return { input: usage.input_count, output, total: usage.token_count ?? usage.input_count + output };
}

export function toUsage(u: ExchangeState['usage']): Usage | undefined {
  return u ? { prompt_tokens: u.input, completion_tokens: u.output, total_tokens: u.total } : undefined;
}

/** Throws for a chat that ended without an answer. */
export function chatEndError(chat: CozeChat, provider: ProviderView) {
  if (chat.status === 'requires_action') {
    return errors.upstreamError(`Coze bot of provider "${provider.name}" stopped to wait for a client-side plugin result (requires_action), which the OpenAI API cannot supply. Remove end-side plugins from the bot.`, undefined, false);
  }
  if (chat.status === 'canceled') return errors.upstreamError(`Provider "${provider.name}" reports the Coze chat was canceled.`, undefined, true);
  return cozeError(provider, chat.last_error?.code || undefined, chat.last_error?.msg || 'the chat failed');
}

export function cozeFollowUp(reply: UpstreamReply, request: AdapterRequest, provider: ProviderView, state: JsonValue | undefined): FollowUp | undefined {
  if (request.stream) return undefined; // a stream request answered with JSON: decodeResponse reports it
  const prev = state as ExchangeState | undefined;
  if (prev?.phase === 'list') return undefined; // the message list is the answer
  const chat = envelope<CozeChat>(reply, provider);
  const base = { conversation_id: chat.conversation_id || prev?.conversation_id || '', chat_id: chat.id || prev?.chat_id || '' };
  if (!base.conversation_id || !base.chat_id) throw errors.upstreamInvalid(provider.name, 'the chat has no id or conversation_id');
  const created = prev?.created ?? chat.created_at ?? Math.floor(Date.now() / 1000);
  const headers = cozeHeaders(provider);
  if (chat.status === 'completed') {
    const next: ExchangeState = { ...base, phase: 'list', created, usage: usageFromCoze(chat.usage) };
    return { request: { url: chatQueryUrl(provider, 'message/list', base.conversation_id, base.chat_id), method: 'GET', headers, body: null }, state: next };
  }
  if (chat.status === 'created' || chat.status === 'in_progress') {
    const next: ExchangeState = { ...base, phase: 'poll', created, usage: null };
    return { request: { url: chatQueryUrl(provider, 'retrieve', base.conversation_id, base.chat_id), method: 'GET', headers, body: null }, delayMs: pollIntervalMs(provider), state: next };
  }
  throw chatEndError(chat, provider);
}

export function decodeCozeResponse(reply: UpstreamReply, request: AdapterRequest, provider: ProviderView, state?: JsonValue): DecodedResponse {
  const st = state as ExchangeState | undefined;
  if (st?.phase !== 'list') {
    // Only reachable when the create call did not start the exchange (an error envelope, a stream
    // request answered with JSON): report what Coze said.
    const chat = envelope<CozeChat>(reply, provider);
    throw chatEndError(chat, provider);
  }
  const messages = envelope<CozeMessage[]>(reply, provider);
  if (!Array.isArray(messages)) throw errors.upstreamInvalid(provider.name, 'the message list is not an array');
  const answers = messages.filter((m) => m.role === 'assistant' && m.type === 'answer');
  const content = answers.map((m) => m.content ?? '').filter(Boolean).join('\n\n');
  const reasoning = answers.map((m) => m.reasoning_content ?? '').join('');
  const usage = toUsage(st.usage);
  const body: ChatResponse = {
    id: `chatcmpl-coze-${st.chat_id}`,
    object: 'chat.completion',
    created: st.created,
    model: request.upstreamModel,
    choices: [{ index: 0, message: reasoning ? { role: 'assistant', content, reasoning_content: reasoning } : { role: 'assistant', content }, finish_reason: 'stop' }],
  };
  if (usage) body.usage = usageToWire(usage);
  return { body: body as unknown as JsonValue, usage };
}
