// Validates the interpolated config against schema/gateway.schema.json with ajv (compiled once)
// and words each ajv error as a `file:line:col: message` problem (unknown names get a "did you mean";
// an anyOf/oneOf failure is one problem saying what is allowed, see schema-choices.ts).

import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { didYouMean, hint } from './did-you-mean.ts';
import { describeChoice, pickErrors } from './schema-choices.ts';
import { type ConfigProblem, type ParsedSource, locate, shownKey, splitPointer } from './yaml-source.ts';

export const SCHEMA_PATH = fileURLToPath(new URL('../../schema/gateway.schema.json', import.meta.url));

let validator: ValidateFunction | undefined;
let schemaJson: { properties: { providers: { additionalProperties: { properties: Record<string, unknown> } } } } | undefined;

function schema(): NonNullable<typeof schemaJson> {
  return (schemaJson ??= JSON.parse(readFileSync(SCHEMA_PATH, 'utf8')) as NonNullable<typeof schemaJson>);
}

function compiled(): ValidateFunction {
  if (!validator) {
    // verbose: errors carry their parent schema, whose property names feed "did you mean".
    const ajv = new Ajv({ allErrors: true, strict: false, allowUnionTypes: true, verbose: true });
    addFormats(ajv);
    validator = ajv.compile(schema());
  }
  return validator;
}

/** The provider fields every adapter accepts (the properties of a provider block in the schema). */
export function commonProviderFields(): string[] {
  return Object.keys(schema().properties.providers.additionalProperties.properties);
}

export function schemaProblems(file: string, source: ParsedSource, value: unknown): ConfigProblem[] {
  const validate = compiled();
  if (validate(value)) return [];
  const seen = new Set<string>();
  const problems: ConfigProblem[] = [];
  for (const err of pickErrors(validate.errors ?? [])) {
    const path = splitPointer(err.instancePath);
    const where = path.length ? path.join('.') : '(top level)';
    const { message, keyOf } = describe(err, where, (key) => shownKey(source, path, key));
    const pos = locate(source, path, keyOf);
    const line = `${pos.line}:${pos.col}:${message}`;
    if (seen.has(line)) continue;
    seen.add(line);
    problems.push({ file, ...pos, message });
  }
  return problems;
}

/** Words one ajv error; `showKey` renders a property name as a message may show it. */
export function describe(err: ErrorObject, where: string, showKey: (key: string) => string = (k) => JSON.stringify(k), docs = 'schema/gateway.schema.json'): { message: string; keyOf?: string } {
  const params = err.params as Record<string, unknown>;
  switch (err.keyword) {
    case 'additionalProperties': {
      const name = String(params.additionalProperty);
      const known = Object.keys((err.parentSchema as { properties?: object } | undefined)?.properties ?? {});
      const advice = hint(name, known) || ` (check the spelling; see ${docs})`;
      return { message: `unknown property ${showKey(name)} in ${where}${advice}`, keyOf: name };
    }
    case 'required': {
      const missing = String(params.missingProperty);
      // `adaptr: mock` beside a missing `adapter`: the typo is the problem, reported at its key.
      const typo = misspelt(err, missing);
      if (typo !== undefined) {
        const noun = err.instancePath.startsWith('/providers/') ? 'field' : 'property'; // as provider-fields.ts words it
        return { message: `unknown ${noun} ${showKey(typo)} in ${where} (did you mean "${missing}"?)`, keyOf: typo };
      }
      return { message: `${where} is missing the required property "${missing}"` };
    }
    case 'enum':
      return { message: `${where} must be one of ${JSON.stringify(params.allowedValues)}` };
    case 'const':
      return { message: `${where} must be ${JSON.stringify(params.allowedValue)}` };
    case 'oneOf':
      if (/^\/keys\/\d+$/.test(err.instancePath)) return { message: `${where} must have exactly one of "key" (the secret, usually \${ENV_VAR}) or "key_sha256" (its hex sha256 digest)` };
      return { message: `${where} must be ${describeChoice(err) ?? 'exactly one of the forms the schema allows'}` };
    case 'anyOf':
      return { message: `${where} must be ${describeChoice(err) ?? 'one of the forms the schema allows'}` };
    case 'format':
      if (err.instancePath === '/server/public_url') return { message: PUBLIC_URL_MESSAGE(where) };
      return { message: params.format === 'date-time' ? `${where} must be an ISO date-time like 2027-06-30T00:00:00Z` : `${where} must be a valid ${String(params.format)}` };
    case 'pattern':
      if (/^\/server\/cors\/allow_origins\/\d+$/.test(err.instancePath)) return { message: `${where} must be an origin like https://chat.example.com (scheme, host and port, no path) or "*"` };
      if (err.instancePath === '/server/public_url') return { message: PUBLIC_URL_MESSAGE(where) };
      return { message: `${where} ${err.message ?? 'is invalid'}` };
    case 'type':
      return { message: `${where} must be ${String(params.type)}` };
    default:
      return { message: `${where} ${err.message ?? 'is invalid'}` };
  }
}

const PUBLIC_URL_MESSAGE = (where: string) => `${where} must be an absolute http(s) URL like https://llm.example.com or https://example.com/llm (no query, fragment or user:password@)`;

/** A key of the object a `required` error is about that no schema property names and that is a typo of `missing`. */
function misspelt(err: ErrorObject, missing: string): string | undefined {
  const data: unknown = err.data;
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return undefined;
  const known = (err.parentSchema as { properties?: object } | undefined)?.properties ?? {};
  return Object.keys(data).find((key) => !Object.hasOwn(known, key) && didYouMean(key, [missing]) === missing);
}
