// JSON Schema (as OpenAI clients send it in tools[].function.parameters and
// response_format.json_schema.schema) → Gemini `Schema`, which the API reference describes as
// "a select subset of an OpenAPI 3.0 schema object". Keys outside that subset (additionalProperties,
// $schema, $id, strict, ...) are rejected by the API with 400 "Unknown name", so they are dropped.
// Local $refs (#/$defs/X, #/definitions/X) are inlined because Schema has no $ref; a type array
// such as ["string","null"] becomes type + nullable; `const` becomes a one-value enum.

import type { JsonObject, JsonValue } from '../../src/contracts/index.ts';

/** The Schema fields of the v1beta REST reference. */
const SCHEMA_KEYS = new Set([
  'type', 'format', 'title', 'description', 'nullable', 'enum', 'maxItems', 'minItems', 'properties',
  'required', 'minProperties', 'maxProperties', 'minLength', 'maxLength', 'pattern', 'example', 'anyOf',
  'propertyOrdering', 'default', 'items', 'minimum', 'maximum',
]);

const MAX_REF_DEPTH = 8;

function isObject(value: JsonValue | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function resolveRef(ref: string, root: JsonObject): JsonObject | undefined {
  const match = /^#\/(\$defs|definitions)\/(.+)$/.exec(ref);
  if (!match) return undefined;
  const defs = root[match[1]];
  if (!isObject(defs)) return undefined;
  const target = defs[decodeURIComponent(match[2]).replace(/~1/g, '/').replace(/~0/g, '~')];
  return isObject(target) ? target : undefined;
}

function convert(node: JsonObject, root: JsonObject, depth: number): JsonObject {
  if (typeof node.$ref === 'string') {
    const target = depth < MAX_REF_DEPTH ? resolveRef(node.$ref, root) : undefined;
    // An unresolvable or too deeply recursive reference degrades to an unconstrained object.
    if (!target) return { type: 'object' };
    const { $ref: _ref, ...siblings } = node;
    return convert({ ...target, ...siblings }, root, depth + 1);
  }
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === 'const' && node.enum === undefined) {
      out.enum = [value];
      continue;
    }
    if (!SCHEMA_KEYS.has(key)) continue;
    if (key === 'type' && Array.isArray(value)) {
      const types = value.filter((t): t is string => typeof t === 'string' && t !== 'null');
      if (types.length < value.length) out.nullable = true;
      if (types.length === 1) out.type = types[0];
      else if (types.length > 1) out.anyOf = types.map((t) => ({ type: t }));
      continue;
    }
    if (key === 'properties' && isObject(value)) {
      const props: JsonObject = {};
      for (const [name, child] of Object.entries(value)) props[name] = isObject(child) ? convert(child, root, depth) : {};
      out.properties = props;
      continue;
    }
    if (key === 'items') {
      const first = Array.isArray(value) ? value[0] : value;
      if (isObject(first)) out.items = convert(first, root, depth);
      continue;
    }
    if (key === 'anyOf' && Array.isArray(value)) {
      const branches = value.filter(isObject).map((child) => convert(child, root, depth));
      const nonNull = branches.filter((b) => b.type !== 'null');
      if (nonNull.length < branches.length) out.nullable = true;
      if (nonNull.length === 1) {
        for (const [k, v] of Object.entries(nonNull[0])) if (out[k] === undefined) out[k] = v;
      } else out.anyOf = nonNull;
      continue;
    }
    out[key] = value;
  }
  // Gemini needs an explicit type; infer it from the shape when the JSON Schema left it implicit.
  if (out.type === undefined && out.anyOf === undefined) {
    if (out.properties !== undefined) out.type = 'object';
    else if (out.items !== undefined) out.type = 'array';
    else if (out.enum !== undefined) out.type = 'string';
  }
  return out;
}

/** Converts a JSON Schema to the Gemini Schema subset (see the file comment for the rules). */
export function toGeminiSchema(schema: JsonObject): JsonObject {
  return convert(schema, schema, 0);
}

/**
 * Function parameters: the same conversion, but a parameter-less object schema (no properties) is
 * omitted, because the API rejects `properties: {}` with "should be non-empty for OBJECT type".
 */
export function toGeminiParameters(schema: JsonObject | undefined): JsonObject | undefined {
  if (!schema) return undefined;
  const converted = toGeminiSchema(schema);
  const props = converted.properties;
  if ((converted.type === 'object' || converted.type === undefined) && (!isObject(props) || Object.keys(props).length === 0)) {
    return undefined;
  }
  return converted;
}
