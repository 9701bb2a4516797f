// Anthropic-only inputs on the way in (Anthropic surface → canonical): the Messages body fields the OpenAI
// shape has no name for (ANTHROPIC_EXTRA_FIELDS → `anthropic_extra`) and the `anthropic-beta` header
// (→ `anthropic_beta`). See src/contracts/anthropic-extra.ts for the canonical fields.
//
// - Each body field is shape-checked only (object, array, string or integer as Anthropic documents it)
//   and kept exactly as sent, so an Anthropic upstream decides on its content (new edit types, efforts).
// - The header is normalized and bounded (parseAnthropicBeta); a value it refuses is a 400 naming it.
// - A request with neither costs one pass over ten field names and one header lookup.

import { ANTHROPIC_EXTRA_FIELDS, errors, parseAnthropicBeta } from '../../contracts/index.ts';
import type { AnthropicExtra, AnthropicExtraField, JsonValue } from '../../contracts/index.ts';
import { bad, isObj } from './input-checks.ts';

type Kind = 'object' | 'array' | 'string' | 'integer' | 'object-or-string';

const KINDS: Record<AnthropicExtraField, Kind> = {
  cache_control: 'object',
  container: 'object-or-string',
  context_management: 'object',
  inference_geo: 'string',
  mcp_servers: 'array',
  output_config: 'object',
  output_format: 'object',
  service_tier: 'string',
  speed: 'string',
  top_k: 'integer',
};

const EXPECTED: Record<Kind, string> = {
  object: 'an object', array: 'an array', string: 'a string', integer: 'a non-negative integer', 'object-or-string': 'an object or a string',
};

function fits(value: unknown, kind: Kind): boolean {
  switch (kind) {
    case 'object': return isObj(value);
    case 'array': return Array.isArray(value);
    case 'string': return typeof value === 'string';
    case 'integer': return typeof value === 'number' && Number.isInteger(value) && value >= 0;
    case 'object-or-string': return isObj(value) || typeof value === 'string';
  }
}

/** The Anthropic-only body fields of a Messages request (null / absent ones skipped), or undefined. */
export function anthropicExtra(body: Record<string, unknown>): AnthropicExtra | undefined {
  let out: AnthropicExtra | undefined;
  for (const field of ANTHROPIC_EXTRA_FIELDS) {
    const value = body[field];
    if (value === undefined || value === null) continue;
    const kind = KINDS[field];
    if (!fits(value, kind)) bad(field, `\`${field}\` must be ${EXPECTED[kind]}`);
    (out ??= {})[field] = value as JsonValue;
  }
  return out;
}

/** The request's `anthropic-beta` header, normalized (undefined when absent or empty); 400 when refused. */
export function anthropicBetaHeader(headers: Headers): string | undefined {
  const raw = headers.get('anthropic-beta');
  if (raw === null) return undefined;
  try {
    return parseAnthropicBeta(raw);
  } catch (err) {
    throw errors.invalidValue('anthropic-beta', `The anthropic-beta header was refused: ${(err as Error).message}.`);
  }
}
