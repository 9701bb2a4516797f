// `switchyard validate` as a user meets it (the real CLI in a subprocess): typos in provider fields with
// "did you mean", base_url ending in an endpoint, every problem in one pass, secrets never printed,
// header line breaks, unpriced models, hostile YAML refused quickly, and the shipped example config.

import { describe, expect, test } from 'bun:test';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startTestGateway, tempDir } from './helpers/gateway.ts';

const ROOT = join(import.meta.dir, '..');
const CLI = join(ROOT, 'src', 'cli.ts');

function validate(yaml: string, env: Record<string, string> = {}) {
  const file = join(tempDir(), 'gateway.yaml');
  writeFileSync(file, yaml);
  return { file, ...validateFile(file, env) };
}

function validateFile(file: string, env: Record<string, string> = {}, flags: string[] = []) {
  const t0 = performance.now();
  const proc = Bun.spawnSync([process.execPath, CLI, 'validate', file, ...flags], { env: { ...process.env, SWITCHYARD_LOG: 'silent', ...env }, stdout: 'pipe', stderr: 'pipe' });
  const out = proc.stdout.toString();
  return { code: proc.exitCode, out, err: proc.stderr.toString(), lines: out.trim().split('\n'), ms: performance.now() - t0 };
}

const KEY = 'keys:\n  - { name: k, key: sk-long-enough-key }\n';

describe('provider fields are checked against the adapter', () => {
  test('baseurl, apikey and timeout are errors at their line:col with a "did you mean"', () => {
    const r = validate(`version: 1
providers:
  oa:
    adapter: openai
    baseurl: https://api.openai.com/v1
    apikey: sk-abc
    timeout: 5000
    models: [gpt-4o]
${KEY}`);
    expect(r.code).toBe(1);
    expect(r.out).toContain(`${r.file}:5:5: unknown field "baseurl" in providers.oa (did you mean "base_url"?)`);
    expect(r.out).toContain(`${r.file}:6:5: unknown field "apikey" in providers.oa (did you mean "api_key"?)`);
    expect(r.out).toContain(`${r.file}:7:5: unknown field "timeout" in providers.oa (did you mean "timeout_ms"?)`);
  });

  test("each adapter's own fields: accepted on it, refused elsewhere, typed by its schema", () => {
    const ok = validate(`version: 1
providers:
  az: { adapter: azure, base_url: "https://r.openai.azure.com", api_version: "2024-10-21", models: { gpt-4o: dep } }
  ob: { adapter: onebound, key: k, secret: s, cache: "no", models: [ob-m] }
  cl: { adapter: anthropic, anthropic_version: "2023-06-01", default_max_tokens: 1024, models: [c] }
  ge: { adapter: gemini, safety_settings: [{ category: HARM_CATEGORY_HARASSMENT, threshold: BLOCK_ONLY_HIGH }], models: [g] }
  mo: { adapter: mock, mock: { fail_status: 503, fail_times: 1 }, models: [m] }
  ex: { adapter: ${join(ROOT, 'adapters/examples/acme.ts')}, base_url: "https://acme.example", models: [a] }
models:
  gpt-4o: { price: { input: 1 } }
  ob-m: { price: { input: 1 } }
  c: { price: { input: 1 } }
  g: { price: { input: 1 } }
  m: { price: { input: 1 } }
  a: { price: { input: 1 } }
${KEY}`);
    expect(ok.out).toContain(': ok');
    expect(ok.code).toBe(0);

    const bad = validate(`version: 1
providers:
  oa: { adapter: openai, api_version: "2024-10-21", models: [a] }
  az: { adapter: azure, base_url: "https://r.openai.azure.com", api_version: 2024, models: [b] }
  mo:
    adapter: mock
    mock: { fail_tims: 2 }
    models: [c]
${KEY}`);
    expect(bad.code).toBe(1);
    expect(bad.out).toContain(':3:26: unknown field "api_version" in providers.oa; the openai adapter\'s own fields are responses_api, forward_extra_content, reasoning_content');
    expect(bad.out).toContain('providers.az.api_version must be string');
    expect(bad.out).toContain(':7:13: unknown property "fail_tims" in providers.mo.mock (did you mean "fail_times"?)');
  });

  test("a user adapter's fields are checked once its code runs (validate --load-code, or the gateway loading it)", () => {
    const yaml = `version: 1
providers:
  acme:
    adapter: ${join(ROOT, 'adapters/examples/acme.ts')}
    base_url: "https://acme.example"
    apikey: sk-acme
    models: [a]
models:
  a: { price: { input: 1 } }
${KEY}`;
    const ran = validate(yaml);
    const file = ran.file;
    const loaded = validateFile(file, {}, ['--load-code']);
    expect(loaded.code).toBe(1);
    expect(loaded.out).toContain(`${file}:6:13: unknown field "apikey" in providers.acme (did you mean "api_key"?); the acme adapter has no fields of its own`);
    // Without --load-code no user code runs, so the field cannot be checked yet (and nothing claims it was).
    expect(ran.code).toBe(0);
    expect(ran.out).toContain('parsed, not run');
  });

  test('every adapter declares providerOptionsSchema, and documents each of its fields', async () => {
    const { NATIVE_ADAPTERS } = await import('../src/compile/adapter-registry.ts');
    const files = NATIVE_ADAPTERS.map((id) => join(ROOT, 'adapters', id, 'index.ts'));
    files.push(join(ROOT, 'adapters', 'examples', 'acme.ts'));
    for (const file of files) {
      const adapter = ((await import(file)) as { default: { id: string; providerOptionsSchema?: { type: string; properties: Record<string, { description?: string }> } } }).default;
      expect(adapter.providerOptionsSchema?.type, adapter.id).toBe('object');
      for (const [field, schema] of Object.entries(adapter.providerOptionsSchema!.properties)) {
        expect(typeof schema.description === 'string' && schema.description.length > 10, `${adapter.id}.${field}`).toBe(true);
      }
    }
  });

  test('a base_url ending in an endpoint path says what to write', () => {
    const r = validate(`version: 1
providers:
  oa: { adapter: openai, base_url: "https://api.openai.com/v1/chat/completions", models: [a] }
  cl: { adapter: anthropic, base_url: "https://api.anthropic.com/v1/messages/", models: [b] }
  az: { adapter: azure, base_url: "https://r.openai.azure.com/openai/deployments/gpt4o/chat/completions", models: [c] }
  ge: { adapter: gemini, base_url: "https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:generateContent", models: [d] }
${KEY}`);
    expect(r.code).toBe(1);
    expect(r.out).toContain(':3:36: base_url ends in the endpoint path /chat/completions; the gateway appends the endpoint itself: write base_url: https://api.openai.com/v1');
    expect(r.out).toContain('ends in the endpoint path /messages; the gateway appends the endpoint itself: write base_url: https://api.anthropic.com/v1');
    expect(r.out).toContain('write base_url: https://r.openai.azure.com\n');
    expect(r.out).toContain('write base_url: https://generativelanguage.googleapis.com/v1beta\n');
  });

  test('a base_url with a query or fragment is an error that says where the parameter goes instead', async () => {
    const yaml = `version: 1
providers:
  fake: { adapter: openai, base_url: "http://127.0.0.1:4100/v1?tenant=x", models: [a] }
  az: { adapter: azure, base_url: "https://r.openai.azure.com/?api-version=2024-10-21", models: { b: dep } }
  ge: { adapter: gemini, base_url: "https://generativelanguage.googleapis.com/v1beta?key=AIzaSy-secret-0000", models: [c] }
  fr: { adapter: anthropic, base_url: "https://api.anthropic.com/#x", models: [d] }
  en: { adapter: openai, base_url: "\${SY_Q_URL}", models: [e] }
${KEY}`;
    const r = validate(yaml, { SY_Q_URL: 'https://h.example/v1?token=sk-env-secret-7d1e' });
    expect(r.code).toBe(1);
    expect(r.out).toContain(':3:38: base_url has a query string; the gateway appends the endpoint path to base_url, so it must end in a path: write base_url: http://127.0.0.1:4100/v1; the gateway sends no query parameters of yours upstream: if the API also takes tenant as a header, set it in providers.fake.headers\n');
    expect(r.out).toContain(":4:35: base_url has a query string; the gateway appends the endpoint path to base_url, so it must end in a path: write base_url: https://r.openai.azure.com; set the azure provider's own field api_version instead of api-version\n");
    expect(r.out).toContain('write base_url: https://generativelanguage.googleapis.com/v1beta; put the key in api_key, not in the URL\n');
    expect(r.out).toContain(':6:39: base_url has a fragment (#...); the gateway appends the endpoint path to base_url, so it must end in a path: write base_url: https://api.anthropic.com\n');
    expect(r.out).toContain(":7:36: base_url (${SY_Q_URL}) has a query string; the gateway appends the endpoint path to base_url, so it must end in a path: remove the query from the variable's value\n");
    expect(r.out + r.err).not.toContain('AIzaSy-secret-0000');
    expect(r.out + r.err).not.toContain('sk-env-secret-7d1e');
    expect(r.out + r.err).not.toContain('h.example');
    // the gateway refuses to start on it too (it used to build http://127.0.0.1:4100/v1?tenant=x/chat/completions)
    const { ConfigInvalidError } = await import('../src/gateway.ts');
    const refused = await startTestGateway(yaml.replace(/\n {2}(az|ge|fr|en):.*/g, '')).then(async (gw) => { await gw.stop(); return undefined; }, (err: unknown) => err);
    expect(refused).toBeInstanceOf(ConfigInvalidError);
    expect((refused as InstanceType<typeof ConfigInvalidError>).problems.join('\n')).toContain('base_url has a query string');
  });
});

describe('one pass', () => {
  test('schema, semantic and provider-field problems of one file are reported together, in file order', () => {
    const r = validate(`version: 1
server: { prot: 8080 }
providers:
  oa: { adapter: openai, apikey: x, models: [gpt-4o] }
models:
  gpt-4o: { pricee: { input: 1 }, fallbacks: [gpt-5] }
keys:
  - { name: k, key: sk-long-enough-key, group: vipp }
groups:
  vip: { multiplier: 0 }
`);
    expect(r.code).toBe(1);
    expect(r.lines).toEqual([
      `${r.file}:2:11: unknown property "prot" in server (did you mean "port"?)`,
      `${r.file}:4:26: unknown field "apikey" in providers.oa (did you mean "api_key"?); the openai adapter's own fields are responses_api, forward_extra_content, reasoning_content`,
      `${r.file}:6:13: unknown property "pricee" in models.gpt-4o (did you mean "price"?)`,
      `${r.file}:6:47: model gpt-4o falls back to unknown model "gpt-5"`,
      `${r.file}:8:48: key "k" uses unknown group "vipp" (did you mean "vip"?); declared groups: default, vip`,
      `${r.file}:10:22: groups.vip.multiplier must be > 0`,
    ]);
  });

  test('one unclosed bracket gives one message', () => {
    const r = validate(`version: 1
providers:
  oa: { adapter: openai, models: [gpt-4o, gpt-4o-mini }
  mo: { adapter: mock, models: [m] }
keys: [{ name: k, key: sk-long-enough-key }
`);
    expect(r.code).toBe(1);
    expect(r.lines.length).toBe(1);
    expect(r.lines[0]).toMatch(/gateway\.yaml:3:\d+: YAML /);
    // The fix is the bracket, not the indentation (the YAML library calls it BAD_INDENT).
    expect(r.lines[0]).toContain('a flow sequence opened with "[" is not closed: missing "]"');
    expect(r.lines[0]).not.toContain('bad indent');
  });

  test('an unclosed "[" inside a flow mapping is named at its line:col, and so is an unclosed "{"', () => {
    const r = validate(`version: 1
providers:
  mo: { adapter: mock, models: [m] }
models:
  m:
    price: { input: [0.15, output: 0.60 }
`);
    expect(r.lines).toEqual([`${r.file}:6:41: YAML syntax: a flow sequence opened with "[" is not closed: missing "]" (or a continuation line is not indented enough)`]);
    const m = validate('version: 1\nproviders: { mo: { adapter: mock, models: [m] }\n');
    expect(m.lines).toEqual([`${m.file}:3:1: YAML syntax: a flow mapping opened with "{" is not closed: missing "}" (or a continuation line is not indented enough)`]);
  });

  test('a misspelt required field is one "unknown field ... did you mean" at its key, not "missing adapter"', () => {
    const r = validate(`version: 1
providers:
  mo:
    adaptr: mock
    models: [m]
${KEY}`);
    expect(r.code).toBe(1);
    expect(r.lines).toEqual([`${r.file}:4:5: unknown field "adaptr" in providers.mo (did you mean "adapter"?)`]);
    // Nothing close to "adapter": still the missing-field message.
    const far = validate(`version: 1\nproviders:\n  mo:\n    kind: mock\n    models: [m]\n${KEY}`);
    expect(far.lines).toEqual([`${far.file}:4:5: providers.mo is missing the required property "adapter"`]);
  });

  test('a directory instead of the file says so, not EISDIR', () => {
    const dir = tempDir();
    const r = validateFile(dir);
    expect(r.code).toBe(1);
    expect(r.lines).toEqual([`${dir}:1:1: cannot read config: this is a directory; pass the path of the gateway.yaml file (e.g. ${join(dir, 'gateway.yaml')})`]);
  });
});

describe('server.cors', () => {
  const cfg = (cors: string) => `version: 1\nserver:\n  cors: ${cors}\nproviders:\n  mo: { adapter: mock, models: [m] }\n${KEY}`;

  test('origins, "*" and max_age_s are accepted', () => {
    expect(validate(cfg('{ allow_origins: ["https://chat.example.com", "http://localhost:3000"], max_age_s: 600 }')).code).toBe(0);
    expect(validate(cfg('{ allow_origins: ["*"] }')).code).toBe(0);
  });

  test('a path, a wildcard host, "*" beside origins, a typo and a negative max age are errors at their place', () => {
    const r = validate(cfg('{ allow_origins: ["*", "https://chat.example.com/app", "https://*.example.com"], max_age_s: -1 }'));
    expect(r.code).toBe(1);
    expect(r.lines).toEqual([
      `${r.file}:3:27: "*" allows every origin, so the other entries mean nothing; list "*" alone, or only the origins you mean`,
      `${r.file}:3:32: server.cors.allow_origins.1 must be an origin like https://chat.example.com (scheme, host and port, no path) or "*"`,
      `${r.file}:3:64: server.cors.allow_origins.2 must be an origin like https://chat.example.com (scheme, host and port, no path) or "*"`,
      `${r.file}:3:101: server.cors.max_age_s must be >= 0`,
    ]);
    const typo = validate(cfg('{ allow_origin: ["*"] }'));
    expect(typo.lines).toEqual([`${typo.file}:3:11: unknown property "allow_origin" in server.cors (did you mean "allow_origins"?)`]);
  });
});

describe('secrets and client strings stay out of messages', () => {
  test('every message names the ${VAR}, never its value', () => {
    const secret = (tag: string) => `sk-live-${tag}-9f3b2c7d1e`;
    const env: Record<string, string> = {};
    for (const tag of ['ADAPTER', 'URL', 'PROV', 'FB', 'NAME', 'GROUP', 'PLUGIN', 'MOD', 'HDR', 'KEY', 'APIKEY']) env[`SY_${tag}`] = secret(tag);
    env.SY_URL = `https://${secret('URL')}.example/v1/chat/completions`;
    env.SY_HDR = `${secret('HDR')}\n`;
    env.SY_APIKEY = `${secret('APIKEY')}\r\n`;
    env.SY_MOD = `./${secret('MOD')}.ts`;
    const r = validate(`version: 1
providers:
  a:
    adapter: "\${SY_ADAPTER}"
    models: [m]
  b:
    adapter: openai
    base_url: "\${SY_URL}"
    api_key: "\${SY_APIKEY}"
    headers: { X-Org: "\${SY_HDR}" }
    models: [m2]
models:
  m:
    targets: [{ provider: "\${SY_PROV}" }]
    fallbacks: ["\${SY_FB}"]
keys:
  - { name: "\${SY_NAME}", key: "\${SY_KEY}", group: "\${SY_GROUP}" }
  - { name: "\${SY_NAME}", key: "\${SY_KEY}" }
global_plugins: ["\${SY_PLUGIN}"]
plugins:
  p: { module: "\${SY_MOD}" }
`, env);
    expect(r.code).toBe(1);
    const output = r.out + r.err;
    for (const [name, value] of Object.entries(env)) {
      expect(output).not.toContain(value.trim());
      expect(output).not.toContain(value.replace(/^https:\/\/|\.example.*$/g, ''));
      if (name !== 'SY_KEY') expect(output, name).toContain(`\${${name}}`);
    }
    expect(r.out).toContain('header X-Org of provider b (from ${SY_HDR}) contains a line break');
    expect(r.out).toContain('providers.b.api_key (from ${SY_APIKEY}) contains a line break');
  });

  test('a value inside a resolved path or a load error is replaced by its ${VAR} too', () => {
    const dir = join(tempDir(), 'private-dir-4f7e2a');
    mkdirSync(dir);
    writeFileSync(join(dir, 'broken.ts'), 'export default {;\n');
    const r = validate(`version: 1
providers:
  mo: { adapter: mock, models: [m] }
models:
  m: { price: { input: 1 } }
plugins:
  broken: { module: "\${SY_PLUGIN_DIR}/broken.ts" }
global_plugins: [broken]
${KEY}`, { SY_PLUGIN_DIR: dir });
    expect(r.code).toBe(1);
    expect(r.out).toContain('plugin "broken"');
    expect(r.out).toContain('${SY_PLUGIN_DIR}');
    expect(r.out + r.err).not.toContain('private-dir-4f7e2a');
  });

  test('a header value with a newline is an error (written in the file too)', () => {
    const r = validate(`version: 1
providers:
  oa:
    adapter: openai
    headers:
      X-Title: "my app\\r\\nX-Injected: 1"
    models: [gpt-4o]
${KEY}`);
    expect(r.code).toBe(1);
    expect(r.out).toContain(':6:16: header X-Title of provider oa contains a line break; header values must be one line');
  });
});

describe('one line per problem', () => {
  test('a value matching none of the allowed forms is one line saying what is allowed (not one per anyOf branch)', () => {
    const r = validate(`version: 1
providers:
  mo: { adapter: mock, models: [a] }
  m2: { adapter: mock, models: 7 }
  m3: { adapter: mock, models: { b: 5 } }
routing:
  retry: { attempts: 1, on: [429, 700, timeout, nope, 5] }
${KEY}`);
    expect(r.code).toBe(1);
    expect(r.lines).toEqual([
      `${r.file}:4:32: providers.m2.models must be a list of strings or a map of strings`,
      // the value is a map, so what is wrong is inside it
      `${r.file}:5:37: providers.m3.models.b must be string`,
      `${r.file}:7:35: routing.retry.on.1 must be an integer from 400 to 599 or one of "timeout", "network"`,
      `${r.file}:7:49: routing.retry.on.3 must be an integer from 400 to 599 or one of "timeout", "network"`,
      `${r.file}:7:55: routing.retry.on.4 must be an integer from 400 to 599 or one of "timeout", "network"`,
    ]);
  });

  test('a UTF-16, binary or Latin-1 file is reported as not UTF-8 text, at the first bad byte', () => {
    const dir = tempDir();
    const yaml = `version: 1\nproviders:\n  mo: { adapter: mock, models: [a] }\n${KEY}`;
    const write = (name: string, bytes: Uint8Array) => { const file = join(dir, name); writeFileSync(file, bytes); return file; };
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(yaml, 'utf16le')]);
    const cases: Array<[string, Uint8Array, string]> = [
      ['utf16.yaml', utf16, ':1:1: the config is UTF-16 text (it starts with a UTF-16 byte order mark), not UTF-8; save it as UTF-8 text'],
      ['utf16-nobom.yaml', Buffer.from(yaml, 'utf16le'), ':1:2: the config looks like UTF-16 text, not UTF-8; save it as UTF-8 text'],
      ['image.yaml', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d, 0x49, 0x48, 0x44, 0x52]), ':3:1: the config is not text (it contains NUL bytes: a binary file?); save it as UTF-8 text'],
      ['latin1.yaml', Buffer.from(`${yaml}# caf\xe9\n`, 'latin1'), ':6:6: the config is not UTF-8 text (byte 0xE9 here is not valid UTF-8; a Latin-1 or Windows-1252 file?); save it as UTF-8 text'],
    ];
    for (const [name, bytes, expected] of cases) {
      const file = write(name, bytes);
      const r = validateFile(file);
      expect(r.code, name).toBe(1);
      expect(r.lines, name).toEqual([`${file}${expected}`]);
    }
    // a UTF-8 byte order mark is fine
    const bom = validateFile(write('bom.yaml', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(yaml)])));
    expect(bom.code).toBe(0);
  });
});

describe('unpriced models', () => {
  test('a served model without a price is a warning at its line; an explicit zero price or a catalog price is not', () => {
    const r = validate(`version: 1
providers:
  oa: { adapter: openai, models: [in-house-model, free-model, priced, gpt-4o] }
models:
  free-model: { price: { input: 0, output: 0 } }
  priced: { price: { input: 1, output: 2 } }
${KEY}`);
    expect(r.code).toBe(0);
    expect(r.lines.filter((l) => !l.startsWith('note: model gpt-4o is priced from the price catalog'))).toEqual([
      `${r.file}:3:35: warning: model in-house-model has no price: its requests are billed $0 and no budget stops them; add models.in-house-model.price (USD per 1M tokens), or price: {input: 0, output: 0} if it is free`,
      `${r.file}: ok`,
    ]);
  });
});

describe('hostile and large files', () => {
  const models = (n: number) => Array.from({ length: n }, (_, i) => `  m${i}: { price: *std }`).join('\n');

  test('an anchor used by 101 models is fine (no stack, no limit of 100)', () => {
    const r = validate(`version: 1
providers:
  mo: { adapter: mock, models: [${Array.from({ length: 101 }, (_, i) => `m${i}`).join(', ')}] }
x-prices:
  std: &std { input: 1, output: 2 }
models:
${models(101)}
${KEY}`);
    // x-prices is not a known section: the anchor has to live somewhere the schema allows.
    expect(r.out).not.toContain('    at ');
    expect(r.out).toContain('unknown property "x-prices"');
    const fixed = validate(`version: 1
providers:
  mo: { adapter: mock, models: [${Array.from({ length: 101 }, (_, i) => `m${i}`).join(', ')}] }
models:
  m0: { price: &std { input: 1, output: 2 } }
${models(101).split('\n').slice(1).join('\n')}
${KEY}`);
    expect(fixed.err).toBe('');
    expect(fixed.lines).toEqual([`${fixed.file}: ok`]);
  });

  test('an alias bomb is refused quickly with one message', () => {
    let bomb = '  a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n';
    for (let i = 1; i < 12; i++) bomb += `  a${i}: &a${i} [${Array(10).fill(`*a${i - 1}`).join(', ')}]\n`;
    const r = validate(`version: 1\nproviders:\n  mo: { adapter: mock, models: [m] }\nbomb:\n${bomb}`);
    expect(r.code).toBe(1);
    expect(r.lines.length).toBe(1);
    expect(r.lines[0]).toMatch(/gateway\.yaml:\d+:\d+: the config expands to more than 300000 values \(YAML aliases counted once per use\); the limit guards against alias bombs$/);
    expect(r.ms).toBeLessThan(3000);
  });

  test('a file over the size limit is refused before parsing', () => {
    const r = validate(`version: 1\nproviders:\n  mo: { adapter: mock, models: [m] }\n# ${'x'.repeat(5 * 1024 * 1024)}\n`);
    expect(r.code).toBe(1);
    expect(r.lines.length).toBe(1);
    expect(r.lines[0]).toMatch(/gateway\.yaml:1:1: the config is 52\d{5} bytes; the limit is 4194304 bytes \(4 MiB\)$/);
  });

  test('too many items (a 1M-entry flow list) is refused in well under a second of parsing', () => {
    const r = validate(`version: 1\nproviders:\n  mo: { adapter: mock, models: [${'m,'.repeat(1_000_000)}m] }\n`);
    expect(r.code).toBe(1);
    expect(r.out).toContain('items (lines and list/map entries); the limit is 150000');
    expect(r.ms).toBeLessThan(3000);
  });
});

test('the full example config shipped in examples/ is valid, with no warnings', () => {
  const env: Record<string, string> = {};
  for (const name of ['SWITCHYARD_ADMIN_TOKEN', 'OPENAI_API_KEY', 'MODELBRIDGE_KEY', 'ZZZ_API_KEY', 'ONEBOUND_KEY', 'ONEBOUND_SECRET', 'ANTHROPIC_API_KEY', 'GEMINI_API_KEY', 'AZURE_OPENAI_KEY', 'ALICE_KEY']) env[name] = `value-of-${name.toLowerCase()}`;
  const file = join(ROOT, 'examples', 'gateway.full.yaml');
  // --load-code: the example's plugins are the bundled ones, so running them is safe and checks their options.
  const r = validateFile(file, env, ['--load-code']);
  expect(r.lines).toEqual([`${file}: ok`]);
  expect(r.code).toBe(0);
});

describe('server.public_url', () => {
  const cfg = (url: string) => `version: 1\nserver:\n  public_url: ${url}\nproviders:\n  mo: { adapter: mock, models: [m] }\n${KEY}`;

  test('absolute http(s) URLs, with or without a path prefix, are accepted', () => {
    for (const url of ['https://llm.example.com', 'http://10.0.0.5:3000/', 'https://example.com/llm']) expect(validate(cfg(url)).code).toBe(0);
  });

  test('a relative URL, another scheme, credentials, a query and a fragment are errors at their place', () => {
    for (const url of ['llm.example.com', 'ftp://llm.example.com', 'https://user:pw@llm.example.com', 'https://llm.example.com/?x=1', 'https://llm.example.com/#a']) {
      const r = validate(cfg(url));
      expect(r.code).toBe(1);
      expect(r.lines).toEqual([`${r.file}:3:15: server.public_url must be an absolute http(s) URL like https://llm.example.com or https://example.com/llm (no query, fragment or user:password@)`]);
    }
  });
});

describe('a bundled plugin under another name, from any config directory', () => {
  test('module: <bundled name> loads the bundled plugin with its own options; its option errors are found', () => {
    const ok = validate(`version: 1
providers:
  mock: { adapter: mock, models: [mock-echo], plugins: [zzz-envelope] }
plugins:
  zzz-envelope:
    module: code-msg-envelope
    options: { status_codes: { "1002": 404 } }
${KEY}`);
    expect(ok.out).not.toContain('does not exist');
    expect(ok.code).toBe(0);
    const bad = validate(`version: 1
providers:
  mock: { adapter: mock, models: [mock-echo], plugins: [zzz-envelope] }
plugins:
  zzz-envelope:
    module: code-msg-envelope
    options: { status_codes: { "1002": 42 } }
${KEY}`);
    expect(bad.code).toBe(1);
    expect(bad.out).toContain('zzz-envelope');
  });

  test('client_ip_header without trust_proxy is an error naming the fix', () => {
    const r = validate(`version: 1
server:
  client_ip_header: x-real-ip
providers:
  mock: { adapter: mock, models: [mock-echo] }
${KEY}`);
    expect(r.code).toBe(1);
    expect(r.out).toContain(`${r.file}:3:21: server.client_ip_header is read only behind a trusted proxy`);
  });
});
