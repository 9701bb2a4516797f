// Canonical chat request → Bedrock Converse / ConverseStream body.
// Messages: system/developer → system[{text}]; user → text and image blocks (base64 data URLs of png,
// jpeg, gif or webp; Bedrock cannot fetch URLs); assistant → text + toolUse blocks (arguments parsed
// to an object); tool results → toolResult blocks in a user turn. Consecutive turns of one role are
// merged, because Converse requires user and assistant turns to alternate. Blank text is left out
// (Converse rejects it). inferenceConfig: max_completion_tokens | max_tokens | default_max_tokens →
// maxTokens, temperature (clamped to 0..1), top_p, stop (at most 4). tools → toolConfig; tool_choice
// auto → {auto}, required → {any}, named → {tool}; "none" sends no toolChoice (Converse has no "none").

import {
  errors, type AdapterRequest, type ChatMessage, type ChatRequest, type ContentPart, type JsonObject,
  type ProviderView, type ToolDefinition, type UpstreamRequest,
} from '../../src/contracts/index.ts';
import { bedrockHeaders, converseUrl } from './endpoint.ts';
import type { BedrockContentBlock, BedrockConverseRequest, BedrockImage, BedrockMessage, BedrockToolChoice } from './wire-types.ts';

const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const FORMATS: Record<string, BedrockImage['format']> = { 'image/png': 'png', 'image/jpeg': 'jpeg', 'image/jpg': 'jpeg', 'image/gif': 'gif', 'image/webp': 'webp' };

function textOf(content: ChatMessage['content']): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content.map((p) => ((p as JsonObject).type === 'text' && typeof (p as JsonObject).text === 'string' ? (p as JsonObject).text : '')).join('');
}

function userBlocks(content: ChatMessage['content'], param: string): BedrockContentBlock[] {
  if (typeof content === 'string' || content == null) return content ? [{ text: content }] : [];
  if (!Array.isArray(content)) throw errors.invalidValue(param, `${param} must be a string or an array of content parts.`);
  return content.flatMap((part: ContentPart, i): BedrockContentBlock[] => {
    const p = part as JsonObject;
    if (p.type === 'text') return typeof p.text === 'string' && p.text.trim() ? [{ text: p.text }] : [];
    if (p.type === 'image_url') {
      const url = isObject(p.image_url) ? p.image_url.url : p.image_url;
      const match = typeof url === 'string' ? /^data:([^;,]+);base64,(.*)$/s.exec(url) : null;
      const format = match ? FORMATS[match[1].toLowerCase()] : undefined;
      if (!match || !format) throw errors.invalidValue(`${param}[${i}].image_url.url`, 'Bedrock takes images only as base64 data URLs of png, jpeg, gif or webp.');
      return [{ image: { format, source: { bytes: match[2] } } }];
    }
    throw errors.invalidValue(`${param}[${i}]`, `Content part type "${String(p.type)}" is not supported by Bedrock Converse.`);
  });
}

function toolUseBlocks(message: ChatMessage, param: string): BedrockContentBlock[] {
  return (message.tool_calls ?? []).map((call, i) => {
    let input: unknown = {};
    const raw = call.function?.arguments;
    if (typeof raw === 'string' && raw.trim()) {
      try {
        input = JSON.parse(raw);
      } catch {
        throw errors.invalidValue(`${param}.tool_calls[${i}].function.arguments`, 'Tool call arguments must be a JSON object string.');
      }
    }
    if (!isObject(input)) throw errors.invalidValue(`${param}.tool_calls[${i}].function.arguments`, 'Tool call arguments must encode a JSON object.');
    return { toolUse: { toolUseId: call.id, name: call.function.name, input } };
  });
}

export function toConverseMessages(messages: ChatMessage[] | undefined): Pick<BedrockConverseRequest, 'messages' | 'system'> {
  if (!Array.isArray(messages) || messages.length === 0) throw errors.invalidValue('messages', 'messages must be a non-empty array.');
  const system: Array<{ text: string }> = [];
  const out: BedrockMessage[] = [];
  const push = (role: BedrockMessage['role'], blocks: BedrockContentBlock[]) => {
    if (blocks.length === 0) return;
    const last = out.at(-1);
    if (last?.role === role) last.content.push(...blocks);
    else out.push({ role, content: blocks });
  };
  messages.forEach((message, i) => {
    const param = `messages[${i}]`;
    if (message.role === 'system' || message.role === 'developer') {
      const text = textOf(message.content);
      if (text.trim()) system.push({ text });
    } else if (message.role === 'user') push('user', userBlocks(message.content, `${param}.content`));
    else if (message.role === 'assistant') {
      const text = textOf(message.content);
      push('assistant', [...(text.trim() ? [{ text }] : []), ...toolUseBlocks(message, param)]);
    } else if (message.role === 'tool' || message.role === 'function') {
      const id = message.tool_call_id;
      if (typeof id !== 'string' || !id) throw errors.invalidValue(`${param}.tool_call_id`, 'A tool message needs the tool_call_id of the call it answers.');
      push('user', [{ toolResult: { toolUseId: id, content: [{ text: textOf(message.content) || '(empty)' }] } }]);
    } else throw errors.invalidValue(`${param}.role`, `Unknown message role "${String(message.role)}".`);
  });
  if (out.length === 0) throw errors.invalidValue('messages', 'Bedrock needs at least one user message with content.');
  return system.length ? { system, messages: out } : { messages: out };
}

function toolChoiceOf(choice: unknown): BedrockToolChoice | undefined {
  if (choice == null || choice === 'auto' || choice === 'none') return choice === 'auto' ? { auto: {} } : undefined;
  if (choice === 'required') return { any: {} };
  const name = isObject(choice) && isObject(choice.function) ? choice.function.name : undefined;
  if (typeof name === 'string' && name) return { tool: { name } };
  throw errors.invalidValue('tool_choice', 'tool_choice must be "auto", "none", "required" or {"type":"function","function":{"name":...}}.');
}

export function buildConverseBody(request: AdapterRequest, provider: ProviderView): BedrockConverseRequest {
  const chat = request.body as unknown as ChatRequest;
  if (typeof chat.n === 'number' && chat.n > 1) throw errors.invalidValue('n', 'Bedrock models return one choice per request; send n = 1 or leave it out.');
  const body: BedrockConverseRequest = toConverseMessages(chat.messages);
  const inference: NonNullable<BedrockConverseRequest['inferenceConfig']> = {};
  const maxTokens = num(chat.max_completion_tokens) ?? num(chat.max_tokens) ?? num(provider.options.default_max_tokens);
  if (maxTokens !== undefined) inference.maxTokens = maxTokens;
  const temperature = num(chat.temperature);
  if (temperature !== undefined) inference.temperature = Math.min(1, Math.max(0, temperature));
  const topP = num(chat.top_p);
  if (topP !== undefined) inference.topP = topP;
  const stops = (typeof chat.stop === 'string' ? [chat.stop] : Array.isArray(chat.stop) ? chat.stop : []).filter((s) => typeof s === 'string' && s);
  if (stops.length > 4) throw errors.invalidValue('stop', 'Bedrock accepts at most 4 stop sequences.');
  if (stops.length) inference.stopSequences = stops;
  if (Object.keys(inference).length) body.inferenceConfig = inference;
  if (Array.isArray(chat.tools) && chat.tools.length) {
    const tools = (chat.tools as ToolDefinition[]).map((tool, i) => {
      if (tool?.type !== 'function' || typeof tool.function?.name !== 'string') throw errors.invalidValue(`tools[${i}]`, `tools[${i}] must be {"type":"function","function":{"name":...}}.`);
      const spec: { name: string; description?: string; inputSchema: { json: JsonObject } } = {
        name: tool.function.name,
        inputSchema: { json: isObject(tool.function.parameters) ? tool.function.parameters : { type: 'object', properties: {} } },
      };
      if (typeof tool.function.description === 'string' && tool.function.description) spec.description = tool.function.description;
      return { toolSpec: spec };
    });
    const toolChoice = toolChoiceOf(chat.tool_choice);
    body.toolConfig = toolChoice ? { tools, toolChoice } : { tools };
  }
  const extra = provider.options.additional_model_request_fields;
  if (isObject(extra)) body.additionalModelRequestFields = extra;
  return body;
}

export function buildChatRequest(request: AdapterRequest, provider: ProviderView): UpstreamRequest {
  return {
    url: converseUrl(provider, request.upstreamModel, request.stream),
    method: 'POST',
    headers: bedrockHeaders(provider, request.stream),
    body: JSON.stringify(buildConverseBody(request, provider)),
  };
}
