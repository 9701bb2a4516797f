// A tiny declarative validator for the strict fake upstreams: each provider's documented request
// schema is written as a Spec, and check() lists every problem (unknown field, missing required
// field, wrong type, value outside an enum) with its JSON path, so a translation bug names itself.

export type Spec =
  | { kind: 'string'; enum?: readonly string[]; nonEmpty?: boolean; pattern?: RegExp }
  | { kind: 'number'; int?: boolean; min?: number; max?: number }
  | { kind: 'boolean' }
  | { kind: 'null' }
  | { kind: 'any' }
  | { kind: 'array'; items: Spec; minItems?: number }
  | { kind: 'object'; fields: Record<string, Spec>; required: readonly string[]; open?: boolean }
  /** An object whose `tag` field picks the variant (Anthropic content blocks, tool_choice, ...). */
  | { kind: 'tagged'; tag: string; variants: Record<string, Spec> }
  /** The first option whose top-level kind matches the value's JSON type is used. */
  | { kind: 'union'; options: readonly Spec[] };

export const str = (opts: { enum?: readonly string[]; nonEmpty?: boolean; pattern?: RegExp } = {}): Spec => ({ kind: 'string', ...opts });
export const num = (opts: { int?: boolean; min?: number; max?: number } = {}): Spec => ({ kind: 'number', ...opts });
export const bool: Spec = { kind: 'boolean' };
export const nul: Spec = { kind: 'null' };
export const any: Spec = { kind: 'any' };
export const arr = (items: Spec, minItems?: number): Spec => ({ kind: 'array', items, minItems });
/** A closed object: only `fields` are allowed; names ending in `!` are required. */
export function obj(fields: Record<string, Spec>, opts: { open?: boolean } = {}): Spec {
  const clean: Record<string, Spec> = {};
  const required: string[] = [];
  for (const [name, spec] of Object.entries(fields)) {
    const bare = name.endsWith('!') ? name.slice(0, -1) : name;
    if (bare !== name) required.push(bare);
    clean[bare] = spec;
  }
  return { kind: 'object', fields: clean, required, open: opts.open };
}
export const tagged = (tag: string, variants: Record<string, Spec>): Spec => ({ kind: 'tagged', tag, variants });
export const oneOf = (...options: Spec[]): Spec => ({ kind: 'union', options });

function jsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

function kindMatches(spec: Spec, value: unknown): boolean {
  const t = jsonType(value);
  switch (spec.kind) {
    case 'any': return true;
    case 'tagged': return t === 'object';
    case 'union': return spec.options.some((o) => kindMatches(o, value));
    default: return spec.kind === t;
  }
}

/** Validates `value` against `spec`; appends "path: problem" strings to `out` and returns it. */
export function check(value: unknown, spec: Spec, path = '$', out: string[] = []): string[] {
  const t = jsonType(value);
  switch (spec.kind) {
    case 'any':
      return out;
    case 'union': {
      const option = spec.options.find((o) => kindMatches(o, value));
      if (!option) out.push(`${path}: ${t} is not allowed here`);
      else check(value, option, path, out);
      return out;
    }
    case 'string':
      if (t !== 'string') out.push(`${path}: expected a string, got ${t}`);
      else {
        const s = value as string;
        if (spec.nonEmpty && s === '') out.push(`${path}: must not be empty`);
        if (spec.enum && !spec.enum.includes(s)) out.push(`${path}: "${s}" is not one of ${spec.enum.join(', ')}`);
        if (spec.pattern && !spec.pattern.test(s)) out.push(`${path}: "${s}" does not match ${spec.pattern}`);
      }
      return out;
    case 'number':
      if (t !== 'number' || !Number.isFinite(value)) out.push(`${path}: expected a number, got ${t}`);
      else {
        const n = value as number;
        if (spec.int && !Number.isInteger(n)) out.push(`${path}: must be an integer`);
        if (spec.min !== undefined && n < spec.min) out.push(`${path}: ${n} is below ${spec.min}`);
        if (spec.max !== undefined && n > spec.max) out.push(`${path}: ${n} is above ${spec.max}`);
      }
      return out;
    case 'boolean':
    case 'null':
      if (t !== spec.kind) out.push(`${path}: expected ${spec.kind}, got ${t}`);
      return out;
    case 'array':
      if (t !== 'array') out.push(`${path}: expected an array, got ${t}`);
      else {
        const list = value as unknown[];
        if (spec.minItems !== undefined && list.length < spec.minItems) out.push(`${path}: needs at least ${spec.minItems} item(s)`);
        list.forEach((item, i) => check(item, spec.items, `${path}[${i}]`, out));
      }
      return out;
    case 'object': {
      if (t !== 'object') {
        out.push(`${path}: expected an object, got ${t}`);
        return out;
      }
      const o = value as Record<string, unknown>;
      for (const name of spec.required) if (o[name] === undefined) out.push(`${path}.${name}: required field is missing`);
      for (const [name, v] of Object.entries(o)) {
        const field = spec.fields[name];
        if (field) check(v, field, `${path}.${name}`, out);
        else if (!spec.open) out.push(`${path}.${name}: unknown field`);
      }
      return out;
    }
    case 'tagged': {
      if (t !== 'object') {
        out.push(`${path}: expected an object, got ${t}`);
        return out;
      }
      const tag = (value as Record<string, unknown>)[spec.tag];
      const variant = typeof tag === 'string' ? spec.variants[tag] : undefined;
      if (!variant) {
        out.push(`${path}.${spec.tag}: ${JSON.stringify(tag ?? null)} is not one of ${Object.keys(spec.variants).join(', ')}`);
        return out;
      }
      return check(value, variant, path, out);
    }
  }
}

export function isBase64(text: string): boolean {
  return text.length > 0 && text.length % 4 === 0 && /^[A-Za-z0-9+/]+={0,2}$/.test(text);
}
