// The Gemini API surface's pure translators: request → canonical (parts, call/response pairing,
// schemas, generation config, refusals), canonical → response, the stream encoder's framing and its
// handling of tool-call fragments and failures, and the google.rpc.Status error mapping.

import { describe, expect, test } from 'bun:test';
import type { ChatChunk } from '../../src/contracts/index.ts';
import { GeminiStreamEncoder, canonicalToGemini, geminiStatusName, geminiToCanonical, jsonSchemaFromGemini } from '../../src/protocols/gemini/index.ts';

const user = (text: string) => ({ role: 'user', parts: [{ text }] });

describe('geminiToCanonical', () => {
  test('system instruction, text turns, model turns', () => {
    const req = geminiToCanonical({ systemInstruction: { parts: [{ text: 'Be terse.' }] }, contents: [user('hi'), { role: 'model', parts: [{ text: 'hello' }] }, user('bye')] }, 'm', false);
    expect(req.messages).toEqual([
      { role: 'system', content: 'Be terse.' },
      { role: 'user', content: 'hi' },
      { role: 'assistant', content: 'hello' },
      { role: 'user', content: 'bye' },
    ]);
    expect(req.stream).toBeUndefined();
  });

  test('parallel calls of the same function pair with their responses in order; ids and signatures kept', () => {
    const req = geminiToCanonical({
      contents: [
        user('weather in Paris and Rome?'),
        { role: 'model', parts: [
          { functionCall: { name: 'w', args: { city: 'Paris' } }, thoughtSignature: 'sig-1' },
          { functionCall: { name: 'w', args: { city: 'Rome' } } },
        ] },
        { role: 'user', parts: [
          { functionResponse: { name: 'w', response: { t: 18 } } },
          { functionResponse: { name: 'w', response: { t: 25 } } },
          { text: 'and summarise' },
        ] },
      ],
    }, 'm', true);
    const [, assistant, r1, r2, tail] = req.messages;
    expect(assistant.tool_calls).toEqual([
      { id: 'call_1_0', type: 'function', function: { name: 'w', arguments: '{"city":"Paris"}' }, extra_content: { google: { thoughtSignature: 'sig-1' } } },
      { id: 'call_1_1', type: 'function', function: { name: 'w', arguments: '{"city":"Rome"}' } },
    ]);
    expect(r1).toEqual({ role: 'tool', tool_call_id: 'call_1_0', content: '{"t":18}' });
    expect(r2).toEqual({ role: 'tool', tool_call_id: 'call_1_1', content: '{"t":25}' });
    expect(tail).toEqual({ role: 'user', content: 'and summarise' });
    expect(req.stream).toBe(true);
  });

  test('a functionResponse with an id answers that call even out of order', () => {
    const req = geminiToCanonical({
      contents: [user('q'), { role: 'model', parts: [{ functionCall: { id: 'a', name: 'f' } }, { functionCall: { id: 'b', name: 'f' } }] }, { role: 'user', parts: [{ functionResponse: { id: 'b', name: 'f', response: {} } }] }],
    }, 'm', false);
    expect(req.messages[2]).toMatchObject({ role: 'tool', tool_call_id: 'b' });
  });

  test('a functionResponse that answers nothing is a 400 naming the part', () => {
    expect(() => geminiToCanonical({ contents: [{ role: 'user', parts: [{ functionResponse: { name: 'f', response: {} } }] }] }, 'm', false)).toThrow(/contents\[0\]\.parts\[0\]|answers no earlier functionCall/);
  });

  test('tools: Gemini Schema becomes JSON Schema; built-in tools are refused', () => {
    const req = geminiToCanonical({ contents: [user('q')], tools: [{ functionDeclarations: [{ name: 'f', parameters: { type: 'OBJECT', properties: { a: { type: 'STRING', nullable: true }, b: { type: 'ARRAY', items: { type: 'INTEGER' } } }, required: ['a'] } }] }], toolConfig: { functionCallingConfig: { mode: 'ANY', allowedFunctionNames: ['f'] } } }, 'm', false);
    expect(req.tools).toEqual([{ type: 'function', function: { name: 'f', parameters: { type: 'object', properties: { a: { type: ['string', 'null'] }, b: { type: 'array', items: { type: 'integer' } } }, required: ['a'] } } }]);
    expect(req.tool_choice).toEqual({ type: 'function', function: { name: 'f' } });
    expect(() => geminiToCanonical({ contents: [user('q')], tools: [{ codeExecution: {} }] }, 'm', false)).toThrow(/codeExecution/);
  });

  test('generation config maps to the OpenAI fields; JSON schema output', () => {
    const req = geminiToCanonical({ contents: [user('q')], generationConfig: { maxOutputTokens: 50, temperature: 0.5, topP: 0.9, stopSequences: ['END'], candidateCount: 2, seed: 7, responseMimeType: 'application/json', responseSchema: { type: 'OBJECT', properties: { x: { type: 'NUMBER' } } } } }, 'm', false);
    expect(req).toMatchObject({ max_tokens: 50, temperature: 0.5, top_p: 0.9, stop: ['END'], n: 2, seed: 7, response_format: { type: 'json_schema', json_schema: { name: 'response', schema: { type: 'object', properties: { x: { type: 'number' } } } } } });
    expect(() => geminiToCanonical({ contents: [user('q')], generationConfig: { maxOutputTokens: -1 } }, 'm', false)).toThrow(/maxOutputTokens/);
  });

  test('schema conversion is depth-bounded', () => {
    let deep: Record<string, unknown> = { type: 'STRING' };
    for (let i = 0; i < 200; i++) deep = { type: 'ARRAY', items: deep };
    expect(() => jsonSchemaFromGemini(deep as never)).not.toThrow();
  });
});

describe('canonicalToGemini', () => {
  test('text, tool calls with signatures, finish reasons and usage', () => {
    const out = canonicalToGemini({
      id: 'chatcmpl-1', object: 'chat.completion', created: 1, model: 'x',
      choices: [{ index: 0, finish_reason: 'tool_calls', message: { role: 'assistant', content: 'ok', reasoning_content: 'hmm', tool_calls: [{ id: 'c1', type: 'function', function: { name: 'f', arguments: '{"a":1}' }, extra_content: { google: { thoughtSignature: 's' } } }] } }],
      usage: { prompt_tokens: 10, completion_tokens: 7, total_tokens: 17, prompt_tokens_details: { cached_tokens: 4 }, completion_tokens_details: { reasoning_tokens: 3 } },
    }, 'my-model', false);
    expect(out.candidates[0]).toEqual({ index: 0, content: { role: 'model', parts: [{ text: 'ok' }, { functionCall: { id: 'c1', name: 'f', args: { a: 1 } }, thoughtSignature: 's' }] }, finishReason: 'STOP' });
    expect(out.usageMetadata).toEqual({ promptTokenCount: 10, candidatesTokenCount: 4, totalTokenCount: 17, cachedContentTokenCount: 4, thoughtsTokenCount: 3 });
    expect(out.modelVersion).toBe('my-model');
  });
});

const chunk = (delta: ChatChunk['choices'][number]['delta'], finish: ChatChunk['choices'][number]['finish_reason'] = null): ChatChunk => ({ id: 'c', object: 'chat.completion.chunk', created: 1, model: 'x', choices: [{ index: 0, delta, finish_reason: finish }] });

describe('GeminiStreamEncoder', () => {
  test('SSE: text deltas at once, tool-call fragments whole with the finish, usage last', () => {
    const enc = new GeminiStreamEncoder({ model: 'm', sse: true, includeThoughts: false });
    const out = [
      enc.chunk(chunk({ role: 'assistant', content: 'He' })),
      enc.chunk(chunk({ content: 'llo', reasoning_content: 'hidden' })),
      enc.chunk(chunk({ tool_calls: [{ index: 0, id: 'c1', type: 'function', function: { name: 'f', arguments: '{"a"' } }] })),
      enc.chunk(chunk({ tool_calls: [{ index: 0, function: { arguments: ':1}' } }] })),
      enc.chunk(chunk({}, 'tool_calls')),
      enc.finish({ prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 }),
    ].join('');
    const events = out.split('\r\n\r\n').filter(Boolean).map((e) => JSON.parse(e.slice(6)));
    expect(events.map((e) => e.candidates[0].content.parts)).toEqual([[{ text: 'He' }], [{ text: 'llo' }], [{ functionCall: { id: 'c1', name: 'f', args: { a: 1 } } }]]);
    expect(events[2].candidates[0].finishReason).toBe('STOP');
    expect(events[2].usageMetadata).toEqual({ promptTokenCount: 3, candidatesTokenCount: 2, totalTokenCount: 5 });
    expect(enc.chunk(chunk({ content: 'late' }))).toBe('');
  });

  test('JSON array framing; a failure ends the array with an error element and no finishReason', () => {
    const enc = new GeminiStreamEncoder({ model: 'm', sse: false, includeThoughts: true });
    const out = enc.chunk(chunk({ reasoning_content: 'think' })) + enc.chunk(chunk({ content: 'part' })) + enc.fail({ status: 502, message: 'upstream cut' });
    const items = JSON.parse(out) as Array<Record<string, any>>;
    expect(items[0].candidates[0].content.parts).toEqual([{ text: 'think', thought: true }]);
    expect(items.at(-1)).toEqual({ error: { code: 502, message: 'upstream cut', status: 'INTERNAL' } });
    expect(items.some((i) => i.candidates?.[0]?.finishReason)).toBe(false);
  });
});

test('error status names follow google.rpc.Code', () => {
  expect([400, 401, 403, 404, 413, 429, 500, 502, 503, 504].map(geminiStatusName)).toEqual([
    'INVALID_ARGUMENT', 'UNAUTHENTICATED', 'PERMISSION_DENIED', 'NOT_FOUND', 'INVALID_ARGUMENT', 'RESOURCE_EXHAUSTED', 'INTERNAL', 'INTERNAL', 'UNAVAILABLE', 'DEADLINE_EXCEEDED',
  ]);
});
