// Checks each provider block against what its adapter accepts: the common provider fields (the schema's
// provider properties) plus the adapter's providerOptionsSchema. Unknown fields are errors at their key
// with a "did you mean"; a base_url that already ends in an endpoint path or has a query or fragment,
// and header values (or keys) carrying a line break, are errors too. Messages show `${VAR}` text, never
// a variable's value.

import Ajv, { type ValidateFunction } from 'ajv';
import type { Adapter } from '../contracts/adapter.ts';
import { hint } from './did-you-mean.ts';
import { commonProviderFields, describe } from './schema-check.ts';
import { pickErrors } from './schema-choices.ts';
import type { GatewayConfig } from './types.ts';
import { type ConfigProblem, type ParsedSource, locate, nodeAt } from './yaml-source.ts';

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

const ajv = new Ajv({ allErrors: true, strict: false, allowUnionTypes: true, verbose: true });
const validators = new WeakMap<Adapter, ValidateFunction>();

function validatorOf(adapter: Adapter): ValidateFunction {
  let v = validators.get(adapter);
  if (!v) {
    const { properties, required } = adapter.providerOptionsSchema ?? { properties: {} };
    v = ajv.compile({ type: 'object', properties, ...(required ? { required } : {}) });
    validators.set(adapter, v);
  }
  return v;
}

/** Endpoint paths a base_url must not end in (the adapter appends them). */
const ENDPOINT = /(\/openai\/deployments\/[^/]+)?(\/(chat\/completions|completions|embeddings|messages|responses|moderations|images\/(generations|edits|variations)|audio\/(transcriptions|translations|speech))|\/models\/[^/]+:[A-Za-z]+|\/models)\/*$/;

export function providerFieldProblems(file: string, source: ParsedSource, config: GatewayConfig, adapters: ReadonlyMap<string, { adapter: Adapter }>): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const at = (path: Array<string | number>, message: string, keyOf?: string) => problems.push({ file, ...locate(source, path, keyOf), message });
  const providers: Record<string, unknown> = isObject(config.providers) ? config.providers : {};
  for (const [name, block] of Object.entries(providers)) {
    if (!isObject(block)) continue;
    const here = ['providers', name];
    const fromEnv = (field: string | number, ...rest: Array<string | number>) => {
      const node = nodeAt(source, [...here, field, ...rest]);
      return node ? source.raw.get(node) : undefined;
    };
    checkBaseUrl(block.base_url, fromEnv('base_url'), (m) => at([...here, 'base_url'], m));
    checkBaseUrlQuery(name, block, fromEnv('base_url'), (m) => at([...here, 'base_url'], m));
    checkHeaders(block, name, fromEnv, (path, m) => at([...here, ...path], m));

    const loaded = adapters.get(name)?.adapter;
    if (!loaded) continue;
    for (const p of providerFieldsOf(name, block, loaded)) at(p.path, p.message, p.keyOf);
  }
  return problems;
}

/** The fields of one provider block its adapter does not accept, or accepts with a wrong value. */
export function providerFieldsOf(name: string, block: Record<string, unknown>, adapter: Adapter): Array<{ path: Array<string | number>; message: string; keyOf?: string }> {
  const out: Array<{ path: Array<string | number>; message: string; keyOf?: string }> = [];
  const here = ['providers', name];
  const common = commonProviderFields();
  const own = Object.keys(adapter.providerOptionsSchema?.properties ?? {});
  const accepted = [...common, ...own];
  const specific: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(block)) {
    if (common.includes(field)) continue;
    if (own.includes(field)) {
      specific[field] = value;
      continue;
    }
    const accepts = own.length ? `; the ${adapter.id} adapter's own fields are ${own.join(', ')}` : `; the ${adapter.id} adapter has no fields of its own`;
    out.push({ path: here, keyOf: field, message: `unknown field "${field}" in providers.${name}${hint(field, accepted)}${accepts}` });
  }
  const validate = validatorOf(adapter);
  if (!validate(specific)) {
    for (const err of pickErrors(validate.errors ?? [])) {
      const sub = err.instancePath ? err.instancePath.slice(1).split('/') : [];
      const { message, keyOf } = describe(err, [...here, ...sub].join('.'), undefined, `the ${adapter.id} adapter's fields in the README`);
      out.push({ path: [...here, ...sub], message, keyOf });
    }
  }
  return out;
}

function checkBaseUrl(value: unknown, fromEnv: string | undefined, report: (message: string) => void): void {
  if (typeof value !== 'string') return;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return; // the schema reports a malformed URL
  }
  const match = ENDPOINT.exec(url.pathname);
  if (!match) return;
  const base = `${url.origin}${url.pathname.slice(0, match.index)}`;
  const endpoint = url.pathname.slice(match.index).replace(/\/+$/, '');
  report(fromEnv !== undefined
    ? `base_url (${fromEnv}) ends in an endpoint path; the gateway appends the endpoint itself: set the variable to the API's base URL, without ${endpoint}`
    : `base_url ends in the endpoint path ${endpoint}; the gateway appends the endpoint itself: write base_url: ${base}`);
}

/**
 * A base_url with a query or fragment: the adapter appends endpoint paths to it, so `?tenant=x` would end
 * up inside the path (`/v1?tenant=x/chat/completions`). Says what to use instead, per parameter: the
 * key in api_key, Azure's api-version in api_version, anything else as a header. Values are not shown
 * (a query often carries a key).
 */
function checkBaseUrlQuery(name: string, block: Record<string, unknown>, fromEnv: string | undefined, report: (message: string) => void): void {
  const value = block.base_url;
  if (typeof value !== 'string') return;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return;
  }
  const hasQuery = value.includes('?');
  const hasFragment = value.includes('#');
  if (!hasQuery && !hasFragment) return;
  const what = hasQuery && hasFragment ? 'a query string and a fragment' : hasQuery ? 'a query string' : 'a fragment (#...)';
  const head = `base_url${fromEnv !== undefined ? ` (${fromEnv})` : ''} has ${what}; the gateway appends the endpoint path to base_url, so it must end in a path`;
  if (fromEnv !== undefined) return report(`${head}: remove the ${hasQuery && hasFragment ? 'query and fragment' : hasQuery ? 'query' : 'fragment'} from the variable's value`);
  // Parameter names only, and only plain ones (no values: a query often carries a key).
  const params = [...new Set(url.searchParams.keys())].filter((p) => /^[A-Za-z][\w.-]{0,39}$/.test(p));
  const advice: string[] = [];
  const others: string[] = [];
  for (const param of params) {
    if (/^(api[-_]?)?key$/i.test(param)) advice.push('put the key in api_key, not in the URL');
    else if (/^api[-_]version$/i.test(param) && block.adapter === 'azure') advice.push(`set the azure provider's own field api_version instead of ${param}`);
    else others.push(param);
  }
  if (others.length) advice.push(`the gateway sends no query parameters of yours upstream: if the API also takes ${others.join(', ')} as ${others.length === 1 ? 'a header' : 'headers'}, set ${others.length === 1 ? 'it' : 'them'} in providers.${name}.headers`);
  report(`${head}: write base_url: ${url.origin}${url.pathname.replace(/\/+$/, '')}${advice.map((a) => `; ${a}`).join('')}`);
}

/** Header values (and the keys that become headers) must be one line: a line break would split the request. */
function checkHeaders(block: Record<string, unknown>, name: string, fromEnv: (...path: Array<string | number>) => string | undefined, report: (path: Array<string | number>, message: string) => void): void {
  const lineBreak = /[\r\n\0]/;
  const origin = (...path: Array<string | number>) => { const raw = fromEnv(...path); return raw !== undefined ? ` (from ${raw})` : ''; };
  if (isObject(block.headers)) {
    for (const [header, value] of Object.entries(block.headers)) {
      if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(header)) report(['headers'], `providers.${name}.headers has an invalid header name ${JSON.stringify(header)}; use letters, digits and - only`);
      else if (typeof value === 'string' && lineBreak.test(value)) report(['headers', header], `header ${header} of provider ${name}${origin('headers', header)} contains a line break; header values must be one line (check for a trailing newline in the variable or file)`);
    }
  }
  for (const field of ['api_key', 'key', 'secret']) {
    const value = block[field];
    if (typeof value === 'string' && lineBreak.test(value)) report([field], `providers.${name}.${field}${origin(field)} contains a line break; it is sent in a header or URL and must be one line (check for a trailing newline)`);
  }
}
