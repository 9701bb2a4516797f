// Canonical chat request → Ollama POST /api/chat.
// Messages: system/developer → system, user text + images (base64 data URLs only: Ollama takes raw
// base64 and cannot fetch URLs), assistant text + tool_calls (arguments as an object), tool results →
// role tool with tool_name (looked up from the assistant call it answers) and tool_call_id.
// Sampling goes into `options` (temperature, top_p, num_predict, stop, seed, penalties, num_ctx from
// the provider block); response_format json_object → format "json", json_schema → the schema;
// reasoning_effort → think (none → false, minimal → "low", low/medium/high as is);
// `stream` is always sent explicitly because Ollama streams by default. tool_choice "none" drops the
// tools; Ollama has no way to force a tool, so "required" and named choices are sent as plain tools.

import {
  errors, type AdapterRequest, type ChatMessage, type ChatRequest, type ContentPart, type JsonObject,
  type ProviderView, type ToolDefinition, type UpstreamRequest,
} from '../../src/contracts/index.ts';
import { apiUrl, keepAlive, ollamaHeaders } from './endpoint.ts';
import type { OllamaChatRequest, OllamaMessage, OllamaTool, OllamaToolCall } from './wire-types.ts';

const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

function textOf(content: ChatMessage['content'], param: string, images?: string[]): string {
  if (content == null) return '';
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) throw errors.invalidValue(param, `${param} must be a string or an array of content parts.`);
  let text = '';
  content.forEach((part: ContentPart, i) => {
    const p = part as JsonObject;
    if (p.type === 'text' && typeof p.text === 'string') text += p.text;
    else if (p.type === 'image_url' && images) {
      const url = isObject(p.image_url) ? p.image_url.url : p.image_url;
      const match = typeof url === 'string' ? /^data:[^;,]+;base64,(.*)$/s.exec(url) : null;
      if (!match) throw errors.invalidValue(`${param}[${i}].image_url.url`, 'Ollama models take images only as base64 data URLs (data:image/png;base64,...).');
      images.push(match[1]);
    } else {
      throw errors.invalidValue(`${param}[${i}]`, `Content part type "${String(p.type)}" is not supported by Ollama models.`);
    }
  });
  return text;
}

function toolCallsOf(message: ChatMessage, param: string): OllamaToolCall[] {
  return (message.tool_calls ?? []).map((call, i) => {
    let args: unknown = {};
    const raw = call.function?.arguments;
    if (typeof raw === 'string' && raw.trim() !== '') {
      try {
        args = JSON.parse(raw);
      } catch {
        throw errors.invalidValue(`${param}.tool_calls[${i}].function.arguments`, 'Tool call arguments must be a JSON object string.');
      }
    }
    if (!isObject(args)) throw errors.invalidValue(`${param}.tool_calls[${i}].function.arguments`, 'Tool call arguments must encode a JSON object.');
    return { ...(call.id ? { id: call.id } : {}), function: { index: i, name: call.function.name, arguments: args } };
  });
}

export function toOllamaMessages(messages: ChatMessage[] | undefined): OllamaMessage[] {
  if (!Array.isArray(messages) || messages.length === 0) throw errors.invalidValue('messages', 'messages must be a non-empty array.');
  const toolNames = new Map<string, string>();
  return messages.map((message, i) => {
    const param = `messages[${i}]`;
    switch (message.role) {
      case 'system':
      case 'developer':
        return { role: 'system', content: textOf(message.content, `${param}.content`) };
      case 'user': {
        const images: string[] = [];
        const content = textOf(message.content, `${param}.content`, images);
        return images.length ? { role: 'user', content, images } : { role: 'user', content };
      }
      case 'assistant': {
        const out: OllamaMessage = { role: 'assistant', content: textOf(message.content, `${param}.content`) };
        const calls = toolCallsOf(message, param);
        for (const call of calls) if (call.id) toolNames.set(call.id, call.function.name);
        if (calls.length) out.tool_calls = calls;
        return out;
      }
      case 'tool':
      case 'function': {
        const out: OllamaMessage = { role: 'tool', content: textOf(message.content, `${param}.content`) };
        const id = typeof message.tool_call_id === 'string' ? message.tool_call_id : undefined;
        const name = (id && toolNames.get(id)) ?? (typeof message.name === 'string' ? message.name : undefined);
        if (name) out.tool_name = name;
        if (id) out.tool_call_id = id;
        return out;
      }
      default:
        throw errors.invalidValue(`${param}.role`, `Unknown message role "${String(message.role)}".`);
    }
  });
}

function toolsOf(tools: unknown): OllamaTool[] | undefined {
  if (tools == null) return undefined;
  if (!Array.isArray(tools)) throw errors.invalidValue('tools', 'tools must be an array of function tools.');
  return (tools as ToolDefinition[]).map((tool, i) => {
    if (tool?.type !== 'function' || typeof tool.function?.name !== 'string') {
      throw errors.invalidValue(`tools[${i}]`, `tools[${i}] must be {"type":"function","function":{"name":...}}.`);
    }
    const fn: OllamaTool['function'] = { name: tool.function.name };
    if (typeof tool.function.description === 'string') fn.description = tool.function.description;
    if (isObject(tool.function.parameters)) fn.parameters = tool.function.parameters;
    return { type: 'function', function: fn };
  });
}

export function buildChatRequest(request: AdapterRequest, provider: ProviderView): UpstreamRequest {
  const chat = request.body as unknown as ChatRequest;
  if (typeof chat.n === 'number' && chat.n > 1) throw errors.invalidValue('n', 'Ollama models return one choice per request; send n = 1 or leave it out.');
  const body: OllamaChatRequest = { model: request.upstreamModel, messages: toOllamaMessages(chat.messages), stream: request.stream };
  const tools = chat.tool_choice === 'none' ? undefined : toolsOf(chat.tools);
  if (tools?.length) body.tools = tools;
  const options: JsonObject = {};
  const set = (key: string, value: number | string[] | undefined) => { if (value !== undefined) options[key] = value; };
  set('temperature', num(chat.temperature));
  set('top_p', num(chat.top_p));
  set('num_predict', num(chat.max_completion_tokens) ?? num(chat.max_tokens));
  set('seed', num(chat.seed));
  set('presence_penalty', num(chat.presence_penalty));
  set('frequency_penalty', num(chat.frequency_penalty));
  set('num_ctx', num(provider.options.num_ctx));
  if (typeof chat.stop === 'string') options.stop = [chat.stop];
  else if (Array.isArray(chat.stop) && chat.stop.length) options.stop = chat.stop.filter((s) => typeof s === 'string');
  if (Object.keys(options).length) body.options = options;
  const format = chat.response_format;
  if (format?.type === 'json_object') body.format = 'json';
  else if (format?.type === 'json_schema' && isObject(format.json_schema?.schema)) body.format = format.json_schema.schema;
  const effort = chat.reasoning_effort;
  if (effort === 'none') body.think = false;
  else if (effort === 'minimal' || effort === 'low' || effort === 'medium' || effort === 'high') body.think = effort === 'minimal' ? 'low' : effort;
  const alive = keepAlive(provider);
  if (alive !== undefined) body.keep_alive = alive;
  return { url: apiUrl(provider, 'chat'), method: 'POST', headers: ollamaHeaders(provider), body: JSON.stringify(body) };
}
