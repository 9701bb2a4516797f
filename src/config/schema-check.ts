// Validates the interpolated config against schema/gateway.schema.json with ajv (compiled once)
// and words each ajv error as a `file:line:col: message` problem.

import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type ConfigProblem, type ParsedSource, locate, splitPointer } from './yaml-source.ts';

export const SCHEMA_PATH = fileURLToPath(new URL('../../schema/gateway.schema.json', import.meta.url));

let validator: ValidateFunction | undefined;

function compiled(): ValidateFunction {
  if (!validator) {
    const ajv = new Ajv({ allErrors: true, strict: false, allowUnionTypes: true });
    addFormats(ajv);
    validator = ajv.compile(JSON.parse(readFileSync(SCHEMA_PATH, 'utf8')));
  }
  return validator;
}

export function schemaProblems(file: string, source: ParsedSource, value: unknown): ConfigProblem[] {
  const validate = compiled();
  if (validate(value)) return [];
  const seen = new Set<string>();
  const problems: ConfigProblem[] = [];
  for (const err of pickErrors(validate.errors ?? [])) {
    const path = splitPointer(err.instancePath);
    const where = path.length ? path.join('.') : '(top level)';
    const { message, keyOf } = describe(err, where);
    const pos = locate(source, path, keyOf);
    const line = `${pos.line}:${pos.col}:${message}`;
    if (seen.has(line)) continue;
    seen.add(line);
    problems.push({ file, ...pos, message });
  }
  return problems;
}

/** oneOf/anyOf produce noisy sub-errors; keep the most specific ones. */
function pickErrors(all: ErrorObject[]): ErrorObject[] {
  const isKeyChoice = (e: ErrorObject) => e.keyword === 'oneOf' && /^\/keys\/\d+$/.test(e.instancePath);
  const keyChoices = new Set(all.filter(isKeyChoice).map((e) => e.instancePath));
  const specific = all.filter((e) =>
    isKeyChoice(e) || (e.keyword !== 'oneOf' && e.keyword !== 'anyOf' && e.keyword !== 'if' && !(e.keyword === 'required' && keyChoices.has(e.instancePath))));
  return specific.length ? specific : all;
}

function describe(err: ErrorObject, where: string): { message: string; keyOf?: string } {
  const params = err.params as Record<string, unknown>;
  switch (err.keyword) {
    case 'additionalProperties':
      return { message: `unknown property "${String(params.additionalProperty)}" in ${where} (check the spelling; see schema/gateway.schema.json)`, keyOf: String(params.additionalProperty) };
    case 'required':
      return { message: `${where} is missing the required property "${String(params.missingProperty)}"` };
    case 'enum':
      return { message: `${where} must be one of ${JSON.stringify(params.allowedValues)}` };
    case 'const':
      return { message: `${where} must be ${JSON.stringify(params.allowedValue)}` };
    case 'oneOf':
      return { message: `${where} must have exactly one of "key" (the secret, usually \${ENV_VAR}) or "key_sha256" (its hex sha256 digest)` };
    case 'type':
      return { message: `${where} must be ${String(params.type)}` };
    default:
      return { message: `${where} ${err.message ?? 'is invalid'}` };
  }
}
