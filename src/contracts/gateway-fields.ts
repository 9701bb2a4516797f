// The canonical form's own fields: what a protocol surface or the gateway adds to a canonical request for
// some upstreams only. Listed once, so every place that must strip them (adapters for other upstreams) or
// refuse them from clients (the OpenAI surface, where a body is the canonical form as sent) uses the same
// list; a field added here is stripped and refused everywhere.

/** Top-level request fields: a surface's settings for its own vendor (thinking.ts, anthropic-extra.ts, gemini-thinking.ts). */
export const GATEWAY_REQUEST_FIELDS = ['anthropic_thinking', 'anthropic_extra', 'anthropic_beta', 'gemini_thinking'] as const;

/** Message fields the Anthropic surface sets (anthropic-blocks.ts); an OpenAI client cannot send them. */
export const SURFACE_MESSAGE_FIELDS = ['anthropic_tool_result', 'anthropic_content'] as const;

/** Message fields only Anthropic upstreams may see: signed reasoning, the tool-error flag, the surface's blocks. */
export const ANTHROPIC_MESSAGE_FIELDS = ['thinking_blocks', 'is_error', ...SURFACE_MESSAGE_FIELDS] as const;

/** Does `obj` carry any of `fields`? (A plain loop: it runs on every request.) */
export function hasAnyField(obj: Record<string, unknown>, fields: readonly string[]): boolean {
  for (let i = 0; i < fields.length; i++) if (obj[fields[i]] !== undefined) return true;
  return false;
}

/** A copy of `obj` without `fields` (key order kept), or `obj` itself when it has none. */
export function withoutFieldsOf<T extends Record<string, unknown>>(obj: T, fields: readonly string[]): T {
  if (!hasAnyField(obj, fields)) return obj;
  const out = { ...obj };
  for (const f of fields) delete out[f];
  return out;
}
