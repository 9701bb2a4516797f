// schema/gateway.schema.json: compiles in ajv strict mode, documents every property, accepts the full
// example config and rejects broken ones at the right place.

import { describe, expect, test } from 'bun:test';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { parse as parseYaml } from 'yaml';

const ROOT = join(import.meta.dir, '..');
const SCHEMA_PATH = join(ROOT, 'schema', 'gateway.schema.json');
const EXAMPLE_PATH = join(ROOT, 'examples', 'gateway.full.yaml');

type Node = Record<string, unknown>;

const schema = JSON.parse(readFileSync(SCHEMA_PATH, 'utf8')) as Node;

function compile(s: Node = schema): ValidateFunction {
  const ajv = new Ajv({ allErrors: true, strict: true });
  addFormats(ajv);
  return ajv.compile(s);
}

const validate = compile();

function isObject(v: unknown): v is Node {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function hasDescription(v: unknown): boolean {
  return isObject(v) && typeof v.description === 'string' && v.description.trim().length > 0;
}

/**
 * Walks every subschema and returns the JSON pointers of undocumented ones: every entry of every
 * `properties` / `patternProperties` map, and every `items` / `additionalProperties` object schema that
 * declares `properties`.
 */
function undocumented(node: unknown, path = '#', out: string[] = []): string[] {
  if (!isObject(node)) return out;
  for (const mapKey of ['properties', 'patternProperties', 'definitions'] as const) {
    const map = node[mapKey];
    if (!isObject(map)) continue;
    for (const [name, sub] of Object.entries(map)) {
      const p = `${path}/${mapKey}/${name}`;
      if (mapKey !== 'definitions' && !hasDescription(sub)) out.push(p);
      undocumented(sub, p, out);
    }
  }
  for (const key of ['items', 'additionalProperties'] as const) {
    const sub = node[key];
    const subs = Array.isArray(sub) ? sub : [sub];
    subs.forEach((s, i) => {
      if (!isObject(s)) return;
      const p = Array.isArray(sub) ? `${path}/${key}/${i}` : `${path}/${key}`;
      if (isObject(s.properties) && !hasDescription(s)) out.push(p);
      undocumented(s, p, out);
    });
  }
  for (const key of ['oneOf', 'anyOf', 'allOf'] as const) {
    const list = node[key];
    if (Array.isArray(list)) list.forEach((s, i) => undocumented(s, `${path}/${key}/${i}`, out));
  }
  for (const key of ['not', 'if', 'then', 'else'] as const) {
    if (isObject(node[key])) undocumented(node[key], `${path}/${key}`, out);
  }
  return out;
}

function exampleConfig(): unknown {
  const raw = readFileSync(EXAMPLE_PATH, 'utf8');
  // Stand-in for the loader's ${VAR} / ${VAR:-default} interpolation.
  const interpolated = raw.replace(/\$\{[A-Za-z_][A-Za-z0-9_]*(?::-[^}]*)?\}/g, 'x');
  return parseYaml(interpolated);
}

function base(): Node {
  return { version: 1, providers: { local: { adapter: 'mock', models: ['mock-echo'] } } };
}

function errorsOf(config: unknown): ErrorObject[] {
  const ok = validate(config);
  return ok ? [] : [...(validate.errors ?? [])];
}

function expectError(config: unknown, instancePath: string, keyword?: string): ErrorObject[] {
  const errors = errorsOf(config);
  expect(errors.length).toBeGreaterThan(0);
  const paths = errors.map((e) => `${e.instancePath} ${e.keyword}`);
  const hit = errors.find((e) => e.instancePath === instancePath && (keyword === undefined || e.keyword === keyword));
  if (!hit) throw new Error(`expected an error at "${instancePath}"${keyword ? ` (${keyword})` : ''}, got: ${paths.join(', ')}`);
  return errors;
}

describe('gateway.schema.json', () => {
  test('compiles with ajv strict mode and ajv-formats', () => {
    expect(schema.$schema).toBe('http://json-schema.org/draft-07/schema#');
    expect(typeof schema.$id).toBe('string');
    expect(typeof schema.title).toBe('string');
    expect(() => compile()).not.toThrow();
    expect(typeof validate).toBe('function');
  });

  test('every property is documented', () => {
    expect(undocumented(schema)).toEqual([]);
  });

  test('the documentation check notices a missing description', () => {
    const broken = structuredClone(schema) as any;
    delete broken.definitions.limits.properties.rpm.description;
    delete broken.properties.providers.additionalProperties.properties.timeout_ms.description;
    broken.properties.keys.items.description = '  ';
    expect(undocumented(broken)).toEqual([
      '#/properties/providers/additionalProperties/properties/timeout_ms',
      '#/properties/keys/items',
      '#/definitions/limits/properties/rpm',
    ]);
  });

  test('the full example config is valid', () => {
    const config = exampleConfig() as any;
    // Sanity: the example really exercises the interesting parts.
    expect(typeof config.keys[0].expires_at).toBe('string');
    expect(config.providers.azure.api_version).toBe('2024-10-21');
    const errors = errorsOf(config);
    expect(errors).toEqual([]);
  });

  test('a minimal config is valid', () => {
    expect(errorsOf(base())).toEqual([]);
  });

  // The schema cannot know a custom adapter's fields: it lets them through, and the loader checks each
  // provider block against its adapter's providerOptionsSchema (test/config-validate.test.ts).
  test('provider blocks accept adapter-specific fields (checked later against the adapter)', () => {
    const c = base() as any;
    c.providers.local.mock = { fail_status: 503, fail_times: 2, delay_ms: 10, chunk_delay_ms: 5, embedding_dims: 4 };
    c.providers.local.whatever_the_adapter_wants = { nested: [1, 2] };
    c.providers.azure = { adapter: 'azure', base_url: 'https://r.openai.azure.com', api_version: '2024-10-21', models: { 'gpt-4o': 'dep' } };
    c.providers.ob = { adapter: 'onebound', key: 'k', secret: 's', models: ['gpt-4o-mini'], passthrough: ['/files'] };
    expect(errorsOf(c)).toEqual([]);
  });

  describe('rejects', () => {
    test('an unknown top-level key', () => {
      const errors = expectError({ ...base(), provider: {} }, '', 'additionalProperties');
      expect(errors.some((e) => (e.params as any).additionalProperty === 'provider')).toBe(true);
    });

    test('a key with neither key nor key_sha256', () => {
      expectError({ ...base(), keys: [{ name: 'alice' }] }, '/keys/0', 'oneOf');
    });

    test('a key with both key and key_sha256', () => {
      expectError({ ...base(), keys: [{ name: 'alice', key: 'k', key_sha256: 'a'.repeat(64) }] }, '/keys/0', 'oneOf');
    });

    test('a key without a name', () => {
      expectError({ ...base(), keys: [{ key: 'k' }] }, '/keys/0', 'required');
    });

    test('a malformed key_sha256', () => {
      expectError({ ...base(), keys: [{ name: 'a', key_sha256: 'A'.repeat(64) }] }, '/keys/0/key_sha256', 'pattern');
    });

    test('a negative budget', () => {
      expectError({ ...base(), keys: [{ name: 'a', key: 'k', budget: -1 }] }, '/keys/0/budget', 'minimum');
    });

    test('an expires_at that is not a date-time', () => {
      expectError({ ...base(), keys: [{ name: 'a', key: 'k', expires_at: 'next year' }] }, '/keys/0/expires_at', 'format');
    });

    test('a bad allow_ips entry', () => {
      expectError({ ...base(), keys: [{ name: 'a', key: 'k', allow_ips: ['10.0.0.0/33'] }] }, '/keys/0/allow_ips/0', 'pattern');
    });

    test('a server.cors without origins, with an empty list, a non-origin or a path, or a huge max_age_s', () => {
      expectError({ ...base(), server: { cors: {} } }, '/server/cors', 'required');
      expectError({ ...base(), server: { cors: { allow_origins: [] } } }, '/server/cors/allow_origins', 'minItems');
      expectError({ ...base(), server: { cors: { allow_origins: ['chat.example.com'] } } }, '/server/cors/allow_origins/0', 'pattern');
      expectError({ ...base(), server: { cors: { allow_origins: ['https://chat.example.com/app'] } } }, '/server/cors/allow_origins/0', 'pattern');
      expectError({ ...base(), server: { cors: { allow_origins: ['*'], max_age_s: 86401 } } }, '/server/cors/max_age_s', 'maximum');
      expectError({ ...base(), server: { cors: { allow_origins: ['*'], allow_credentials: true } } }, '/server/cors', 'additionalProperties');
      expect(errorsOf({ ...base(), server: { cors: { allow_origins: ['https://chat.example.com', 'http://localhost:3000', 'tauri://localhost'], max_age_s: 0 } } })).toEqual([]);
      expect(errorsOf({ ...base(), server: { cors: { allow_origins: ['*'] } } })).toEqual([]);
    });

    test('a bad route protocol', () => {
      expectError({ ...base(), routes: [{ path: '/x', protocol: 'grpc' }] }, '/routes/0/protocol', 'enum');
    });

    test('a route path without a leading slash', () => {
      expectError({ ...base(), routes: [{ path: 'x' }] }, '/routes/0/path', 'pattern');
    });

    test('a wrong version and a missing providers block', () => {
      expectError({ version: 2, providers: {} }, '/version', 'const');
      expectError({ version: 1 }, '', 'required');
    });

    test('a provider without an adapter', () => {
      expectError({ version: 1, providers: { p: { base_url: 'https://x.example' } } }, '/providers/p', 'required');
    });

    test('a provider model map with a non-string value', () => {
      expectError({ version: 1, providers: { p: { adapter: 'openai', models: { a: 1 } } } }, '/providers/p/models', 'oneOf');
    });

    test('an unknown field in a model, a negative price and a zero multiplier', () => {
      expectError({ ...base(), models: { m: { prices: {} } } }, '/models/m', 'additionalProperties');
      expectError({ ...base(), models: { m: { price: { input: -0.1 } } } }, '/models/m/price/input', 'minimum');
      expectError({ ...base(), groups: { g: { multiplier: 0 } } }, '/groups/g/multiplier', 'exclusiveMinimum');
    });

    test('a non-positive or fractional limit', () => {
      expectError({ ...base(), limits: { global: { rpm: 0 } } }, '/limits/global/rpm', 'minimum');
      expectError({ ...base(), groups: { g: { limits: { tpm: 1.5 } } } }, '/groups/g/limits/tpm', 'type');
      expectError({ ...base(), limits: { models: { m: { burst: 1 } } } }, '/limits/models/m', 'additionalProperties');
    });

    test('a retry condition that is neither a 4xx/5xx status nor timeout/network', () => {
      expectError({ ...base(), routing: { retry: { on: [302] } } }, '/routing/retry/on/0', 'anyOf');
      expectError({ ...base(), routing: { retry: { on: ['dns'] } } }, '/routing/retry/on/0', 'anyOf');
      expect(errorsOf({ ...base(), routing: { retry: { attempts: 0, on: [429, 'timeout', 'network'] } } })).toEqual([]);
    });

    test('a plugin without a module, and a negative priority', () => {
      expectError({ ...base(), plugins: { p: { options: {} } } }, '/plugins/p', 'required');
      expectError({ version: 1, providers: { p: { adapter: 'mock', priority: -1 } } }, '/providers/p/priority', 'minimum');
    });
  });
});
