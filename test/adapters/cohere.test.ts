// Cohere adapter units: request mapping details, thinking content, ERROR finishes, 498/402 errors.

import { expect, test } from 'bun:test';
import cohere from '../../adapters/cohere/index.ts';
import { adapterHarness } from '../helpers/adapter-harness.ts';

const h = adapterHarness(cohere, { fixtures: 'cohere', provider: { name: 'co', baseUrl: '', apiKey: 'co-secret-0123456789' }, upstreamModel: 'command-a-03-2025' });
const ev = (o: object) => `event: ${(o as { type: string }).type}\ndata: ${JSON.stringify(o)}\n\n`;

test('request: developer → system, named tool_choice → REQUIRED, json_schema → json_object with the schema, default host', () => {
  const { req, body } = h.build({
    messages: [{ role: 'developer', content: 'Rules.' }, { role: 'user', content: 'hi' }],
    tools: [{ type: 'function', function: { name: 'f', strict: true } }],
    tool_choice: { type: 'function', function: { name: 'f' } },
    response_format: { type: 'json_schema', json_schema: { name: 's', schema: { type: 'object' } } },
    max_completion_tokens: 20, seed: 7,
  });
  expect(req.url).toBe('https://api.cohere.com/v2/chat');
  expect(body).toEqual({
    model: 'command-a-03-2025', stream: false, messages: [{ role: 'system', content: 'Rules.' }, { role: 'user', content: 'hi' }],
    tools: [{ type: 'function', function: { name: 'f', parameters: { type: 'object', properties: {} } } }],
    tool_choice: 'REQUIRED', response_format: { type: 'json_object', json_schema: { type: 'object' } }, max_tokens: 20, seed: 7,
  });
});

test('stream: thinking → reasoning_content; an ERROR finish is a stream error, not a clean end', () => {
  const ok = h.runStream([
    ev({ type: 'message-start', id: 'm1' }),
    ev({ type: 'content-delta', index: 0, delta: { message: { content: { thinking: 'Let me see.' } } } }),
    ev({ type: 'content-delta', index: 1, delta: { message: { content: { text: 'Yes.' } } } }),
    ev({ type: 'message-end', delta: { finish_reason: 'COMPLETE', usage: { billed_units: { input_tokens: 2, output_tokens: 1 } } } }),
  ].join(''));
  const chunks = h.chunksOf(ok);
  expect(chunks[0].id).toBe('chatcmpl-m1');
  expect(chunks.map((c) => c.choices[0].delta.reasoning_content ?? '').join('')).toBe('Let me see.');
  expect(ok.at(-1)).toMatchObject({ done: true, usage: { prompt_tokens: 2, completion_tokens: 1 } });
  const bad = h.runStream(ev({ type: 'message-end', delta: { finish_reason: 'ERROR', error: 'internal failure' } }));
  expect(bad.find((s) => s.error)!.error!.message).toContain('internal failure');
  expect(bad.at(-1)!.done).toBeUndefined();
});

test('errors: 498 (invalid token) is the gateway key; 402 fails over; messages never carry the key', () => {
  const token = cohere.decodeError(h.reply(JSON.stringify({ message: 'invalid api token co-secret-0123456789' }), 498), h.provider());
  expect(token.code).toBe('upstream_auth_failed');
  const credit = cohere.decodeError(h.reply(JSON.stringify({ message: 'Please add a payment method for co-secret-0123456789' }), 402), h.provider());
  expect([credit.status, credit.retryable]).toEqual([502, true]);
  expect(credit.message).not.toContain('co-secret');
});
