// Turns ajv's anyOf/oneOf failures into one problem each. ajv reports every branch's complaint
// (`must be <= 599`, `must be string`, `must be one of [...]` for one bad entry); users need one line
// that says what is allowed. When the value has the shape of one branch and the problem is inside it
// (a map whose entry is wrong), that branch's own, more specific errors are kept instead.

import type { ErrorObject } from 'ajv';

type Schema = Record<string, unknown>;

const isChoice = (e: ErrorObject) => e.keyword === 'anyOf' || e.keyword === 'oneOf';

/** The errors worth showing: choices collapsed (or narrowed to the branch the value took), no `if` noise. */
export function pickErrors(all: ErrorObject[]): ErrorObject[] {
  let errors = all.filter((e) => e.keyword !== 'if');
  // Outermost choices first: a choice inside a dropped branch is gone by the time it would be visited.
  const choices = errors.filter(isChoice).sort((a, b) => a.schemaPath.length - b.schemaPath.length);
  for (const choice of choices) {
    if (!errors.includes(choice)) continue;
    const prefix = `${choice.schemaPath}/`;
    const byBranch = new Map<string, ErrorObject[]>();
    const at = choice.instancePath;
    const within = (e: ErrorObject) => e.instancePath === at || e.instancePath.startsWith(`${at}/`);
    for (const e of errors) {
      // (one schema path serves many values: each map entry, each list item)
      if (!e.schemaPath.startsWith(prefix) || !within(e)) continue;
      const branch = e.schemaPath.slice(prefix.length).split('/')[0]!;
      byBranch.set(branch, [...(byBranch.get(branch) ?? []), e]);
    }
    if (!byBranch.size) continue; // oneOf with more than one passing branch: the choice error says it
    // A branch whose complaints are all inside the value: the value has that branch's shape.
    const inside = [...byBranch.values()].find((errs) => errs.every((e) => e.instancePath !== at));
    const drop = new Set([...byBranch.values()].flat().filter((e) => !inside?.includes(e)));
    if (inside) drop.add(choice);
    errors = errors.filter((e) => !drop.has(e));
  }
  return errors;
}

/** What a choice allows, from its branches (needs ajv's `verbose`): `an integer from 400 to 599 or one of "timeout", "network"`. */
export function describeChoice(err: ErrorObject): string | undefined {
  const branches = err.schema;
  if (!Array.isArray(branches) || !branches.length) return undefined;
  const words = branches.map((b) => (typeof b === 'object' && b !== null ? describeBranch(b as Schema) : undefined));
  if (words.some((w) => w === undefined)) return undefined;
  return words.join(' or ');
}

function describeBranch(s: Schema): string | undefined {
  if (Array.isArray(s.enum)) return s.enum.length === 1 ? JSON.stringify(s.enum[0]) : `one of ${s.enum.map((v) => JSON.stringify(v)).join(', ')}`;
  if ('const' in s) return JSON.stringify(s.const);
  const min = typeof s.minimum === 'number' ? s.minimum : undefined;
  const max = typeof s.maximum === 'number' ? s.maximum : undefined;
  switch (s.type) {
    case 'integer':
    case 'number': {
      const noun = s.type === 'integer' ? 'an integer' : 'a number';
      if (min !== undefined && max !== undefined) return `${noun} from ${min} to ${max}`;
      if (min !== undefined) return `${noun} >= ${min}`;
      if (max !== undefined) return `${noun} <= ${max}`;
      return noun;
    }
    case 'string':
      return 'a string';
    case 'boolean':
      return 'true or false';
    case 'array':
      return `a list${ofWhat((s.items as Schema | undefined)?.type)}`;
    case 'object':
      return `a map${ofWhat((s.additionalProperties as Schema | undefined)?.type)}`;
    default:
      return undefined;
  }
}

function ofWhat(type: unknown): string {
  return type === 'string' ? ' of strings' : type === 'integer' || type === 'number' ? ' of numbers' : type === 'object' ? ' of mappings' : '';
}
