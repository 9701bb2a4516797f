// Opaque provider data carried inside a tool-call id. A tool call may carry data the provider needs back
// verbatim on the next turn (`extra_content`, e.g. Gemini's thoughtSignature: Gemini 3 rejects a tool
// turn without it), but many clients keep only a tool call's standard fields (OpenAI: id, type,
// function; Anthropic: id, name, input). Every client echoes the id, so the data rides inside it:
//   <id>__ts__<signature as base64url>   a lone Gemini thoughtSignature (the common case): the signature's
//                                        bytes once, no JSON and no second base64 layer
//   <id>__xc__<base64url(JSON)>          any other extra_content
// Both alphabets stay within [A-Za-z0-9_-] (Anthropic's tool_use id pattern). The surfaces split inbound
// ids back into the short canonical id plus extra_content before any adapter sees them, so another
// provider in the same conversation gets ids of normal length (OpenAI accepts at most 40 characters).

import type { JsonObject } from './canonical.ts';

const SIGNATURE = '__ts__';
const EXTRA = '__xc__';
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const BASE64URL = /^[A-Za-z0-9_-]+$/;

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function toBase64Url(text: string): string {
  const bytes = new TextEncoder().encode(text);
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function fromBase64Url(text: string): string {
  const binary = atob(text.replace(/-/g, '+').replace(/_/g, '/'));
  return new TextDecoder().decode(Uint8Array.from(binary, (c) => c.charCodeAt(0)));
}

/** The signature when `extra` is exactly {google: {thoughtSignature}} in padded standard base64. */
function loneSignature(extra: JsonObject): string | undefined {
  const keys = Object.keys(extra);
  const google = extra.google;
  if (keys.length !== 1 || !isObject(google) || Object.keys(google).length !== 1) return undefined;
  const signature = google.thoughtSignature;
  return typeof signature === 'string' && signature.length > 0 && signature.length % 4 === 0 && BASE64.test(signature) ? signature : undefined;
}

/** The id to give clients for a call id plus its extra_content (the id alone when there is none). */
export function encodeToolCallId(id: string, extra: JsonObject | undefined): string {
  if (!extra || Object.keys(extra).length === 0) return id;
  // Already carried (an adapter encoded it): do not carry it twice.
  if (carriesExtra(id)) {
    const carried = decodeToolCallId(id);
    if (carried.extra && JSON.stringify(carried.extra) === JSON.stringify(extra)) return id;
    id = carried.id;
  }
  const signature = loneSignature(extra);
  if (signature !== undefined) return `${id}${SIGNATURE}${signature.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')}`;
  return `${id}${EXTRA}${toBase64Url(JSON.stringify(extra))}`;
}

/** Does this id carry extra_content (cheap check before decoding)? */
export function carriesExtra(toolCallId: string): boolean {
  return toolCallId.includes(SIGNATURE) || toolCallId.includes(EXTRA);
}

/** Splits an id into the canonical id and the extra_content it carried (the id as sent when it carries none). */
export function decodeToolCallId(toolCallId: string): { id: string; extra?: JsonObject } {
  const s = toolCallId.indexOf(SIGNATURE);
  const x = toolCallId.indexOf(EXTRA);
  // The first separator wins: the canonical id comes first, and a payload may contain `__` itself.
  const at = s > 0 && (x <= 0 || s < x) ? s : x;
  if (at <= 0) return { id: toolCallId };
  const payload = toolCallId.slice(at + SIGNATURE.length);
  if (!BASE64URL.test(payload)) return { id: toolCallId };
  if (at === s) {
    if (payload.length % 4 === 1) return { id: toolCallId };
    const signature = payload.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (payload.length % 4)) % 4);
    return { id: toolCallId.slice(0, at), extra: { google: { thoughtSignature: signature } } };
  }
  try {
    const extra = JSON.parse(fromBase64Url(payload)) as unknown;
    if (isObject(extra)) return { id: toolCallId.slice(0, at), extra };
  } catch {
    // not ours: keep the id as the client sent it
  }
  return { id: toolCallId };
}
