// Inbound Responses request → canonical (OpenAI Chat Completions) request, for upstreams that do not
// speak Responses. Pure; throws GatewayError 400 invalid_value naming the field otherwise.
//
// Translation:
// - `instructions` → first message, role system; input string → one user message.
// - message items (with or without type: 'message'): input_text/output_text → text parts, input_image →
//   image_url parts (URL or data URL; file_id cannot be expressed), refusal → text.
// - function_call items (call_id may carry provider data, see ../anthropic/tool-ids.ts) → tool_calls on one assistant message (merged with the assistant text right
//   before them, as chat expects); function_call_output → a role tool message (call_id = tool_call_id).
// - reasoning items: their text (summary_text and reasoning_text parts) becomes `reasoning_content` of
//   the assistant turn that follows (its message and/or function calls), so a vendor that wants the
//   reasoning of tool-call turns back (DeepSeek, Kimi) gets it; encrypted_content only means something
//   to OpenAI and is not carried. A reasoning item with no assistant turn after it is dropped.
//   Exception: an encrypted_content this gateway wrote (signed-reasoning.ts: an Anthropic answer's signed
//   thinking) becomes the turn's `thinking_blocks` again, so a Claude tool loop keeps thinking on. Items of
//   one answer stay one turn: such a reasoning item after the turn's message or function call (interleaved
//   thinking, streamed as several reasoning items) adds its blocks to that turn, and so does a later
//   assistant message of a turn that has signed thinking.
// - function tools → chat tools; tool_choice auto/none/required/{type:function,name} kept;
//   max_output_tokens → max_completion_tokens; text.format json_schema/json_object → response_format;
//   reasoning.effort → reasoning_effort; temperature, top_p, parallel_tool_calls, user, metadata kept.
// - `strict: false` (every target speaks Responses natively; the chat form is only used for counting
//   and plugins) drops what chat cannot express instead of refusing it.

import { errors } from '../../contracts/errors.ts';
import type { ChatMessage, ChatRequest, ContentPart, JsonObject, JsonValue, ToolCall, ToolDefinition } from '../../contracts/canonical.ts';
import type { ThinkingBlock } from '../../contracts/thinking.ts';
import { decodeToolUseId } from '../anthropic/tool-ids.ts';
import { decodeSignedReasoning, isSignedReasoning } from './signed-reasoning.ts';
import type { ResponsesInputItem, ResponsesRequest } from './wire-types.ts';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

function bad(param: string, message: string): never {
  throw errors.invalidValue(param, `Invalid request to the gateway's Responses API: ${message}.`);
}

/** `input` as a list of items (a string is one user message). */
export function inputItems(input: ResponsesRequest['input'], param = 'input'): ResponsesInputItem[] {
  if (input === undefined || input === null) return [];
  if (typeof input === 'string') return [{ type: 'message', role: 'user', content: input }];
  if (!Array.isArray(input)) bad(param, '`input` must be a string or an array of items');
  input.forEach((item, i) => {
    if (!isObj(item)) bad(`${param}[${i}]`, `input[${i}] must be an object`);
  });
  return input;
}

export function responsesToCanonical(req: ResponsesRequest, items: ResponsesInputItem[], strict: boolean): ChatRequest {
  const messages: ChatMessage[] = [];
  if (typeof req.instructions === 'string' && req.instructions) messages.push({ role: 'system', content: req.instructions });
  const state: ItemState = { reasoning: undefined, blocks: undefined, run: undefined };
  items.forEach((item, i) => convertItem(item, `input[${i}]`, messages, strict, state));
  if (!messages.some((m) => m.role !== 'system' && m.role !== 'developer')) bad('input', '`input` must contain at least one message or item');

  const chat: ChatRequest = { model: typeof req.model === 'string' ? req.model : '', messages };
  const tools: ToolDefinition[] = [];
  (req.tools ?? []).forEach((t, i) => {
    if (!isObj(t)) bad(`tools[${i}]`, 'each tool must be an object');
    if (t.type !== 'function') {
      if (strict) bad(`tools[${i}]`, `the built-in tool "${String(t.type)}" runs only on OpenAI's own Responses API, and this model is served (at least partly) by another provider; use function tools`);
      return;
    }
    if (typeof t.name !== 'string' || !t.name) bad(`tools[${i}].name`, 'function tools need a `name`');
    const fn: ToolDefinition['function'] = { name: t.name };
    if (typeof t.description === 'string') fn.description = t.description;
    if (isObj(t.parameters)) fn.parameters = t.parameters as JsonObject;
    if (typeof t.strict === 'boolean') fn.strict = t.strict;
    tools.push({ type: 'function', function: fn });
  });
  if (tools.length) {
    chat.tools = tools;
    const choice = req.tool_choice;
    if (choice === 'auto' || choice === 'none' || choice === 'required') chat.tool_choice = choice;
    else if (isObj(choice) && choice.type === 'function' && typeof choice.name === 'string') chat.tool_choice = { type: 'function', function: { name: choice.name } };
    else if (choice !== undefined && strict) bad('tool_choice', '`tool_choice` must be auto, none, required or {"type":"function","name":...}');
    if (typeof req.parallel_tool_calls === 'boolean') chat.parallel_tool_calls = req.parallel_tool_calls;
  }
  if (req.max_output_tokens !== undefined && req.max_output_tokens !== null) {
    if (typeof req.max_output_tokens !== 'number' || !Number.isInteger(req.max_output_tokens) || req.max_output_tokens < 1) bad('max_output_tokens', '`max_output_tokens` must be a positive integer');
    chat.max_completion_tokens = req.max_output_tokens;
  }
  for (const field of ['temperature', 'top_p'] as const) {
    const v = req[field];
    if (typeof v === 'number') chat[field] = v; // range checked in validate.ts
  }
  const format = req.text?.format;
  if (isObj(format) && format.type === 'json_schema') {
    if (typeof format.name !== 'string' || !isObj(format.schema)) bad('text.format', 'a json_schema format needs `name` and `schema`');
    const schema: JsonObject = { name: format.name, schema: format.schema as JsonObject };
    if (typeof format.strict === 'boolean') schema.strict = format.strict;
    if (typeof format.description === 'string') schema.description = format.description;
    chat.response_format = { type: 'json_schema', json_schema: schema };
  } else if (isObj(format) && format.type === 'json_object') chat.response_format = { type: 'json_object' };
  const effort = req.reasoning?.effort;
  if (typeof effort === 'string') chat.reasoning_effort = effort === 'none' ? 'minimal' : effort;
  if (typeof req.user === 'string') chat.user = req.user;
  return chat;
}

/** Reasoning waiting for the assistant turn it belongs to, and the assistant turn the items are still building. */
interface ItemState {
  reasoning: string | undefined;
  /** Signed thinking blocks (ours, from encrypted_content) for the next assistant turn. */
  blocks: ThinkingBlock[] | undefined;
  /** The assistant turn of the current run of assistant items (message / function_call / reasoning). */
  run: ChatMessage | undefined;
}

function reasoningText(item: ResponsesInputItem): string {
  let text = '';
  for (const list of [item.summary, item.content]) {
    if (!Array.isArray(list)) continue;
    for (const part of list) if (isObj(part) && typeof part.text === 'string') text += text && part.text ? `\n\n${part.text}` : part.text;
    if (text) break; // content (full reasoning text) is only read when there is no summary text
  }
  return text;
}

/** A new assistant turn, carrying the reasoning items right before it. */
function assistantTurn(msg: ChatMessage, state: ItemState): ChatMessage {
  if (state.reasoning) msg.reasoning_content = state.reasoning;
  if (state.blocks?.length) msg.thinking_blocks = state.blocks;
  state.reasoning = undefined;
  state.blocks = undefined;
  state.run = msg;
  return msg;
}

const joinText = (a: string | undefined, b: string) => (a && b ? `${a}\n\n${b}` : a || b);

function convertItem(item: ResponsesInputItem, param: string, out: ChatMessage[], strict: boolean, state: ItemState): void {
  const type = item.type ?? 'message';
  if (type !== 'reasoning' && type !== 'function_call' && !(type === 'message' && item.role === 'assistant')) {
    state.reasoning = undefined;
    state.blocks = undefined;
    state.run = undefined;
  }
  switch (type) {
    case 'message': {
      const role = item.role;
      if (role !== 'user' && role !== 'assistant' && role !== 'system' && role !== 'developer') bad(`${param}.role`, 'a message role must be user, assistant, system or developer');
      const content = convertContent(item.content, `${param}.content`, strict);
      if (role === 'assistant') {
        const text = typeof content === 'string' ? content : content.map((p) => (p as { text?: string }).text ?? '').join('');
        const run = state.run;
        // More text of one signed answer (interleaved thinking): the same turn, whose offsets count all its text.
        if (run?.thinking_blocks?.length && !state.reasoning && !state.blocks && out.at(-1) === run) run.content = `${typeof run.content === 'string' ? run.content : ''}${text}`;
        else out.push(assistantTurn({ role: 'assistant', content: text }, state));
      } else out.push({ role, content });
      return;
    }
    case 'function_call': {
      if (typeof item.call_id !== 'string' || typeof item.name !== 'string') bad(param, 'a function_call item needs `call_id` and `name`');
      // Opaque provider data (Gemini's thoughtSignature) rides in call_id, as on the Anthropic surface.
      const { id, extra } = decodeToolUseId(item.call_id);
      const call: ToolCall = { id, type: 'function', function: { name: item.name, arguments: typeof item.arguments === 'string' ? item.arguments : '{}' } };
      if (extra) call.extra_content = extra;
      const last = out.at(-1);
      // Parallel calls (and the text before them) form one assistant turn in chat.
      if (last?.role === 'assistant' && !state.reasoning && !state.blocks) (last.tool_calls ??= []).push(call);
      else out.push(assistantTurn({ role: 'assistant', content: null, tool_calls: [call] }, state));
      return;
    }
    case 'function_call_output': {
      if (typeof item.call_id !== 'string') bad(`${param}.call_id`, 'a function_call_output item needs `call_id`');
      const output = item.output;
      const text = typeof output === 'string' ? output : Array.isArray(output) ? output.map((p) => (isObj(p) && typeof p.text === 'string' ? p.text : '')).join('') : JSON.stringify(output ?? '');
      out.push({ role: 'tool', tool_call_id: decodeToolUseId(item.call_id).id, content: text });
      return;
    }
    case 'reasoning': {
      const text = reasoningText(item);
      if (isSignedReasoning(item.encrypted_content)) {
        const blocks = decodeSignedReasoning(item.encrypted_content, `${param}.encrypted_content`);
        const run = state.run;
        if (run && out.at(-1) === run && !state.reasoning && !state.blocks) {
          // Thinking later in the same signed answer (interleaved): its offsets already place it in the turn.
          run.thinking_blocks = [...(run.thinking_blocks ?? []), ...blocks];
          if (text) run.reasoning_content = joinText(run.reasoning_content, text);
          return;
        }
        state.blocks = [...(state.blocks ?? []), ...blocks];
      }
      if (text) state.reasoning = joinText(state.reasoning, text);
      return;
    }
    default:
      if (strict) bad(`${param}.type`, `input items of type "${type}" can only be sent to OpenAI's own Responses API, and this model is served (at least partly) by another provider`);
  }
}

function convertContent(content: JsonValue | undefined, param: string, strict: boolean): string | ContentPart[] {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) bad(param, 'message content must be a string or an array of parts');
  const parts: ContentPart[] = [];
  content.forEach((part, j) => {
    if (!isObj(part)) bad(`${param}[${j}]`, 'each content part must be an object');
    switch (part.type) {
      case 'input_text':
      case 'output_text':
        parts.push({ type: 'text', text: String(part.text ?? '') });
        return;
      case 'refusal':
        parts.push({ type: 'text', text: String(part.refusal ?? '') });
        return;
      case 'input_image': {
        if (typeof part.image_url !== 'string') {
          if (strict) bad(`${param}[${j}].image_url`, 'images need an `image_url` (https or data URL); file_id images exist only on OpenAI');
          return;
        }
        const image: { url: string; detail?: string } = { url: part.image_url };
        if (typeof part.detail === 'string' && part.detail !== 'auto') image.detail = part.detail;
        parts.push({ type: 'image_url', image_url: image });
        return;
      }
      default:
        if (strict) bad(`${param}[${j}].type`, `content parts of type "${String(part.type)}" can only be sent to OpenAI's own Responses API`);
    }
  });
  return parts;
}
