// A custom adapter loaded from a file (adapters/examples/acme.ts) in front of a fake Acme server on
// 127.0.0.1, driven by the openai SDK through the gateway: plain and (emulated) stream.

import { afterAll, beforeAll, expect, test } from 'bun:test';
import { join } from 'node:path';
import OpenAI from 'openai';
import { type FakeUpstream, json, startFakeUpstream } from '../helpers/fake-upstream.ts';
import { type E2EGateway, REPO, TEST_KEY, chatBody, postJson, startE2E } from './helpers.ts';

let acme: FakeUpstream;
let gw: E2EGateway;
let client: OpenAI;

beforeAll(async () => {
  acme = startFakeUpstream((req, body) => {
    if (req.headers.get('authorization') !== 'Bearer acme-secret-key') return json({ detail: 'bad key' }, 401);
    const { prompt, max_new_tokens } = JSON.parse(body) as { prompt: string; max_new_tokens: number };
    if (prompt.includes('overload')) return json({ detail: 'Acme is overloaded' }, 503);
    const question = prompt.split('\n').filter((l) => l.startsWith('user: ')).at(-1)!.slice(6);
    return json({ output: `Acme answers "${question}" in at most ${max_new_tokens} tokens`, tokens_in: 12, tokens_out: 9 });
  });
  gw = await startE2E(`version: 1
keys:
  - name: tester
    key: ${TEST_KEY}
providers:
  acme:
    adapter: ${join(REPO, 'adapters', 'examples', 'acme.ts')}
    base_url: ${acme.url}
    api_key: acme-secret-key
    models: { acme-large: acme-1 }
models:
  acme-large:
    price: { input: 2, output: 4 }
routing:
  retry: { attempts: 0 }
`);
  client = new OpenAI({ apiKey: TEST_KEY, baseURL: `${gw.url}/v1` });
});

afterAll(async () => {
  await gw?.stop();
  acme?.stop();
});

test('plain call: Acme wire format both ways, usage and cost from Acme token counts', async () => {
  const before = acme.received.length;
  const res = await client.chat.completions.create({ model: 'acme-large', max_tokens: 50, messages: [{ role: 'system', content: 'be brief' }, { role: 'user', content: 'what is a gateway?' }] });
  expect(res.choices[0].message.content).toBe('Acme answers "what is a gateway?" in at most 50 tokens');
  expect(res.usage).toMatchObject({ prompt_tokens: 12, completion_tokens: 9, total_tokens: 21 });
  const seen = acme.received[before];
  expect(seen.path).toBe('/generate');
  expect(JSON.parse(seen.body)).toEqual({ prompt: 'system: be brief\nuser: what is a gateway?\nassistant:', max_new_tokens: 50 });
  const raw = await client.chat.completions.create({ model: 'acme-large', messages: [{ role: 'user', content: 'x' }] }).asResponse();
  expect(raw.headers.get('x-switchyard-cost-usd')).toBe(((12 * 2 + 9 * 4) / 1e6).toFixed(6));
});

test('stream: true is emulated from the one Acme answer', async () => {
  const stream = await client.chat.completions.create({ model: 'acme-large', messages: [{ role: 'user', content: 'stream it' }], stream: true });
  let text = '';
  let n = 0;
  for await (const chunk of stream) {
    n += 1;
    text += chunk.choices[0]?.delta?.content ?? '';
  }
  expect(text).toBe('Acme answers "stream it" in at most 256 tokens');
  expect(n).toBeGreaterThan(2);
});

test('Acme errors map to gateway errors; other operations are refused', async () => {
  const res = await postJson(`${gw.url}/v1/chat/completions`, chatBody('overload please', 'acme-large'));
  expect(res.status).toBe(502);
  expect(((await res.json()) as { error: { message: string } }).error.message).toContain('Acme is overloaded');
  const emb = await postJson(`${gw.url}/v1/embeddings`, { model: 'acme-large', input: 'x' });
  expect(emb.status).toBeGreaterThanOrEqual(400);
});
