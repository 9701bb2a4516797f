// Opaque tool-call data across the Anthropic surface. A canonical tool call may carry provider data
// that must come back verbatim on the next turn (`extra_content`, e.g. Gemini's thoughtSignature:
// Gemini 3 rejects a second tool turn without it). Anthropic's tool_use block has no field for it, and
// clients (Claude Code, @anthropic-ai/sdk) echo only id/name/input, so the data rides inside the
// tool_use id: `<id>__xc__<base64url(JSON)>`. base64url keeps the id within Anthropic's documented
// pattern ^[a-zA-Z0-9_-]+$. Inbound ids (tool_use.id, tool_result.tool_use_id) are split back.

import type { JsonObject } from '../../contracts/index.ts';

const SEPARATOR = '__xc__';

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

/** The tool_use id for a canonical call id plus its opaque extra_content (the id alone when there is none). */
export function encodeToolUseId(id: string, extra: JsonObject | undefined): string {
  if (!extra || Object.keys(extra).length === 0) return id;
  return `${id}${SEPARATOR}${toBase64Url(JSON.stringify(extra))}`;
}

/** Splits a tool_use id into the canonical id and the extra_content it carried (if any). */
export function decodeToolUseId(toolUseId: string): { id: string; extra?: JsonObject } {
  const at = toolUseId.lastIndexOf(SEPARATOR);
  if (at <= 0) return { id: toolUseId };
  try {
    const extra = JSON.parse(fromBase64Url(toolUseId.slice(at + SEPARATOR.length))) as unknown;
    if (extra && typeof extra === 'object' && !Array.isArray(extra)) return { id: toolUseId.slice(0, at), extra: extra as JsonObject };
  } catch {
    // not ours: keep the id as the client sent it
  }
  return { id: toolUseId };
}
