// Google Vertex AI adapter, end to end: the `openai` SDK through the real gateway to a strict fake of
// Vertex (Gemini via generateContent / streamGenerateContent, Claude via rawPredict / streamRawPredict)
// and of Google's token endpoint, which verifies the JWT assertion's RS256 signature against the public
// half of a service-account key pair generated here at run time. Plain and streamed answers with equal
// usage for both publishers, tools over two turns, one token exchange cached across requests, a
// supplied access_token, and credential failures mapped without leaking the key or the token.

import { afterAll, afterEach, beforeAll, describe, expect, test } from 'bun:test';
import { generateKeyPairSync } from 'node:crypto';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import type { ChatCompletionChunk, ChatCompletionMessageParam } from 'openai/resources/chat/completions';
import { ConfigInvalidError } from '../../src/gateway.ts';
import { TEST_KEY, type TestGateway, config, startTestGateway } from '../helpers/gateway.ts';
import { type VertexFake, startVertexFake } from './fakes/vertex.ts';
import { ANSWER, EXPECTED_CALLS, HELLO, OPENAI_TOOLS, TOOL_RESULTS } from './harness.ts';

const PROJECT = 'switchyard-test-123';
const LOCATION = 'europe-west4';
const EMAIL = 'gateway@switchyard-test-123.iam.gserviceaccount.com';
const STATIC_TOKEN = 'ya29.static-token-0123456789abcdef';
const CLAUDE = 'claude-sonnet-4-5@20250929';
const GEMINI = 'gemini-2.5-flash';

const keyPair = () => generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
const account = keyPair();
const stranger = keyPair();
let fake: VertexFake;
let gw: TestGateway;
let client: OpenAI;

function serviceAccount(privateKey: string, tokenUri: string): string {
  return JSON.stringify({ type: 'service_account', project_id: PROJECT, private_key_id: 'abc123', private_key: privateKey, client_email: EMAIL, token_uri: tokenUri });
}

beforeAll(async () => {
  const { createPublicKey } = await import('node:crypto');
  fake = startVertexFake({ clientKey: TEST_KEY, publicKey: createPublicKey(account.publicKey), clientEmail: EMAIL, project: PROJECT, location: LOCATION, staticToken: STATIC_TOKEN });
  gw = await startTestGateway(config(`
providers:
  vtx:
    adapter: vertex
    base_url: ${fake.url}
    location: ${LOCATION}
    service_account: \${VERTEX_SA_JSON}
    models: { gem: ${GEMINI}, claude: "${CLAUDE}" }
  vtx-token:
    adapter: vertex
    base_url: ${fake.url}
    project: ${PROJECT}
    location: ${LOCATION}
    access_token: ${STATIC_TOKEN}
    models: { gem-token: ${GEMINI} }
  vtx-stranger:
    adapter: vertex
    base_url: ${fake.url}
    project: ${PROJECT}
    location: ${LOCATION}
    service_account: \${STRANGER_SA_JSON}
    models: { gem-stranger: ${GEMINI} }
routing:
  retry: { attempts: 0 }
`), { env: { VERTEX_SA_JSON: serviceAccount(account.privateKey, fake.tokenUri), STRANGER_SA_JSON: serviceAccount(stranger.privateKey, fake.tokenUri), GOOGLE_CLOUD_PROJECT: PROJECT } });
  client = new OpenAI({ apiKey: TEST_KEY, baseURL: `${gw.url}/v1`, maxRetries: 0 });
});
afterAll(async () => {
  await gw.stop();
  fake.stop();
});
afterEach(() => {
  const rejected = [...fake.rejections, ...fake.tokens.rejections];
  fake.reset();
  expect(rejected).toEqual([]);
});

async function collect(stream: AsyncIterable<ChatCompletionChunk>) {
  let content = '';
  const finishes: string[] = [];
  const calls: Array<{ id?: string; name: string; arguments: string }> = [];
  let usage: ChatCompletionChunk['usage'] | undefined;
  for await (const chunk of stream) {
    if (chunk.usage) usage = chunk.usage;
    for (const choice of chunk.choices) {
      content += choice.delta.content ?? '';
      if (choice.finish_reason) finishes.push(choice.finish_reason);
      for (const tc of choice.delta.tool_calls ?? []) {
        const call = (calls[tc.index] ??= { name: '', arguments: '' });
        if (tc.id) call.id = tc.id;
        call.name += tc.function?.name ?? '';
        call.arguments += tc.function?.arguments ?? '';
      }
    }
  }
  return { content, finishes, calls, usage };
}

const hello: ChatCompletionMessageParam[] = [{ role: 'user', content: 'Say hello.' }];
const fixtures = (model: 'gem' | 'claude', name: string) => {
  const dir = model === 'gem' ? 'gemini' : 'anthropic';
  return { json: `${dir}/conformance-${name}.json`, sse: `${dir}/conformance-${name}.sse` };
};
const issuedBefore = { n: 0 };

describe('vertex', () => {
  for (const model of ['gem', 'claude'] as const) {
    test(`${model}: plain and streamed answers with equal usage; one cached access token`, async () => {
      issuedBefore.n = fake.issued.length;
      fake.script(fixtures(model, 'text'), fixtures(model, 'text'));
      const plain = await client.chat.completions.create({ model, messages: hello });
      expect(plain.choices[0].message.content).toBe(HELLO);
      const streamed = await collect(await client.chat.completions.create({ model, messages: hello, stream: true, stream_options: { include_usage: true } }));
      expect(streamed.content).toBe(HELLO);
      expect(streamed.finishes).toEqual(['stop']);
      expect(streamed.usage).toEqual(plain.usage);
      const [first, second] = fake.requests;
      const publisher = model === 'gem' ? `google/models/${GEMINI}` : `anthropic/models/${CLAUDE}`;
      const base = `/v1/projects/${PROJECT}/locations/${LOCATION}/publishers/${publisher}`;
      expect(first.url.pathname).toBe(`${base}:${model === 'gem' ? 'generateContent' : 'rawPredict'}`);
      expect(second.url.pathname + second.url.search).toBe(`${base}:${model === 'gem' ? 'streamGenerateContent?alt=sse' : 'streamRawPredict'}`);
      if (model === 'claude') expect((first.body as Record<string, unknown>).anthropic_version).toBe('vertex-2023-10-16');
      // The token from the first exchange serves every later request until it expires.
      expect(fake.issued).toHaveLength(1);
      expect(first.headers.get('authorization')).toBe(`Bearer ${fake.issued[0]}`);
    });

    test(`${model}: tools over two turns`, async () => {
      fake.script(fixtures(model, 'tools'), fixtures(model, 'answer'));
      const messages: ChatCompletionMessageParam[] = [{ role: 'user', content: 'Weather and time in Paris?' }];
      const first = await collect(await client.chat.completions.create({ model, messages, tools: OPENAI_TOOLS, stream: true }));
      expect(first.finishes).toEqual(['tool_calls']);
      expect(first.calls.map((c) => ({ name: c.name, args: JSON.parse(c.arguments) }))).toEqual(EXPECTED_CALLS);
      messages.push(
        { role: 'assistant', content: first.content || null, tool_calls: first.calls.map((c) => ({ id: c.id!, type: 'function' as const, function: { name: c.name, arguments: c.arguments } })) },
        ...first.calls.map((c) => ({ role: 'tool' as const, tool_call_id: c.id!, content: TOOL_RESULTS[c.name] })),
      );
      const second = await client.chat.completions.create({ model, messages, tools: OPENAI_TOOLS });
      expect(second.choices[0].message.content).toBe(ANSWER);
    });
  }

  test('claude: the Anthropic client\'s anthropic-beta reaches Claude on Vertex (interleaved budget above max_tokens); never Gemini', async () => {
    const claude = new Anthropic({ apiKey: TEST_KEY, baseURL: gw.url, maxRetries: 0 });
    const beta = { headers: { 'anthropic-beta': 'interleaved-thinking-2025-05-14' } };
    fake.script(fixtures('claude', 'text'), fixtures('gem', 'text'));
    const params = { max_tokens: 2000, thinking: { type: 'enabled' as const, budget_tokens: 4096 }, messages: [{ role: 'user' as const, content: 'Say hello.' }] };
    await claude.messages.create({ ...params, model: 'claude' }, beta);
    await claude.messages.create({ ...params, model: 'gem' }, beta);
    const [toClaude, toGemini] = fake.requests;
    expect(toClaude.headers.get('anthropic-beta')).toBe('interleaved-thinking-2025-05-14');
    expect(toGemini.headers.get('anthropic-beta')).toBeNull();
  });

  test('a supplied access_token is sent as is, with no token exchange', async () => {
    const before = fake.issued.length;
    const res = await client.chat.completions.create({ model: 'gem-token', messages: hello });
    expect(res.choices[0].message.content).toBe(HELLO);
    expect(fake.requests[0].headers.get('authorization')).toBe(`Bearer ${STATIC_TOKEN}`);
    expect(fake.issued.length).toBe(before);
    expect(fake.tokens.requests).toHaveLength(0);
  });

  test('a service account the token endpoint refuses → 502 upstream_auth_failed; no key, token URI or assertion leaks', async () => {
    const res = await fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST', headers: { authorization: `Bearer ${TEST_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gem-stranger', messages: hello }),
    });
    expect(res.status).toBe(502);
    const text = await res.text();
    expect(JSON.parse(text).error.code).toBe('upstream_auth_failed');
    expect(text).toContain('service_account');
    expect(text).not.toContain('PRIVATE KEY');
    expect(text).not.toContain(fake.tokenUri);
    expect(text).not.toContain('eyJ');
    expect(fake.tokens.rejections.join()).toContain('Invalid JWT Signature');
    expect(fake.requests).toHaveLength(0);
    fake.tokens.rejections.length = 0;
  });

  test('the service-account JSON and its private key are known to redaction (logs, ledger, errors)', () => {
    const secrets = gw.runtime.current().secrets;
    expect(secrets).toContain(account.privateKey);
    expect(secrets).toContain(STATIC_TOKEN);
  });

  test('a provider without project or credentials fails validation with a fix', async () => {
    const noProject = await startTestGateway(config(`
providers:
  v:
    adapter: vertex
    location: us-central1
    access_token: x
    models: [m]
`), { env: { GOOGLE_CLOUD_PROJECT: '' } }).catch((e: unknown) => e);
    expect(noProject).toBeInstanceOf(ConfigInvalidError);
    expect(String((noProject as Error).message)).toContain('vertex needs a project');
    const noCreds = await startTestGateway(config(`
providers:
  v:
    adapter: vertex
    project: p
    location: us-central1
    models: [m]
`)).catch((e: unknown) => e);
    expect(String((noCreds as Error).message)).toContain('service_account');
  });
});
