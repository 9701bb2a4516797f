// Inbound Anthropic Messages request → canonical (OpenAI Chat Completions) request. Pure: validates the
// body, throws GatewayError 400 invalid_request_error / invalid_value (param names the field; input-checks.ts) otherwise.
//
// Translation notes:
// - `system` (string or text blocks) becomes the first message, role 'system'.
// - user blocks (user-turn.ts): tool_result → role 'tool' messages (emitted first, in order), then the remaining
//   text/image/document/search_result blocks as one user message. Images inside a tool_result cannot ride
//   on an OpenAI tool message, so they move to that trailing user message. is_error results are prefixed
//   "Error: " and flagged `is_error: true` (an Anthropic upstream gets the flag and the unprefixed text back).
// - Documents and search results (user turns and tool_result content) become text for other upstreams (a
//   placeholder saying the document was omitted; a search result's title, source and text: blocks.ts). A
//   tool_result with other than plain text blocks or with a breakpoint keeps its content and cache_control as
//   sent in `anthropic_tool_result`, and a user turn with a document, search result or moved image keeps its
//   blocks in `anthropic_content`, so an Anthropic upstream gets them exactly (src/contracts/anthropic-blocks.ts).
// - assistant blocks: text → content, tool_use → tool_calls (arguments = JSON.stringify(input)),
//   thinking → reasoning_content (joined text); signed thinking and redacted_thinking blocks also →
//   thinking_blocks, in order and with their place among the text and tool_use blocks (sent back unchanged
//   and where they were to an Anthropic upstream; see thinking.ts and src/contracts/thinking.ts).
// - tool_use ids (and tool_result.tool_use_id) that carry opaque provider data are split back into the
//   canonical id + extra_content (see tool-ids.ts; e.g. Gemini's thoughtSignature survives Claude Code).
// - tools → function tools; tool_choice auto/any/tool/none → auto/required/named/none;
//   disable_parallel_tool_use → parallel_tool_calls: false; stop_sequences → stop; metadata.user_id → user.
// - temperature and top_p (0..1, Anthropic's range) pass through; `thinking` → anthropic_thinking, unchanged
//   (thinking.ts); Anthropic-only fields (top_k, output_config, context_management, service_tier, ...) →
//   anthropic_extra, unchanged (extras.ts, anthropic-extra.ts); other unknown fields are dropped.
// - cache_control breakpoints (TTL included) stay on the canonical parts, tool results and tools they were
//   sent on (system blocks carrying one stay blocks), so an Anthropic upstream gets them exactly; adapters
//   for upstreams that do not take them remove them. Breakpoints on tool_use blocks are dropped.
// - Server tools and other block types (file images, file documents, server tool results, ...) are rejected
//   with a 400 naming the field, rather than silently changing the conversation.

import type { ChatMessage, ChatRequest, ContentPart, JsonObject, ToolCall, ToolChoice, ToolDefinition } from '../../contracts/index.ts';
import { type Obj, bad, isObj, str, unsupportedBlock, withCache } from './input-checks.ts';
import { anthropicExtra } from './extras.ts';
import { AssistantThinking, thinkingConfig } from './thinking.ts';
import { decodeToolUseId } from './tool-ids.ts';
import { convertUser } from './user-turn.ts';
import type { AnthropicCountTokensRequest, AnthropicMessagesRequest } from './wire-types.ts';

/** Anthropic request → canonical ChatRequest. */
export function anthropicToCanonical(body: unknown): ChatRequest {
  return convert(body, true);
}

/** count_tokens body (messages body without max_tokens) → canonical ChatRequest for token counting. */
export function countTokensRequest(body: unknown): ChatRequest {
  return convert(body, false);
}

function convert(body: unknown, requireMaxTokens: boolean): ChatRequest {
  if (!isObj(body)) bad('body', 'The request body must be a JSON object');
  const req = body as Partial<AnthropicMessagesRequest | AnthropicCountTokensRequest> & Obj;
  if (typeof req.model !== 'string' || req.model === '') bad('model', '`model` is required and must be a non-empty string');
  const maxTokens = req.max_tokens;
  if (requireMaxTokens || maxTokens !== undefined) {
    if (typeof maxTokens !== 'number' || !Number.isInteger(maxTokens) || maxTokens < 1) {
      bad('max_tokens', '`max_tokens` is required and must be a positive integer');
    }
  }
  if (!Array.isArray(req.messages)) bad('messages', '`messages` is required and must be an array of {role, content} objects');

  const messages: ChatMessage[] = [];
  if (req.system !== undefined && req.system !== null) {
    const system = Array.isArray(req.system) && req.system.some((b) => isObj(b) && b.cache_control != null)
      ? textParts(req.system, 'system')
      : textOf(req.system, 'system');
    if (system !== '') messages.push({ role: 'system', content: system });
  }
  (req.messages as unknown[]).forEach((m, i) => messages.push(...convertMessage(m, `messages[${i}]`)));

  const out: ChatRequest = { model: req.model, messages };
  if (typeof maxTokens === 'number') out.max_tokens = maxTokens;
  if (req.stream !== undefined) {
    if (typeof req.stream !== 'boolean') bad('stream', '`stream` must be a boolean');
    out.stream = req.stream;
    // Anthropic streams always end with usage, so the gateway always needs it from the upstream.
    if (req.stream) out.stream_options = { include_usage: true };
  }
  for (const field of ['temperature', 'top_p'] as const) {
    const v = req[field];
    if (v === undefined || v === null) continue;
    // Anthropic's documented range for both (its API refuses values outside it).
    if (typeof v !== 'number' || !(v >= 0 && v <= 1)) bad(field, `\`${field}\` must be a number from 0 to 1`);
    out[field] = v;
  }
  if (req.stop_sequences !== undefined && req.stop_sequences !== null) {
    if (!Array.isArray(req.stop_sequences)) bad('stop_sequences', '`stop_sequences` must be an array of strings');
    const stop = req.stop_sequences.map((s, i) => str(s, `stop_sequences[${i}]`));
    if (stop.length > 0) out.stop = stop;
  }
  if (req.metadata !== undefined && req.metadata !== null) {
    if (!isObj(req.metadata)) bad('metadata', '`metadata` must be an object');
    const user = req.metadata.user_id;
    if (user !== undefined && user !== null) out.user = str(user, 'metadata.user_id');
  }
  if (req.tools !== undefined && req.tools !== null) {
    if (!Array.isArray(req.tools)) bad('tools', '`tools` must be an array');
    if (req.tools.length > 0) out.tools = req.tools.map((t, i) => convertTool(t, `tools[${i}]`));
  }
  const thinking = thinkingConfig(req.thinking);
  if (thinking) out.anthropic_thinking = thinking;
  const extra = anthropicExtra(req);
  if (extra) out.anthropic_extra = extra;
  if (req.tool_choice !== undefined && req.tool_choice !== null) {
    const { choice, parallel } = convertToolChoice(req.tool_choice);
    out.tool_choice = choice;
    if (parallel === false) out.parallel_tool_calls = false;
  }
  return out;
}

/** A string, or an array of text blocks, as one string (blocks joined with a blank line). */
function textOf(value: unknown, param: string): string {
  if (typeof value === 'string') return value;
  if (!Array.isArray(value)) bad(param, `\`${param}\` must be a string or an array of text blocks`);
  return value.map((b, i) => {
    if (!isObj(b) || b.type !== 'text') bad(`${param}[${i}]`, `\`${param}[${i}]\` must be a text block ({"type":"text","text":...})`);
    return str(b.text, `${param}[${i}].text`);
  }).join('\n\n');
}

/** Text blocks as canonical text parts, each keeping its cache_control breakpoint. */
function textParts(value: unknown[], param: string): ContentPart[] {
  return value.map((b, i) => {
    if (!isObj(b) || b.type !== 'text') bad(`${param}[${i}]`, `\`${param}[${i}]\` must be a text block ({"type":"text","text":...})`);
    return withCache({ type: 'text', text: str(b.text, `${param}[${i}].text`) }, b, `${param}[${i}]`);
  });
}

function convertMessage(raw: unknown, param: string): ChatMessage[] {
  if (!isObj(raw)) bad(param, `\`${param}\` must be an object with role and content`);
  const role = raw.role;
  if (role !== 'user' && role !== 'assistant' && role !== 'system') bad(`${param}.role`, `\`${param}.role\` must be "user" or "assistant"`);
  const content = raw.content;
  if (role === 'system') return [{ role: 'system', content: textOf(content, `${param}.content`) }];
  if (typeof content === 'string') return [{ role, content }];
  if (!Array.isArray(content)) bad(`${param}.content`, `\`${param}.content\` must be a string or an array of content blocks`);
  return role === 'user' ? convertUser(content, `${param}.content`) : [convertAssistant(content, `${param}.content`)];
}

function convertAssistant(blocks: unknown[], param: string): ChatMessage {
  const texts: ContentPart[] = [];
  let textLength = 0; // where a thinking block sits: after this much text and toolCalls.length calls
  let thinking: AssistantThinking | undefined;
  const toolCalls: ToolCall[] = [];
  blocks.forEach((b, i) => {
    const p = `${param}[${i}]`;
    if (!isObj(b)) bad(p, `\`${p}\` must be a content block object`);
    switch (b.type) {
      case 'text': {
        const text = str(b.text, `${p}.text`);
        textLength += text.length;
        texts.push(withCache({ type: 'text', text }, b, p));
        break;
      }
      case 'thinking': (thinking ??= new AssistantThinking()).thinking(b, p, textLength, toolCalls.length); break;
      case 'redacted_thinking': (thinking ??= new AssistantThinking()).redacted(b, p, textLength, toolCalls.length); break;
      case 'tool_use': {
        const input = b.input === undefined ? {} : b.input;
        const { id, extra } = decodeToolUseId(str(b.id, `${p}.id`));
        const call: ToolCall = { id, type: 'function', function: { name: str(b.name, `${p}.name`), arguments: JSON.stringify(input) } };
        if (extra) call.extra_content = extra;
        toolCalls.push(call);
        break;
      }
      default: unsupportedBlock(b.type, p, 'assistant');
    }
  });
  const joined = texts.map((t) => (t as { text: string }).text).join('');
  const cached = texts.some((t) => t.cache_control);
  const msg: ChatMessage = { role: 'assistant', content: cached ? texts : texts.length > 0 ? joined : toolCalls.length > 0 ? null : '' };
  if (toolCalls.length > 0) msg.tool_calls = toolCalls;
  if (thinking) {
    if (thinking.texts.length > 0) msg.reasoning_content = thinking.texts.join('');
    if (thinking.blocks.length > 0) msg.thinking_blocks = thinking.blocks;
  }
  return msg;
}

function convertTool(raw: unknown, param: string): ToolDefinition {
  if (!isObj(raw)) bad(param, `\`${param}\` must be a tool object`);
  if (raw.type !== undefined && raw.type !== null && raw.type !== 'custom') {
    bad(`${param}.type`, `Server tool ${JSON.stringify(raw.type)} is not supported by this gateway; define a client tool with name, description and input_schema`);
  }
  const name = str(raw.name, `${param}.name`);
  if (!isObj(raw.input_schema)) bad(`${param}.input_schema`, `\`${param}.input_schema\` must be a JSON Schema object`);
  const fn: ToolDefinition['function'] = { name, parameters: raw.input_schema as JsonObject };
  if (raw.description !== undefined && raw.description !== null) fn.description = str(raw.description, `${param}.description`);
  if (typeof raw.strict === 'boolean') fn.strict = raw.strict;
  return withCache<ToolDefinition>({ type: 'function', function: fn }, raw, param);
}

function convertToolChoice(raw: unknown): { choice: ToolChoice; parallel?: boolean } {
  if (!isObj(raw)) bad('tool_choice', '`tool_choice` must be an object like {"type":"auto"}');
  const parallel = raw.disable_parallel_tool_use === true ? false : undefined;
  switch (raw.type) {
    case 'auto': return { choice: 'auto', parallel };
    case 'any': return { choice: 'required', parallel };
    case 'none': return { choice: 'none' };
    case 'tool': return { choice: { type: 'function', function: { name: str(raw.name, 'tool_choice.name') } }, parallel };
    default: bad('tool_choice.type', '`tool_choice.type` must be "auto", "any", "tool" or "none"');
  }
}

