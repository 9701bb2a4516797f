// The bundled price catalog: a model without a price in gateway.yaml is priced from it (by public
// name, or by its upstream model name), a price in gateway.yaml always wins, unknown models stay
// unpriced, and `switchyard validate` says which models the catalog priced.

import { afterAll, beforeAll, expect, test } from 'bun:test';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { catalogPrice } from '../src/compile/price-catalog.ts';
import catalog from '../src/compile/price-catalog.json' with { type: 'json' };
import { chatCompletion, json, upstreamPool } from './helpers/fake-upstream.ts';
import { TEST_KEY, type TestGateway, config, startTestGateway, tempDir } from './helpers/gateway.ts';

const up = upstreamPool(afterAll)(() => json(chatCompletion('hi'))); // usage: 5 prompt, 3 completion
let gw: TestGateway;
const yaml = (url: string) => config(`
providers:
  oa:
    adapter: openai
    base_url: ${url}/v1
    api_key: sk-upstream-0123456789
    models: { gpt-4o: gpt-4o, cheap-4o: gpt-4o-mini, my-claude: claude-sonnet-4-5, router-4o: openai/gpt-4o, house-model: house-model }
models:
  cheap-4o: { price: { input: 1, output: 1 } }
`);

beforeAll(async () => {
  gw = await startTestGateway(yaml(up.url));
});
afterAll(async () => {
  await gw.stop();
});

async function cost(model: string): Promise<string | null> {
  const res = await fetch(`${gw.url}/v1/chat/completions`, {
    method: 'POST', headers: { authorization: `Bearer ${TEST_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }] }),
  });
  expect(res.status).toBe(200);
  return res.headers.get('x-switchyard-cost-usd');
}

test('catalog prices apply to unpriced known models; gateway.yaml wins; unknown models stay at 0', async () => {
  // gpt-4o: 5 × $2.50 + 3 × $10 per 1M = 42.5 → 43 micro-dollars (one rounding, upward).
  expect(await cost('gpt-4o')).toBe('0.000043');
  // cheap-4o has its own price: 5 × 1 + 3 × 1 = 8.
  expect(await cost('cheap-4o')).toBe('0.000008');
  // my-claude is priced by its upstream name: 5 × 3 + 3 × 15 = 60.
  expect(await cost('my-claude')).toBe('0.000060');
  // OpenRouter-style vendor/model names match without the prefix.
  expect(await cost('router-4o')).toBe('0.000043');
  expect(await cost('house-model')).toBe('0.000000');
});

test('the catalog is dated, sourced data: every entry names a known source', () => {
  expect(catalog.as_of).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  for (const [name, entry] of Object.entries(catalog.models as Record<string, { source: string }>)) {
    expect({ name, source: catalog.sources[entry.source as keyof typeof catalog.sources] }).toEqual({ name, source: expect.stringMatching(/^https:\/\//) });
  }
  expect(catalogPrice(['nope', 'deepl-fr'])).toEqual({ entry: 'deepl-*', price: { per_million_characters: 25 } });
  expect(catalogPrice(['claude-sonnet-4-5'])?.price).toMatchObject({ input: 3, output: 15, cached_input: 0.3, cache_write: 3.75 });
});

test('validate lists the models priced from the catalog', () => {
  const dir = tempDir();
  const file = join(dir, 'gateway.yaml');
  writeFileSync(file, yaml('http://127.0.0.1:9'));
  const proc = Bun.spawnSync(['bun', join(import.meta.dir, '..', 'src', 'cli.ts'), 'validate', file], { env: { ...process.env, SWITCHYARD_LOG: 'silent' }, stdout: 'pipe', stderr: 'pipe' });
  const out = proc.stdout.toString();
  expect(proc.exitCode).toBe(0);
  expect(out).toContain(`note: model gpt-4o is priced from the price catalog (gpt-4o, list prices as of ${catalog.as_of})`);
  expect(out).toContain('note: model my-claude is priced from the price catalog (claude-sonnet-4-5');
  expect(out).not.toContain('model cheap-4o is priced');
  expect(out).not.toContain('model house-model is priced');
});
