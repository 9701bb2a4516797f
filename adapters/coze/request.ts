// OpenAI chat request → Coze POST /v3/chat. The model (upstream name) is the bot ID; the conversation
// goes in `additional_messages` (the last one is the question). Coze bots carry their own prompt,
// model settings and plugins, so sampling fields are not sent, client `tools` are refused (a bot
// cannot call them), and system messages travel as user context messages. Images are passed by URL
// (object_string); data: URLs would need a Coze file upload first and are refused with a clear error.

import {
  type AdapterRequest, type ChatMessage, type ContentPart, type ProviderView, type UpstreamRequest, errors,
} from '../../src/contracts/index.ts';
import { cozeHeaders, cozeRoot } from './endpoint.ts';
import type { CozeChatRequest, CozeEnterMessage, CozeObjectItem } from './wire-types.ts';

const DEFAULT_USER = 'switchyard';

export function buildCozeChat(request: AdapterRequest, provider: ProviderView): UpstreamRequest {
  if (request.operation !== 'chat') throw errors.invalidValue('model', `Provider "${provider.name}" (coze) serves chat completions only.`);
  const body = request.body as { messages?: ChatMessage[]; tools?: unknown[]; user?: unknown };
  if (Array.isArray(body.tools) && body.tools.length > 0) {
    throw errors.invalidValue('tools', `Model "${request.body.model}" is a Coze bot: it uses the plugins configured in the bot and cannot call client-side tools. Send the request without "tools".`);
  }
  const messages = (body.messages ?? []).map((m, i) => toCoze(m, i)).filter((m): m is CozeEnterMessage => m !== undefined);
  if (messages.length === 0 || messages[messages.length - 1].role !== 'user') {
    throw errors.invalidValue('messages', 'A Coze bot answers the last user message: end "messages" with a user message.');
  }
  const optionUser = provider.options.user_id;
  const wire: CozeChatRequest = {
    bot_id: request.upstreamModel,
    user_id: typeof body.user === 'string' && body.user ? body.user : typeof optionUser === 'string' && optionUser ? optionUser : DEFAULT_USER,
    stream: request.stream,
    // Non-stream answers are read back from the saved chat, so history must be saved for them.
    auto_save_history: true,
    additional_messages: messages,
  };
  const vars = provider.options.custom_variables;
  if (vars && typeof vars === 'object' && !Array.isArray(vars)) {
    wire.custom_variables = Object.fromEntries(Object.entries(vars).filter(([, v]) => typeof v === 'string')) as Record<string, string>;
  }
  return { url: `${cozeRoot(provider)}/v3/chat`, method: 'POST', headers: cozeHeaders(provider), body: JSON.stringify(wire) };
}

function toCoze(message: ChatMessage, index: number): CozeEnterMessage | undefined {
  switch (message.role) {
    case 'system':
    case 'developer':
    case 'user': {
      const content = userContent(message.content, index);
      return content ? { role: 'user', ...content } : undefined;
    }
    case 'assistant': {
      if (message.tool_calls?.length) throw errors.invalidValue(`messages[${index}].tool_calls`, 'A Coze bot cannot take client tool calls; remove tool_calls (and tool messages) from the conversation.');
      const text = textOf(message.content);
      return text ? { role: 'assistant', type: 'answer', content: text, content_type: 'text' } : undefined;
    }
    default:
      throw errors.invalidValue(`messages[${index}].role`, `A Coze bot cannot take "${message.role}" messages; send user and assistant messages only.`);
  }
}

function textOf(content: ChatMessage['content']): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content.map((p) => (p.type === 'text' && typeof (p as { text?: unknown }).text === 'string' ? (p as { text: string }).text : '')).join('');
}

function userContent(content: ChatMessage['content'], index: number): Pick<CozeEnterMessage, 'content' | 'content_type'> | undefined {
  if (typeof content === 'string') return content ? { content, content_type: 'text' } : undefined;
  if (!Array.isArray(content)) return undefined;
  const items: CozeObjectItem[] = [];
  (content as ContentPart[]).forEach((part, j) => {
    if (part.type === 'text') {
      const text = (part as { text?: unknown }).text;
      if (typeof text === 'string' && text) items.push({ type: 'text', text });
    } else if (part.type === 'image_url') {
      const url = (part as { image_url?: { url?: unknown } }).image_url?.url;
      if (typeof url !== 'string' || !/^https?:\/\//.test(url)) {
        throw errors.invalidValue(`messages[${index}].content[${j}].image_url`, 'A Coze bot takes images by public http(s) URL only (a data: URL would need a Coze file upload first).');
      }
      items.push({ type: 'image', file_url: url });
    } else {
      throw errors.invalidValue(`messages[${index}].content[${j}].type`, `A Coze bot cannot take "${part.type}" content; send text and image_url parts.`);
    }
  });
  if (items.length === 0) return undefined;
  // Coze wants plain text as content_type text; object_string only for a mix with images or files.
  if (items.every((i) => i.type === 'text')) return { content: items.map((i) => i.text).join('\n'), content_type: 'text' };
  // One text item at most in an object_string.
  const text = items.filter((i) => i.type === 'text').map((i) => i.text).join('\n');
  const rest = items.filter((i) => i.type !== 'text');
  return { content: JSON.stringify(text ? [{ type: 'text', text }, ...rest] : rest), content_type: 'object_string' };
}
