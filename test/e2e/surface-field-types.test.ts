// The Anthropic Messages and Responses surfaces refuse wrongly typed or out-of-range fields with a 400
// naming the field (in their own error shapes) before translating them, instead of dropping them,
// streaming "yes" as not streamed, or failing with a 500. Driven by the official SDKs.

import { afterAll, beforeAll, expect, test } from 'bun:test';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { TEST_KEY, type TestGateway, config, startTestGateway } from '../helpers/gateway.ts';

let gw: TestGateway;
let anthropic: Anthropic;
let openai: OpenAI;

beforeAll(async () => {
  gw = await startTestGateway(config(`providers:\n  mock: { adapter: mock, models: [mock-echo] }\n`));
  anthropic = new Anthropic({ baseURL: gw.url, apiKey: TEST_KEY, maxRetries: 0 });
  openai = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: TEST_KEY, maxRetries: 0 });
});
afterAll(() => gw.stop());

async function failure(p: Promise<unknown>): Promise<{ status: number; body: Record<string, unknown> }> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  if (err instanceof Anthropic.APIError || err instanceof OpenAI.APIError) return { status: err.status ?? 0, body: err.error as Record<string, unknown> };
  throw new Error(`expected an API error, got ${String(err)}`);
}

test.each([
  ['temperature 1e308', { temperature: 1e308 }, 'temperature', 'must be a number from 0 to 1'],
  ['temperature 1.5 (above Anthropic\'s range)', { temperature: 1.5 }, 'temperature', 'must be a number from 0 to 1'],
  ['top_p 2', { top_p: 2 }, 'top_p', 'must be a number from 0 to 1'],
  ['stream "yes"', { stream: 'yes' }, 'stream', 'must be a boolean'],
])('Anthropic surface: %s → 400 invalid_request_error naming the field', async (_name, extra, field, message) => {
  const params = { model: 'mock-echo', max_tokens: 16, messages: [{ role: 'user', content: 'hi' }], ...extra } as unknown as Anthropic.MessageCreateParamsNonStreaming;
  const r = await failure(anthropic.messages.create(params));
  expect(r.status).toBe(400);
  expect(r.body.type).toBe('error');
  const error = r.body.error as { type: string; message: string };
  expect(error.type).toBe('invalid_request_error');
  expect(error.message).toContain(`\`${field}\` ${message}`);
});

test('Anthropic surface: temperature 0..1 still passes', async () => {
  const params = { model: 'mock-echo', max_tokens: 16, temperature: 1, top_p: 0.5, messages: [{ role: 'user', content: 'fine' }] } as Anthropic.MessageCreateParamsNonStreaming;
  const msg = await anthropic.messages.create(params);
  expect(msg.content[0].type).toBe('text');
});

test.each([
  ['stream "yes"', { stream: 'yes' }, 'stream', '`stream` must be a boolean'],
  ['tools "x"', { tools: 'x' }, 'tools', '`tools` must be an array'],
  ['a tool without type', { tools: [{ name: 'f' }] }, 'tools[0]', 'string `type`'],
  ['tool_choice 7', { tool_choice: 7 }, 'tool_choice', '`tool_choice` must be a string'],
  ['text.format "json"', { text: { format: 'json' } }, 'text.format', '`text.format` must be an object'],
  ['temperature 1e308', { temperature: 1e308 }, 'temperature', '`temperature` must be a number from 0 to 2'],
  ['top_p 3', { top_p: 3 }, 'top_p', '`top_p` must be a number from 0 to 1'],
])('Responses surface: %s → 400 naming the field', async (_name, extra, param, message) => {
  const params = { model: 'mock-echo', input: 'hi', ...extra } as unknown as OpenAI.Responses.ResponseCreateParamsNonStreaming;
  const r = await failure(openai.responses.create(params));
  expect(r.status).toBe(400);
  expect(r.body).toMatchObject({ type: 'invalid_request_error', param });
  expect(r.body.message as string).toContain(message);
});

test('Responses surface: the right forms still pass', async () => {
  const res = await openai.responses.create({
    model: 'mock-echo', input: 'fine', temperature: 2, top_p: 1, tool_choice: 'auto', text: { format: { type: 'text' } },
    tools: [{ type: 'function', name: 'get_time', parameters: { type: 'object', properties: {} }, strict: false }],
  });
  expect(res.status).toBe('completed');
});
