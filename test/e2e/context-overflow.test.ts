// A prompt over the model's context window keeps an error agents recognise, whichever upstream said it:
// OpenAI's code context_length_exceeded (Codex, LangChain, LiteLLM match it) with the upstream's words first,
// and on the Anthropic surface a message that starts "prompt is too long" (Claude Code compacts on it).

import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { json, upstreamPool } from '../helpers/fake-upstream.ts';
import { TEST_KEY, type TestGateway, config, startTestGateway } from '../helpers/gateway.ts';

const pool = upstreamPool(afterAll);
const openaiUp = pool(() => json({ error: { message: "This model's maximum context length is 8192 tokens. However, your messages resulted in 9001 tokens. Please reduce the length of the messages.", type: 'invalid_request_error', param: 'messages', code: 'context_length_exceeded' } }, 400));
const anthropicUp = pool(() => json({ type: 'error', error: { type: 'invalid_request_error', message: 'prompt is too long: 210000 tokens > 200000 maximum' } }, 400));
let gw: TestGateway;
beforeAll(async () => {
  gw = await startTestGateway(config(`providers:
  oa: { adapter: openai, base_url: ${openaiUp.url}, models: [gpt-small] }
  an: { adapter: anthropic, base_url: ${anthropicUp.url}, api_key: sk-ant-test-0123456789, models: [claude-small] }
models:
  gpt-small: { price: { input: 1, output: 1 } }
  claude-small: { price: { input: 1, output: 1 } }`));
});
afterAll(async () => {
  await gw.stop();
});

test('OpenAI clients get code context_length_exceeded from either upstream, the upstream words first', async () => {
  const client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: TEST_KEY, maxRetries: 0 });
  for (const [model, words] of [['gpt-small', "This model's maximum context length"], ['claude-small', 'prompt is too long']] as const) {
    const err = await client.chat.completions.create({ model, messages: [{ role: 'user', content: 'long' }] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    const e = err as InstanceType<typeof OpenAI.BadRequestError>;
    expect({ model, code: e.code, param: e.param }).toEqual({ model, code: 'context_length_exceeded', param: 'messages' });
    expect(e.message).toStartWith(`400 ${words}`);
  }
});

test('Anthropic clients get a message that starts "prompt is too long" from either upstream', async () => {
  const client = new Anthropic({ baseURL: gw.url, apiKey: TEST_KEY, maxRetries: 0 });
  for (const model of ['gpt-small', 'claude-small']) {
    const err = await client.messages.create({ model, max_tokens: 10, messages: [{ role: 'user', content: 'long' }] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Anthropic.BadRequestError);
    const body = (err as InstanceType<typeof Anthropic.BadRequestError>).error as { error: { type: string; message: string } };
    expect(body.error.type).toBe('invalid_request_error');
    expect(body.error.message).toStartWith('prompt is too long');
  }
});
