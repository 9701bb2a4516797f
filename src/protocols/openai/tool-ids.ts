// Tool-call ids on the OpenAI chat surface. Ids that carry provider data (src/contracts/tool-call-ids.ts,
// e.g. a Gemini thoughtSignature for clients that keep only id/type/function) are split back into the
// canonical id plus extra_content before the pipeline sees the request: assistant `tool_calls[].id` and
// tool messages' `tool_call_id`. A client's own extra_content wins over the copy in the id. Adapters and
// other providers in the same conversation therefore see short canonical ids.

import type { JsonObject, JsonValue } from '../../contracts/canonical.ts';
import { carriesExtra, decodeToolCallId } from '../../contracts/tool-call-ids.ts';

function isObject(value: JsonValue | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Rewrites carried ids in a chat request body in place (a no-op for bodies without any). */
export function splitToolCallIds(body: JsonObject): void {
  const messages = body.messages;
  if (!Array.isArray(messages)) return;
  for (const message of messages) {
    if (!isObject(message)) continue;
    if (typeof message.tool_call_id === 'string' && carriesExtra(message.tool_call_id)) message.tool_call_id = decodeToolCallId(message.tool_call_id).id;
    if (!Array.isArray(message.tool_calls)) continue;
    for (const call of message.tool_calls) {
      if (!isObject(call) || typeof call.id !== 'string' || !carriesExtra(call.id)) continue;
      const { id, extra } = decodeToolCallId(call.id);
      call.id = id;
      if (extra && !isObject(call.extra_content)) call.extra_content = extra;
    }
  }
}
