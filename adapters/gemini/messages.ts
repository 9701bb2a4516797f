// OpenAI chat messages → Gemini `contents` + `systemInstruction`.
// Roles: user → user, assistant → model, system/developer → systemInstruction, tool/function →
// user-role functionResponse parts. Consecutive contents of one role are merged (Gemini expects
// the results of parallel calls in one turn). Assistant tool calls become functionCall parts, and
// the opaque fields a client carried in `extra_content.google` (thoughtSignature) are put back on
// the part as siblings of functionCall, which is where Gemini expects them.

import { carriesExtra, decodeToolCallId, errors, type ChatMessage, type ContentPart, type JsonObject, type JsonValue, type ToolCall } from '../../src/contracts/index.ts';
import type { GeminiContent, GeminiPart, GeminiRole } from './wire-types.ts';

/** Part fields a client may not set through extra_content (they carry the part's data). */
const DATA_FIELDS = new Set(['text', 'inlineData', 'fileData', 'functionCall', 'functionResponse', 'executableCode', 'codeExecutionResult']);

const MIME_BY_EXTENSION: Record<string, string> = {
  png: 'image/png', jpg: 'image/jpeg', jpeg: 'image/jpeg', webp: 'image/webp', gif: 'image/gif',
  heic: 'image/heic', heif: 'image/heif', pdf: 'application/pdf', mp3: 'audio/mp3', wav: 'audio/wav',
  mp4: 'video/mp4', txt: 'text/plain',
};

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Guesses a MIME type from a URL's file extension (image/jpeg when unknown). */
export function guessMimeType(url: string): string {
  let path = url;
  try {
    path = new URL(url).pathname;
  } catch {
    // not an absolute URL: use it as a path
  }
  const ext = /\.([a-z0-9]+)$/i.exec(path)?.[1]?.toLowerCase();
  return (ext && MIME_BY_EXTENSION[ext]) || 'image/jpeg';
}

/**
 * data: URL → inlineData; an http(s) URL, or a gs:// Cloud Storage URI (Vertex AI reads those), → fileData
 * with a guessed MIME type. Anything else (file:, relative paths, ...) names nothing the provider can
 * fetch and is refused, as the Anthropic adapter does.
 */
function urlPart(url: string, param: string): GeminiPart {
  if (!/^(?:https?|gs):\/\//i.test(url) && !url.startsWith('data:')) {
    throw errors.invalidValue(param, `${param} must be a data: URL (data:<mime>;base64,<data>) or an http(s) URL (gs:// Cloud Storage URIs on Vertex AI).`);
  }
  if (url.startsWith('data:')) {
    const match = /^data:([^;,]+)((?:;[^;,]*)*),(.*)$/s.exec(url);
    if (!match || !/;base64/i.test(match[2])) {
      throw errors.invalidValue(param, `${param} must be a base64 data URL (data:<mime>;base64,<data>) or an http(s) URL.`);
    }
    return { inlineData: { mimeType: match[1], data: match[3] } };
  }
  return { fileData: { fileUri: url, mimeType: guessMimeType(url) } };
}

function contentPart(part: ContentPart, param: string): GeminiPart | undefined {
  const p = part as JsonObject;
  switch (p.type) {
    case 'text':
      return typeof p.text === 'string' && p.text !== '' ? { text: p.text } : undefined;
    case 'image_url': {
      const image = p.image_url;
      const url = typeof image === 'string' ? image : isObject(image) ? image.url : undefined;
      if (typeof url !== 'string') throw errors.invalidValue(param, `${param}.image_url.url must be a string.`);
      return urlPart(url, `${param}.image_url.url`);
    }
    case 'input_audio': {
      const audio = isObject(p.input_audio) ? p.input_audio : {};
      if (typeof audio.data !== 'string') throw errors.invalidValue(param, `${param}.input_audio.data must be base64 audio.`);
      return { inlineData: { mimeType: `audio/${typeof audio.format === 'string' ? audio.format : 'wav'}`, data: audio.data } };
    }
    case 'file': {
      const file = isObject(p.file) ? p.file : {};
      if (typeof file.file_data !== 'string') {
        throw errors.invalidValue(param, `${param}: Gemini accepts files only inline, as file.file_data (a base64 data URL).`);
      }
      return urlPart(file.file_data, `${param}.file.file_data`);
    }
    default:
      throw errors.invalidValue(param, `${param}: content part type "${String(p.type)}" is not supported by Gemini models.`);
  }
}

function contentParts(content: ChatMessage['content'], param: string): GeminiPart[] {
  if (typeof content === 'string') return content === '' ? [] : [{ text: content }];
  if (!Array.isArray(content)) return [];
  const parts: GeminiPart[] = [];
  content.forEach((part, i) => {
    const converted = contentPart(part, `${param}[${i}]`);
    if (converted) parts.push(converted);
  });
  return parts;
}

/** The plain text of a message (text parts joined), for system prompts and tool results. */
export function contentText(content: ChatMessage['content']): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content.map((p) => ((p as JsonObject).type === 'text' && typeof (p as JsonObject).text === 'string' ? (p as JsonObject).text : ''))
    .join('');
}

function functionCallPart(call: ToolCall, param: string): GeminiPart {
  const raw = call.function?.arguments;
  let args: JsonValue = {};
  if (typeof raw === 'string' && raw.trim() !== '') {
    try {
      args = JSON.parse(raw) as JsonValue;
    } catch {
      throw errors.invalidValue(`${param}.function.arguments`, `${param}.function.arguments must be a JSON object string.`);
    }
  }
  if (!isObject(args)) throw errors.invalidValue(`${param}.function.arguments`, `${param}.function.arguments must encode a JSON object.`);
  const part: GeminiPart = { functionCall: { name: call.function.name, args } };
  // A surface that did not split the id (see src/contracts/tool-call-ids.ts) still gets its signature back.
  const google = (call.extra_content ?? (typeof call.id === 'string' ? decodeToolCallId(call.id).extra : undefined))?.google;
  if (isObject(google)) {
    for (const [key, value] of Object.entries(google)) {
      const field = key === 'thought_signature' ? 'thoughtSignature' : key;
      if (!DATA_FIELDS.has(field)) part[field] = value;
    }
  }
  return part;
}

/** The canonical part of a tool-call id (without carried data, see src/contracts/tool-call-ids.ts). */
const canonicalId = (id: string): string => (carriesExtra(id) ? decodeToolCallId(id).id : id);

/** The function name of the assistant tool call `id` answered at `index` (most recent match wins). */
function toolName(messages: ChatMessage[], index: number, id: string | undefined): string | undefined {
  if (id === undefined) return undefined;
  const wanted = canonicalId(id);
  for (let i = index - 1; i >= 0; i--) {
    const call = messages[i].role === 'assistant' ? messages[i].tool_calls?.find((c) => c.id === id || (typeof c.id === 'string' && canonicalId(c.id) === wanted)) : undefined;
    if (call) return call.function.name;
  }
  return undefined;
}

function functionResponsePart(messages: ChatMessage[], index: number): GeminiPart {
  const message = messages[index];
  const name = toolName(messages, index, message.tool_call_id) ?? message.name;
  if (!name) {
    throw errors.invalidValue(
      `messages[${index}].tool_call_id`,
      `messages[${index}] answers tool call "${message.tool_call_id ?? ''}", but no earlier assistant message has a tool call with that id; Gemini needs the function name of every tool result.`,
    );
  }
  const text = contentText(message.content);
  let response: JsonObject = { content: text };
  try {
    const parsed = JSON.parse(text) as JsonValue;
    if (isObject(parsed)) response = parsed;
  } catch {
    // plain text result
  }
  return { functionResponse: { name, response } };
}

export interface GeminiConversation {
  contents: GeminiContent[];
  systemInstruction?: GeminiContent;
}

/** Converts the whole message list; throws GatewayError (400) naming the offending field. */
export function toGeminiConversation(messages: ChatMessage[]): GeminiConversation {
  const contents: GeminiContent[] = [];
  const system: GeminiPart[] = [];
  const add = (role: GeminiRole, parts: GeminiPart[]) => {
    if (parts.length === 0) return;
    const last = contents[contents.length - 1];
    if (last && last.role === role) last.parts.push(...parts);
    else contents.push({ role, parts });
  };
  messages.forEach((message, i) => {
    const param = `messages[${i}]`;
    switch (message.role) {
      case 'system':
      case 'developer': {
        // Each text part stays its own part (blocks a client split, e.g. around a cache breakpoint).
        const texts = Array.isArray(message.content) ? message.content.map((p) => contentText([p])) : [contentText(message.content)];
        for (const text of texts) if (text) system.push({ text });
        break;
      }
      case 'user':
        add('user', contentParts(message.content, `${param}.content`));
        break;
      case 'assistant': {
        // Earlier answers are replayed as text; refusal or other non-text parts carry nothing to resend.
        const text = contentText(message.content);
        const parts: GeminiPart[] = text ? [{ text }] : [];
        (message.tool_calls ?? []).forEach((call, j) => parts.push(functionCallPart(call, `${param}.tool_calls[${j}]`)));
        add('model', parts);
        break;
      }
      case 'tool':
      case 'function':
        add('user', [functionResponsePart(messages, i)]);
        break;
      default:
        throw errors.invalidValue(`${param}.role`, `${param}.role "${String(message.role)}" is not a chat role.`);
    }
  });
  return system.length > 0 ? { contents, systemInstruction: { parts: system } } : { contents };
}
