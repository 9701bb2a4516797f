// Anthropic-only request inputs in the canonical form, beside `anthropic_thinking` (thinking.ts): the
// Messages body fields the OpenAI shape has no name for, and the client's `anthropic-beta` header. Both are
// filled by the Anthropic surface and sent by adapters that speak Anthropic's Messages format (anthropic,
// vertex for Claude) only; every other adapter leaves them out (adapters/openai/strip-extras.ts).
//
// - `ChatRequest.anthropic_extra`: the fields of ANTHROPIC_EXTRA_FIELDS the client sent, each exactly as
//   sent (shape-checked on the surface; Anthropic decides on the rest). Fields not listed there, and not
//   translated to the canonical form, are still dropped.
// - `ChatRequest.anthropic_beta`: the client's `anthropic-beta` header as a normalized comma-separated
//   list (parseAnthropicBeta: trimmed, de-duplicated, token characters only, bounded in length and count),
//   so a header value can never carry anything but beta names upstream.

import type { JsonValue } from './canonical.ts';

/** Anthropic Messages body fields carried through the canonical form unchanged (Anthropic upstreams only). */
export const ANTHROPIC_EXTRA_FIELDS = [
  'cache_control',
  'container',
  'context_management',
  'inference_geo',
  'mcp_servers',
  'output_config',
  'output_format',
  'service_tier',
  'speed',
  'top_k',
] as const;

export type AnthropicExtraField = (typeof ANTHROPIC_EXTRA_FIELDS)[number];

/**
 * Fields that make Anthropic bill more than the model's price (priority tier, fast mode, regional inference)
 * or act on the operator's account (code execution containers, MCP servers the upstream calls). A client's
 * are sent only when the provider sets `forward_costly_anthropic_options: true` (its prices then account for
 * them); the gateway's flat price per model would otherwise understate the bill and let budgets overdraw.
 */
export const COSTLY_EXTRA_FIELDS: ReadonlySet<string> = new Set(['container', 'inference_geo', 'mcp_servers', 'service_tier', 'speed']);

/** Beta-name prefixes with the same effect (1M-token context at long-context prices, fast mode, MCP, code execution). */
const COSTLY_BETA_PREFIXES = ['context-1m-', 'fast-mode-', 'mcp-client-', 'code-execution-'];

/** A beta list without its costly betas (undefined when none is left). */
export function withoutCostlyBetas(list: string | undefined): string | undefined {
  if (list === undefined) return undefined;
  const kept = list.split(',').filter((n) => !COSTLY_BETA_PREFIXES.some((p) => n.startsWith(p)));
  return kept.length > 0 ? kept.join(',') : undefined;
}

/** Anthropic-only body fields the client sent, exactly as sent. */
export type AnthropicExtra = { [K in AnthropicExtraField]?: JsonValue };

/** The longest `anthropic-beta` value taken (Claude Code sends about 200 characters). */
export const MAX_BETA_HEADER_LENGTH = 2048;
/** The most beta names taken in one request. */
export const MAX_BETAS = 32;
const BETA_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/**
 * An `anthropic-beta` value as a normalized list ("a,b"), or undefined when it is empty. Throws a plain
 * Error naming the problem when it is too long, has too many names, or a name with other than token
 * characters (letters, digits, `.`, `_`, `-`).
 */
export function parseAnthropicBeta(value: string): string | undefined {
  if (value.length > MAX_BETA_HEADER_LENGTH) throw new Error(`it is longer than ${MAX_BETA_HEADER_LENGTH} characters`);
  const names = [...new Set(value.split(',').map((s) => s.trim()).filter((s) => s !== ''))];
  if (names.length > MAX_BETAS) throw new Error(`it lists more than ${MAX_BETAS} betas`);
  const bad = names.find((n) => !BETA_NAME.test(n));
  if (bad !== undefined) throw new Error(`${JSON.stringify(bad.slice(0, 64))} is not a beta name (letters, digits, ".", "_" and "-" only)`);
  return names.length > 0 ? names.join(',') : undefined;
}

/** Two beta lists merged: every name of `first`, then the names of `second` it lacks. */
export function mergeBetaLists(first: string | undefined, second: string | undefined): string | undefined {
  const names = [...new Set([...(first ?? '').split(','), ...(second ?? '').split(',')].map((s) => s.trim()).filter((s) => s !== ''))];
  return names.length > 0 ? names.join(',') : undefined;
}
