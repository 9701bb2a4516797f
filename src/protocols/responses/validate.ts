// Type checks on a Responses create body before it is translated or forwarded: the fields the gateway
// reads itself (stream) or hands to another shape (tools, tool_choice, text.format, sampling). A wrong
// type is a 400 naming the field and the expected type, as OpenAI answers; plain typeof checks only.

import { errors } from '../../contracts/errors.ts';
import type { ResponsesRequest } from './wire-types.ts';

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const absent = (v: unknown) => v === undefined || v === null;

function bad(param: string, message: string): never {
  throw errors.invalidValue(param, `Invalid request to the gateway's Responses API: ${message}.`);
}

export function validateResponsesRequest(req: ResponsesRequest): void {
  const r = req as Record<string, unknown>;
  if (!absent(r.stream) && typeof r.stream !== 'boolean') bad('stream', '`stream` must be a boolean (true or false)');
  if (!absent(r.tools)) {
    if (!Array.isArray(r.tools)) bad('tools', '`tools` must be an array of tool objects like {"type": "function", "name": "..."}');
    for (let i = 0; i < r.tools.length; i++) {
      const t: unknown = r.tools[i];
      if (!isObj(t) || typeof t.type !== 'string') bad(`tools[${i}]`, `tools[${i}] must be an object with a string \`type\``);
    }
  }
  const choice = r.tool_choice;
  if (!absent(choice) && typeof choice !== 'string' && !(isObj(choice) && typeof choice.type === 'string')) {
    bad('tool_choice', '`tool_choice` must be a string ("auto", "none" or "required") or an object like {"type": "function", "name": "..."}');
  }
  if (!absent(r.text)) {
    if (!isObj(r.text)) bad('text', '`text` must be an object like {"format": {"type": "text"}}');
    const format = r.text.format;
    if (!absent(format) && !(isObj(format) && typeof format.type === 'string')) bad('text.format', '`text.format` must be an object with a string `type` ("text", "json_object" or "json_schema")');
  }
  for (const [field, max] of [['temperature', 2], ['top_p', 1]] as const) {
    const v = r[field];
    if (!absent(v) && (typeof v !== 'number' || !(v >= 0 && v <= max))) bad(field, `\`${field}\` must be a number from 0 to ${max}`);
  }
}
