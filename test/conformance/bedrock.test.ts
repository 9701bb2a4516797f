// Amazon Bedrock adapter, end to end: the `openai` SDK through the real gateway to a strict fake of
// Converse / ConverseStream that re-verifies every SigV4 signature with @smithy/signature-v4
// configured on its own. Claude, Llama, Mistral and Nova model ids; plain and streamed (binary AWS
// event-stream) answers with equal usage; tools over two turns; credentials from the config or the
// AWS environment variables; error mapping; the secret key and session token never leak.

import { expectNoRejections } from './fakes/strict-server.ts';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'bun:test';
import OpenAI from 'openai';
import type { ChatCompletionChunk, ChatCompletionMessageParam, ChatCompletionTool } from 'openai/resources/chat/completions';
import { join } from 'node:path';
import { ConfigInvalidError } from '../../src/gateway.ts';
import { TEST_KEY, type TestGateway, config, startTestGateway } from '../helpers/gateway.ts';
import { type AwsCredentials, type BedrockFake, startBedrockFake } from './fakes/bedrock.ts';

const CREDS: AwsCredentials = { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYSECRETKEY1', sessionToken: 'FwoGZXIvYXdzEXAMPLESESSIONTOKEN0123456789', region: 'eu-west-3' };
const MODELS = {
  claude: 'anthropic.claude-3-5-sonnet-20240620-v1:0',
  llama: 'meta.llama3-1-70b-instruct-v1:0',
  mistral: 'mistral.mistral-large-2407-v1:0',
  nova: 'us.amazon.nova-pro-v1:0',
};
let fake: BedrockFake;
let gw: TestGateway;
let client: OpenAI;

beforeAll(async () => {
  fake = startBedrockFake({ clientKey: TEST_KEY, credentials: CREDS, models: Object.values(MODELS) });
  gw = await startTestGateway(config(`
providers:
  aws:
    adapter: bedrock
    base_url: ${fake.url}
    region: ${CREDS.region}
    access_key_id: ${CREDS.accessKeyId}
    secret_access_key: ${CREDS.secretAccessKey}
    session_token: ${CREDS.sessionToken}
    models: { claude: "${MODELS.claude}", llama: "${MODELS.llama}", mistral: "${MODELS.mistral}", nova: "${MODELS.nova}", unknown: "anthropic.claude-9" }
    plugins: [peek]
  aws-env:
    adapter: bedrock
    base_url: ${fake.url}
    models: { claude-env: "${MODELS.claude}" }
  aws-wrong:
    adapter: bedrock
    base_url: ${fake.url}
    region: ${CREDS.region}
    access_key_id: ${CREDS.accessKeyId}
    secret_access_key: WRONGwrongWRONGwrongWRONGwrongWRONGwrong
    session_token: ${CREDS.sessionToken}
    models: { claude-wrong: "${MODELS.claude}" }
plugins:
  peek: { module: ${join(import.meta.dir, '..', 'plugins-e2e', 'fixtures', 'credential-peek.ts')} }
routing:
  retry: { attempts: 0 }
`), { env: { AWS_REGION: CREDS.region, AWS_ACCESS_KEY_ID: CREDS.accessKeyId, AWS_SECRET_ACCESS_KEY: CREDS.secretAccessKey, AWS_SESSION_TOKEN: CREDS.sessionToken! } });
  client = new OpenAI({ apiKey: TEST_KEY, baseURL: `${gw.url}/v1`, maxRetries: 0 });
});
afterAll(async () => {
  await gw.stop();
  fake.stop();
});
afterEach(() => expectNoRejections(fake));

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

const post = (body: object) => fetch(`${gw.url}/v1/chat/completions`, {
  method: 'POST', headers: { authorization: `Bearer ${TEST_KEY}`, 'content-type': 'application/json' }, body: JSON.stringify(body),
});
const hello: ChatCompletionMessageParam[] = [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Say hello.' }];
const TOOLS: ChatCompletionTool[] = [{
  type: 'function',
  function: { name: 'get_weather', description: 'Weather for a city', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } },
}];

describe('bedrock converse', () => {
  for (const [name, id] of Object.entries(MODELS)) {
    test(`${name}: plain and streamed answers, SigV4-signed, equal usage`, async () => {
      fake.answer({ text: 'Hello from Bedrock today.', inputTokens: 17, outputTokens: 6, cacheRead: 4 }, { text: 'Hello from Bedrock today.', inputTokens: 17, outputTokens: 6, cacheRead: 4 });
      const plain = await client.chat.completions.create({ model: name, messages: hello, max_tokens: 64, temperature: 1.5, stop: ['END'] });
      expect(plain.choices[0].message.content).toBe('Hello from Bedrock today.');
      expect(plain.choices[0].finish_reason).toBe('stop');
      expect(plain.usage).toMatchObject({ prompt_tokens: 21, completion_tokens: 6, total_tokens: 27, prompt_tokens_details: { cached_tokens: 4 } });
      const streamed = await collect(await client.chat.completions.create({ model: name, messages: hello, stream: true, stream_options: { include_usage: true } }));
      expect(streamed.content).toBe('Hello from Bedrock today.');
      expect(streamed.finishes).toEqual(['stop']);
      expect(streamed.usage).toEqual(plain.usage);
      expect(fake.requests.map((r) => r.url.pathname)).toEqual([`/model/${encodeURIComponent(id)}/converse`, `/model/${encodeURIComponent(id)}/converse-stream`]);
      expect(fake.requests[0].body).toEqual({
        system: [{ text: 'Be brief.' }],
        messages: [{ role: 'user', content: [{ text: 'Say hello.' }] }],
        inferenceConfig: { maxTokens: 64, temperature: 1, stopSequences: ['END'] },
      });
      expect(fake.requests[0].headers.get('x-amz-security-token')).toBe(CREDS.sessionToken!);
      // Signed after provider plugins: the plugin saw no credentials, and its header is covered.
      expect(fake.requests[0].headers.get('x-peek')).toBe('added-before-signing');
      expect(fake.requests[0].headers.get('authorization')).toContain('x-peek');
    });
  }

  for (const stream of [false, true]) {
    test(`tools over two turns (${stream ? 'stream' : 'plain'})`, async () => {
      fake.answer(
        { text: 'Let me check. ', toolCalls: [{ id: 'tooluse_kZJMlvQmRJ6eAyJE5GIl7Q', name: 'get_weather', input: { city: 'Paris', unit: 'C' } }], inputTokens: 50, outputTokens: 20 },
        { text: 'Sunny in Paris.', inputTokens: 80, outputTokens: 5 },
      );
      const messages: ChatCompletionMessageParam[] = [{ role: 'user', content: 'Weather in Paris?' }];
      let calls: Array<{ id?: string; name: string; arguments: string }>;
      if (stream) {
        const first = await collect(await client.chat.completions.create({ model: 'claude', messages, tools: TOOLS, tool_choice: 'required', stream: true }));
        expect(first.finishes).toEqual(['tool_calls']);
        expect(first.content).toBe('Let me check. ');
        calls = first.calls;
      } else {
        const first = await client.chat.completions.create({ model: 'claude', messages, tools: TOOLS, tool_choice: 'required' });
        expect(first.choices[0].finish_reason).toBe('tool_calls');
        calls = first.choices[0].message.tool_calls!.map((c: any) => ({ id: c.id, name: c.function.name, arguments: c.function.arguments }));
      }
      expect(calls).toEqual([{ id: 'tooluse_kZJMlvQmRJ6eAyJE5GIl7Q', name: 'get_weather', arguments: '{"city":"Paris","unit":"C"}' }]);
      expect((fake.requests[0].body as any).toolConfig).toEqual({
        tools: [{ toolSpec: { name: 'get_weather', description: 'Weather for a city', inputSchema: { json: (TOOLS[0] as any).function.parameters } } }],
        toolChoice: { any: {} },
      });
      messages.push(
        { role: 'assistant', content: 'Let me check. ', tool_calls: [{ id: calls[0].id!, type: 'function', function: { name: calls[0].name, arguments: calls[0].arguments } }] },
        { role: 'tool', tool_call_id: calls[0].id!, content: '{"sky":"sunny"}' },
      );
      const second = await client.chat.completions.create({ model: 'claude', messages, tools: TOOLS });
      expect(second.choices[0].message.content).toBe('Sunny in Paris.');
      expect((fake.requests[1].body as any).messages).toEqual([
        { role: 'user', content: [{ text: 'Weather in Paris?' }] },
        { role: 'assistant', content: [{ text: 'Let me check. ' }, { toolUse: { toolUseId: calls[0].id, name: 'get_weather', input: { city: 'Paris', unit: 'C' } } }] },
        { role: 'user', content: [{ toolResult: { toolUseId: calls[0].id, content: [{ text: '{"sky":"sunny"}' }] } }] },
      ]);
    });
  }

  test('credentials and region from the AWS environment variables when the config leaves them out', async () => {
    const res = await client.chat.completions.create({ model: 'claude-env', messages: hello });
    expect(res.choices[0].message.content).toBe('Hello from Bedrock.');
    expect(fake.requests[0].headers.get('authorization')).toContain(`Credential=${CREDS.accessKeyId}/`);
    expect(fake.requests[0].headers.get('x-amz-security-token')).toBe(CREDS.sessionToken!);
  });

  test('keys from the config are never combined with a session token from the environment', async () => {
    const other = startBedrockFake({ clientKey: TEST_KEY, credentials: { ...CREDS, sessionToken: undefined }, models: [MODELS.nova] });
    const g = await startTestGateway(config(`
providers:
  aws:
    adapter: bedrock
    base_url: ${other.url}
    access_key_id: ${CREDS.accessKeyId}
    secret_access_key: ${CREDS.secretAccessKey}
    models: { nova: "${MODELS.nova}" }
`), { env: { AWS_DEFAULT_REGION: CREDS.region, AWS_SESSION_TOKEN: 'env-session-token-of-someone-else' } });
    try {
      const res = await new OpenAI({ apiKey: TEST_KEY, baseURL: `${g.url}/v1`, maxRetries: 0 }).chat.completions.create({ model: 'nova', messages: hello });
      expect(res.choices[0].message.content).toBe('Hello from Bedrock.');
      expect(other.requests[0].headers.get('x-amz-security-token')).toBeNull();
      expect(other.rejections).toEqual([]);
    } finally {
      await g.stop();
      other.stop();
    }
  });

  test('secrets from the config and the environment are known to redaction (logs, ledger, errors)', () => {
    const secrets = gw.runtime.current().secrets;
    expect(secrets).toContain(CREDS.secretAccessKey);
    expect(secrets).toContain(CREDS.sessionToken!);
    expect(secrets).toContain('WRONGwrongWRONGwrongWRONGwrongWRONGwrong');
  });

  test('a provider without credentials fails validation with a fix', async () => {
    const err = await startTestGateway(config(`
providers:
  aws:
    adapter: bedrock
    region: us-east-1
    models: [m]
`), { env: { AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '' } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigInvalidError);
    expect(String((err as Error).message)).toContain('access_key_id and secret_access_key');
  });
});

describe('bedrock errors', () => {
  test('a wrong secret key → 502 upstream_auth_failed; no credential in the answer', async () => {
    const res = await post({ model: 'claude-wrong', messages: hello });
    expect(res.status).toBe(502);
    const text = await res.text();
    expect(JSON.parse(text).error.code).toBe('upstream_auth_failed');
    for (const secret of [CREDS.secretAccessKey, CREDS.sessionToken!, 'WRONGwrong']) expect(text).not.toContain(secret);
    expect(fake.rejections.join()).toContain('SignatureDoesNotMatch');
    fake.rejections.length = 0;
  });

  test('an unknown model id → 404 with Bedrock\'s reason', async () => {
    const res = await post({ model: 'unknown', messages: hello });
    expect(res.status).toBe(404);
    expect((await res.json() as any).error.message).toContain('The provided model identifier is invalid');
    fake.rejections.length = 0;
  });

  test('a throttlingException inside the stream ends it with an error event and no [DONE]', async () => {
    fake.answer({ text: 'Partial answer that stops', inputTokens: 1, outputTokens: 1, exception: { type: 'throttlingException', message: 'Too many tokens, please wait before trying again.' } });
    const text = await (await post({ model: 'claude', messages: hello, stream: true })).text();
    expect(text).toContain('Partial ');
    expect(text).toContain('Too many tokens');
    expect(text).not.toContain('[DONE]');
  });

  test('more than 4 stop sequences → 400 naming the param, before any upstream call', async () => {
    const res = await post({ model: 'claude', messages: hello, stop: ['1', '2', '3', '4', '5'] });
    expect(res.status).toBe(400);
    expect(((await res.json()) as any).error.param).toBe('stop');
    expect(fake.requests).toHaveLength(0);
  });
});
