// Removes fields other providers put on messages that OpenAI-style APIs reject as unknown properties:
// `extra_content` on tool calls (Gemini's thoughtSignature) and `reasoning_content` on assistant turns
// (DeepSeek rejects it on input). The body is copied only when such a field is present.

import type { JsonObject, JsonValue } from '../../src/contracts/index.ts';

type Msg = { [k: string]: JsonValue };

export function stripForeignFields(body: JsonObject): JsonObject {
  const messages = body.messages;
  if (!Array.isArray(messages) || !messages.some(hasForeign)) return body;
  return { ...body, messages: messages.map((m) => (hasForeign(m) ? clean(m as Msg) : m)) };
}

function hasForeign(m: JsonValue): boolean {
  if (!m || typeof m !== 'object' || Array.isArray(m)) return false;
  if ('reasoning_content' in m) return true;
  const calls = (m as Msg).tool_calls;
  return Array.isArray(calls) && calls.some((c) => !!c && typeof c === 'object' && !Array.isArray(c) && 'extra_content' in c);
}

function clean(m: Msg): Msg {
  const { reasoning_content: _r, ...rest } = m;
  if (Array.isArray(rest.tool_calls)) {
    rest.tool_calls = rest.tool_calls.map((c) => {
      if (!c || typeof c !== 'object' || Array.isArray(c)) return c;
      const { extra_content: _e, ...call } = c as Msg;
      return call;
    });
  }
  return rest;
}
