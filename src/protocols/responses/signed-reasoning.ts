// Signed thinking (Anthropic's thinking / redacted_thinking blocks, canonical `thinking_blocks`) carried in a
// Responses reasoning item's `encrypted_content`, so a Codex-style client on a Claude model (full input
// replay, or previous_response_id through the store) sends them back and the next tool-loop request keeps
// thinking on (Anthropic refuses thinking when the continued tool turn lacks its signed blocks).
//
// Encoding (opaque to clients, versioned, gateway-specific): `swyd.thinking.v1.` + base64url(JSON array of
// the blocks, each {type, thinking, signature} or {type, data}, with text_offset / tool_offset when not 0).
// OpenAI's own encrypted_content never starts with this prefix; such a value is left to native upstreams
// and ignored for the others, as before.
//
// Trust: the blob comes from the client. It is decoded only into blocks of exactly that shape (string
// fields, non-negative integer offsets, no other keys, at most MAX_BLOCKS, at most MAX_ENCODED characters);
// anything else with our prefix is a 400 naming the item. The blocks are only ever passed back to
// Anthropic, which verifies the signatures; nothing else reads them.

import { errors } from '../../contracts/errors.ts';
import { type ThinkingBlock, isThinkingBlock } from '../../contracts/thinking.ts';

export const SIGNED_REASONING_PREFIX = 'swyd.thinking.v1.';
/** Largest encoded value accepted or produced (characters). */
export const MAX_ENCODED = 4 * 1024 * 1024;
/** Most blocks in one reasoning item. */
export const MAX_BLOCKS = 256;

const KEYS: Record<ThinkingBlock['type'], ReadonlySet<string>> = {
  thinking: new Set(['type', 'thinking', 'signature', 'text_offset', 'tool_offset']),
  redacted_thinking: new Set(['type', 'data', 'text_offset', 'tool_offset']),
};
const BASE64URL = /^[A-Za-z0-9_-]*$/;

/** Is `value` an encrypted_content this gateway wrote (whether or not it is well formed)? */
export function isSignedReasoning(value: unknown): value is string {
  return typeof value === 'string' && value.startsWith(SIGNED_REASONING_PREFIX);
}

/** Only the block fields, in a fixed order (no extra keys from the canonical form or a client). */
function clean(block: ThinkingBlock): ThinkingBlock {
  const out: ThinkingBlock = block.type === 'thinking'
    ? { type: 'thinking', thinking: block.thinking, signature: block.signature }
    : { type: 'redacted_thinking', data: block.data };
  if (block.text_offset) out.text_offset = block.text_offset;
  if (block.tool_offset) out.tool_offset = block.tool_offset;
  return out;
}

/** The encrypted_content for these blocks; undefined when there are none or they exceed the bounds. */
export function encodeSignedReasoning(blocks: readonly ThinkingBlock[]): string | undefined {
  const valid = blocks.filter(isThinkingBlock);
  if (valid.length === 0 || valid.length > MAX_BLOCKS) return undefined;
  const encoded = SIGNED_REASONING_PREFIX + Buffer.from(JSON.stringify(valid.map(clean)), 'utf8').toString('base64url');
  return encoded.length <= MAX_ENCODED ? encoded : undefined;
}

/** The blocks of one of our encrypted_content values; a 400 naming `param` when it is malformed. */
export function decodeSignedReasoning(value: string, param: string): ThinkingBlock[] {
  const fail = (why: string): never => {
    throw errors.invalidValue(param, `Invalid request to the gateway's Responses API: this reasoning item's encrypted_content was not written by this gateway or was changed (${why}); send reasoning items back exactly as received.`);
  };
  if (value.length > MAX_ENCODED) fail('too long');
  const body = value.slice(SIGNED_REASONING_PREFIX.length);
  if (!BASE64URL.test(body)) fail('not base64url');
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
  } catch {
    fail('not JSON');
  }
  if (!Array.isArray(parsed) || parsed.length === 0 || parsed.length > MAX_BLOCKS) fail(`not a list of 1 to ${MAX_BLOCKS} blocks`);
  return (parsed as unknown[]).map((b, i) => {
    if (!isThinkingBlock(b)) return fail(`block ${i} is not a thinking or redacted_thinking block with string fields`);
    const allowed = KEYS[b.type];
    if (Object.keys(b).some((k) => !allowed.has(k))) fail(`block ${i} has unexpected fields`);
    return clean(b);
  });
}
