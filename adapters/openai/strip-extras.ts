// Removes fields other providers put on requests that OpenAI-style APIs reject as unknown properties:
// `extra_content` on tool calls (Gemini's thoughtSignature), `reasoning_content` on assistant turns
// where the provider's `reasoning_content` mode says so (reasoning-passback.ts: by default every turn
// for OpenAI and unknown vendors, all but tool-loop turns for DeepSeek, Moonshot, Zhipu), Anthropic's
// signed `thinking_blocks` on assistant turns and `is_error` on tool turns (the tool's text already says `Error: `),
// the Anthropic client's own blocks (`anthropic_tool_result`, `anthropic_content`: the canonical content
// already says it in text, src/contracts/anthropic-blocks.ts), Anthropic's `cache_control` breakpoints on
// content parts and tools (OpenAI caches prompt prefixes by itself), and the gateway's own top-level fields
// (GATEWAY_REQUEST_FIELDS in src/contracts/gateway-fields.ts). With `forward_extra_content` only those and the
// Anthropic-only message fields go (withoutAnthropicFields; ANTHROPIC_MESSAGE_FIELDS). Only the fields go; text, order and everything
// else stay byte for byte, so the upstream's own prefix cache still matches. The body is copied only when
// such a field is present.

import { ANTHROPIC_MESSAGE_FIELDS, GATEWAY_REQUEST_FIELDS, hasAnyField, withoutFieldsOf } from '../../src/contracts/index.ts';
import type { JsonObject, JsonValue } from '../../src/contracts/index.ts';
import { type Msg, type ReasoningMode, isObj, reasoningToDrop } from './reasoning-passback.ts';


export function stripForeignFields(body: JsonObject, reasoning: ReasoningMode = 'strip'): JsonObject {
  const messages = body.messages;
  const tools = body.tools;
  const drop = Array.isArray(messages) ? reasoningToDrop(messages, reasoning) : undefined;
  const dirtyMessages = Array.isArray(messages) && (drop !== undefined || messages.some(hasForeign));
  const dirtyTools = Array.isArray(tools) && tools.some((t) => isObj(t) && 'cache_control' in t);
  if (!dirtyMessages && !dirtyTools) return withoutGatewayFields(body);
  const out = withoutGatewayFields({ ...body });
  if (dirtyMessages) out.messages = cleanMessages(messages as JsonValue[], drop);
  if (dirtyTools) out.tools = (tools as JsonValue[]).map((t) => (isObj(t) ? withoutCache(t) : t));
  return out;
}

/** The messages with their foreign fields removed (and reasoning_content where `drop` says). */
function cleanMessages(messages: JsonValue[], drop: boolean[] | undefined): JsonValue[] {
  // Its own function: a closure over `drop` in stripForeignFields would give every call a scope object.
  return messages.map((m, i) => (drop?.[i] || hasForeign(m) ? clean(m as Msg, drop?.[i] === true) : m));
}

/** The body without the gateway's top-level fields (GATEWAY_REQUEST_FIELDS); the same body when it has none. */
export function withoutGatewayFields(body: JsonObject): JsonObject {
  return withoutFieldsOf(body, GATEWAY_REQUEST_FIELDS);
}

/**
 * The body without what only Anthropic (or Gemini) upstreams may see: `anthropic_thinking`, `anthropic_extra`,
 * `anthropic_beta`, `gemini_thinking`, and messages' signed `thinking_blocks`, `is_error`,
 * `anthropic_tool_result` and `anthropic_content` (upstreams that keep unknown fields, `forward_extra_content` and onebound,
 * get everything else). The same body when it has none of them.
 */
export function withoutAnthropicFields(body: JsonObject): JsonObject {
  const messages = body.messages;
  const dirty = Array.isArray(messages) && messages.some(hasAnthropicOnly);
  if (!dirty) return withoutGatewayFields(body);
  const out = withoutGatewayFields({ ...body });
  out.messages = (messages as JsonValue[]).map((m) => (isObj(m) ? withoutFieldsOf(m, ANTHROPIC_MESSAGE_FIELDS) : m));
  return out;
}

/** Message fields only Anthropic upstreams may see (ANTHROPIC_MESSAGE_FIELDS). */
function hasAnthropicOnly(m: JsonValue): boolean {
  return isObj(m) && hasAnyField(m, ANTHROPIC_MESSAGE_FIELDS);
}

/** Foreign fields other than reasoning_content (reasoningToDrop decides on that one). */
function hasForeign(m: JsonValue): boolean {
  if (!isObj(m)) return false;
  if (hasAnthropicOnly(m)) return true;
  const calls = m.tool_calls;
  if (Array.isArray(calls) && calls.some((c) => isObj(c) && 'extra_content' in c)) return true;
  return Array.isArray(m.content) && m.content.some((p) => isObj(p) && 'cache_control' in p);
}

function withoutCache(o: Msg): Msg {
  if (!('cache_control' in o)) return o;
  const { cache_control: _c, ...rest } = o;
  return rest;
}

function clean(m: Msg, dropReasoning: boolean): Msg {
  const rest: Msg = { ...m }; // deleting from a copy keeps the kept keys in their order
  if (dropReasoning) delete rest.reasoning_content;
  for (const f of ANTHROPIC_MESSAGE_FIELDS) delete rest[f];
  if (Array.isArray(rest.tool_calls)) {
    rest.tool_calls = rest.tool_calls.map((c) => {
      if (!isObj(c)) return c;
      const { extra_content: _x, ...call } = c;
      return call;
    });
  }
  if (Array.isArray(rest.content)) rest.content = rest.content.map((p) => (isObj(p) ? withoutCache(p) : p));
  return rest;
}
