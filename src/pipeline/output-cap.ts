// A model's configured max_output_tokens as a hard cap for keys with a budget (DESIGN §3 step 6): the
// request's output cap is lowered to it, or set when the request has none, before admission, so the
// reservation (prompt + cap × n) is the most the upstream can bill and a small balance can still afford
// an answer. Only chat and completions carry an output cap; other operations are left alone.
//   - chat: every cap the request sent is lowered (max_tokens, max_completion_tokens, and a native
//     Responses body's max_output_tokens); with none, max_completion_tokens (OpenAI's current name, read
//     by every bundled adapter; the Responses surface sends it too) is set;
//   - completions: max_tokens (the only cap the API has).

import type { JsonObject, JsonValue } from '../contracts/canonical.ts';
import type { InboundCall } from './types.ts';

const positive = (v: JsonValue | undefined): v is number => typeof v === 'number' && Number.isInteger(v) && v > 0;

const CHAT_CAPS = ['max_tokens', 'max_completion_tokens'] as const;
const COMPLETION_CAPS = ['max_tokens'] as const;

/** Lowers the call's output cap(s) to `cap` (sets one when there is none). Chat and completions only. */
export function capOutput(call: InboundCall, cap: number): void {
  if (call.operation !== 'chat' && call.operation !== 'completions') return;
  call.outputCap = cap; // adapters that add output of their own (thinking budgets) stay within it
  const body = call.body;
  const fields = call.operation === 'chat' ? CHAT_CAPS : COMPLETION_CAPS;
  let capped = false;
  for (const f of fields) {
    const v = body[f];
    if (!positive(v)) continue;
    capped = true;
    if (v > cap) body[f] = cap;
  }
  if (!capped) body[call.operation === 'chat' ? 'max_completion_tokens' : 'max_tokens'] = cap;
  if (call.native) lowerNative(call.native.body, cap);
}

/** A native Responses body's max_output_tokens. */
function lowerNative(body: JsonObject, cap: number): void {
  const v = body.max_output_tokens;
  if (!positive(v) || v > cap) body.max_output_tokens = cap;
}
