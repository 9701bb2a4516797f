// Gemini `Schema` (the OpenAPI 3.0 subset Gemini clients send in functionDeclarations[].parameters and
// generationConfig.responseSchema) → JSON Schema, the canonical form. Gemini spells types in upper
// case (`OBJECT`, `STRING`, as @google/genai's Type enum does) and marks optionality with `nullable`;
// JSON Schema wants lower-case types and a type array. Everything else is already JSON Schema.
// `parametersJsonSchema` / `responseJsonSchema` (JSON Schema proper) need no conversion.

import type { JsonObject, JsonValue } from '../../contracts/index.ts';

const isObject = (v: JsonValue | undefined): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Converts one Gemini Schema (recursively) to JSON Schema. Depth-bounded against hostile input. */
export function jsonSchemaFromGemini(schema: JsonValue | undefined, depth = 0): JsonObject {
  if (!isObject(schema) || depth > 32) return {};
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === 'nullable' || key === 'propertyOrdering') continue;
    if (key === 'type' && typeof value === 'string') {
      const type = value.toLowerCase();
      out.type = schema.nullable === true ? [type, 'null'] : type;
    } else if (key === 'properties' && isObject(value)) {
      out.properties = Object.fromEntries(Object.entries(value).map(([name, sub]) => [name, jsonSchemaFromGemini(sub, depth + 1)]));
    } else if (key === 'items') {
      out.items = jsonSchemaFromGemini(value, depth + 1);
    } else if (key === 'anyOf' && Array.isArray(value)) {
      out.anyOf = value.map((sub) => jsonSchemaFromGemini(sub, depth + 1));
    } else {
      out[key] = value;
    }
  }
  return out;
}
