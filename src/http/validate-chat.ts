// The shape checks on an OpenAI chat request that every adapter relies on: messages, and the type (and
// OpenAI's documented range) of the top-level fields the gateway or an adapter reads. A wrong type is a
// 400 naming the field and the expected type, as OpenAI answers, instead of being dropped or forwarded.
// Runs on every chat request: plain loops and typeof checks only. Anything else is the provider's business.

import { GatewayError } from '../contracts/errors.ts';
import { GATEWAY_REQUEST_FIELDS, SURFACE_MESSAGE_FIELDS, hasAnyField } from '../contracts/gateway-fields.ts';
import type { JsonObject, JsonValue } from '../contracts/canonical.ts';

const ROLES = new Set(['system', 'developer', 'user', 'assistant', 'tool', 'function']);
const ROLE_LIST = [...ROLES].join(', ');
/** OpenAI's limit on stop sequences. */
export const MAX_STOP_SEQUENCES = 4;
/** Fields that must be positive integers when present. */
const COUNT_FIELDS = ['max_tokens', 'max_completion_tokens', 'n'] as const;

function bad(param: string, message: string): GatewayError {
  return new GatewayError({ status: 400, type: 'invalid_request_error', code: 'invalid_value', param, message });
}

const isObj = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);
const absent = (v: unknown) => v === undefined || v === null;

/** "a string", "an array", "null", ... for messages that say what was sent. */
function kindOf(v: JsonValue | undefined): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  const t = typeof v;
  return t === 'object' ? 'an object' : t === 'number' ? 'a number' : t === 'boolean' ? 'a boolean' : `a ${t}`;
}

/** `stream` on chat and completions: a boolean (a string such as "yes" is refused, not read as false). */
export function assertStreamFlag(body: JsonObject): void {
  const v = body.stream;
  if (!absent(v) && typeof v !== 'boolean') throw bad('stream', `"stream" must be a boolean (true or false), not ${kindOf(v)}.`);
}

export function validateChat(body: JsonObject): void {
  // The gateway's own canonical fields for Anthropic and Gemini upstreams are set by the Anthropic and Gemini
  // surfaces after their checks (src/contracts/thinking.ts, anthropic-extra.ts, gemini-thinking.ts); an
  // OpenAI-surface client cannot send them.
  if (hasAnyField(body, GATEWAY_REQUEST_FIELDS)) for (const f of GATEWAY_REQUEST_FIELDS) delete body[f];
  validateMessages(body.messages);
  assertStreamFlag(body);
  for (const field of COUNT_FIELDS) {
    const v = body[field];
    if (!absent(v) && (typeof v !== 'number' || !Number.isInteger(v) || v < 1)) throw bad(field, `"${field}" must be a positive integer.`);
  }
  range(body, 'temperature', 2);
  range(body, 'top_p', 1);
  validateTools(body.tools);
  const choice = body.tool_choice;
  if (!absent(choice) && typeof choice !== 'string' && !(isObj(choice) && typeof choice.type === 'string')) {
    throw bad('tool_choice', `"tool_choice" must be a string ("auto", "none" or "required") or an object like {"type": "function", "function": {"name": "..."}}, not ${kindOf(choice)}.`);
  }
  validateStop(body.stop);
  const format = body.response_format;
  if (!absent(format) && !(isObj(format) && typeof format.type === 'string')) {
    throw bad('response_format', `"response_format" must be an object with a string "type", e.g. {"type": "json_object"}, not ${kindOf(format)}.`);
  }
  const bias = body.logit_bias;
  if (!absent(bias)) {
    if (!isObj(bias)) throw bad('logit_bias', `"logit_bias" must be an object mapping token ids to numbers from -100 to 100, not ${kindOf(bias)}.`);
    for (const token in bias) {
      const v = bias[token];
      if (typeof v !== 'number' || !(v >= -100 && v <= 100)) throw bad(`logit_bias.${token}`, `"logit_bias" values must be numbers from -100 to 100; token ${token} has ${kindOf(v)}${typeof v === 'number' ? ` (${v})` : ''}.`);
    }
  }
}

/** A number from 0 to `max` (OpenAI's documented range), or absent. */
function range(body: JsonObject, field: string, max: number): void {
  const v = body[field];
  if (absent(v)) return;
  if (typeof v !== 'number' || !(v >= 0 && v <= max)) throw bad(field, `"${field}" must be a number from 0 to ${max}${typeof v === 'number' ? `; got ${v}` : `, not ${kindOf(v)}`}.`);
}

function validateMessages(messages: JsonValue | undefined): void {
  if (!Array.isArray(messages) || messages.length === 0) throw bad('messages', '"messages" must be a non-empty array of {role, content} objects.');
  for (let i = 0; i < messages.length; i++) {
    const m = messages[i];
    if (!isObj(m) || typeof m.role !== 'string' || !ROLES.has(m.role)) {
      throw bad(`messages[${i}]`, `messages[${i}] must be an object with a "role" of ${ROLE_LIST}.`);
    }
    // Set by the Anthropic surface only (src/contracts/anthropic-blocks.ts): an OpenAI client cannot send them.
    if (hasAnyField(m, SURFACE_MESSAGE_FIELDS)) for (const f of SURFACE_MESSAGE_FIELDS) delete m[f];
    const content = m.content;
    if (!absent(content) && typeof content !== 'string') {
      if (!Array.isArray(content)) throw bad(`messages[${i}].content`, `messages[${i}].content must be a string, an array of content parts, or null.`);
      for (let j = 0; j < content.length; j++) {
        const part = content[j];
        if (!isObj(part) || typeof part.type !== 'string') {
          throw bad(`messages[${i}].content[${j}]`, `messages[${i}].content[${j}] must be an object with a string "type" (e.g. {"type":"text","text":"..."}).`);
        }
      }
    }
    const calls = m.tool_calls;
    if (!absent(calls)) {
      if (!Array.isArray(calls)) throw bad(`messages[${i}].tool_calls`, `messages[${i}].tool_calls must be an array.`);
      for (let j = 0; j < calls.length; j++) {
        const c = calls[j];
        const fn = isObj(c) ? c.function : undefined;
        if (!isObj(fn) || typeof fn.name !== 'string') {
          throw bad(`messages[${i}].tool_calls[${j}]`, `messages[${i}].tool_calls[${j}] must be {"id", "type": "function", "function": {"name", "arguments"}}.`);
        }
      }
    }
  }
}

function validateTools(tools: JsonValue | undefined): void {
  if (absent(tools)) return;
  if (!Array.isArray(tools)) throw bad('tools', `"tools" must be an array of tool objects like {"type": "function", "function": {"name": "...", "parameters": {...}}}, not ${kindOf(tools)}.`);
  for (let i = 0; i < tools.length; i++) {
    const t = tools[i];
    if (!isObj(t) || typeof t.type !== 'string') throw bad(`tools[${i}]`, `tools[${i}] must be an object with a string "type", e.g. {"type": "function", "function": {"name": "..."}}.`);
    if (t.type === 'function' && !(isObj(t.function) && typeof t.function.name === 'string')) {
      throw bad(`tools[${i}].function`, `tools[${i}].function must be an object with a string "name".`);
    }
  }
}

function validateStop(stop: JsonValue | undefined): void {
  if (absent(stop) || typeof stop === 'string') return;
  if (!Array.isArray(stop)) throw bad('stop', `"stop" must be a string or an array of up to ${MAX_STOP_SEQUENCES} strings, not ${kindOf(stop)}.`);
  if (stop.length > MAX_STOP_SEQUENCES) throw bad('stop', `"stop" may hold at most ${MAX_STOP_SEQUENCES} sequences; got ${stop.length}.`);
  for (let i = 0; i < stop.length; i++) {
    if (typeof stop[i] !== 'string') throw bad(`stop[${i}]`, `"stop" must be a string or an array of strings; stop[${i}] is ${kindOf(stop[i])}.`);
  }
}
