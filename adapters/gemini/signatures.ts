// Thought signatures Gemini 3 insists on. In the current turn (the contents after the last user
// message with ordinary content, not only function responses), the first functionCall part of every
// model step must carry its thoughtSignature, or Gemini answers 400 "Function call is missing a
// thought_signature in functionCall parts". Calls the client sends back from Gemini carry their real
// signature (in extra_content, or inside the tool-call id). Calls with none were made by another model
// (a conversation that moved from Claude or GPT to Gemini, or a failover) or written by the client;
// for those, Google documents a placeholder that skips the check: `skip_thought_signature_validator`.
// Gemini 2.x does not require signatures, so its requests are left as they are.

import type { GeminiContent } from './wire-types.ts';

export const SKIP_SIGNATURE = 'skip_thought_signature_validator';

/** Gemini 3 and later (e.g. gemini-3-flash-preview, gemini-3.5-pro) validate signatures. */
export function validatesSignatures(upstreamModel: string): boolean {
  const major = /^(?:models\/)?gemini-(\d+)/.exec(upstreamModel)?.[1];
  return major !== undefined && Number(major) >= 3;
}

/** Puts the placeholder on each current-turn step whose first functionCall part has no signature. */
export function fillMissingSignatures(contents: GeminiContent[], upstreamModel: string): void {
  if (!validatesSignatures(upstreamModel)) return;
  let start = 0;
  for (let i = contents.length - 1; i >= 0; i--) {
    const c = contents[i];
    if (c.role === 'user' && c.parts.some((p) => p.functionResponse === undefined)) {
      start = i + 1;
      break;
    }
  }
  for (let i = start; i < contents.length; i++) {
    if (contents[i].role !== 'model') continue;
    const first = contents[i].parts.find((p) => p.functionCall !== undefined);
    if (first && typeof first.thoughtSignature !== 'string') first.thoughtSignature = SKIP_SIGNATURE;
  }
}
