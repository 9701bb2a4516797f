// Gemini adapter: exact request translation (roles, merging, generationConfig, schemas, tools,
// images, tool results), thoughtSignature round trip across two turns, response and stream decoding
// from documented wire shapes (test/fixtures/gemini), safety blocks, usage, errors and key hygiene.

import { describe, expect, test } from 'bun:test';
import adapter from '../../adapters/gemini/index.ts';
import { encodeToolCallId, float32Base64 } from '../../src/contracts/index.ts';
import { toGeminiSchema } from '../../adapters/gemini/schema.ts';
import type { ChatMessage, JsonObject } from '../../src/contracts/index.ts';
import { adapterHarness } from '../helpers/adapter-harness.ts';

const KEY = 'AIzaSyTESTKEY-0123456789abcdefghijklmno';

const { fixture, provider, request, build, reply, runStream, chunksOf, catchError } = adapterHarness(adapter, { fixtures: 'gemini', provider: { name: 'gemini', baseUrl: '', apiKey: KEY }, upstreamModel: 'gemini-2.5-flash' });


const decode = (name: string) => adapter.decodeResponse(reply(fixture(name)), request({ messages: [] }), provider());
const hello = { model: 'g', messages: [{ role: 'user', content: 'Hi' }] };

describe('gemini: URL and headers', () => {
  test('default base, generateContent, key only in x-goog-api-key', () => {
    const { req } = build(hello);
    expect(req.url).toBe('https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:generateContent');
    expect(req.method).toBe('POST');
    expect(req.headers['x-goog-api-key']).toBe(KEY);
    expect(req.headers['content-type']).toBe('application/json');
    expect(req.url).not.toContain(KEY);
    expect(req.url).not.toContain('key=');
    expect(req.headers.authorization).toBeUndefined();
  });

  test('stream uses streamGenerateContent?alt=sse and still keeps the key out of the URL', () => {
    const { req } = build(hello, provider(), { stream: true });
    expect(req.url).toBe('https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse');
    expect(req.url).not.toContain(KEY);
  });

  test('base_url with or without /v1beta, models/ prefix tolerated', () => {
    expect(build(hello, provider({ baseUrl: 'https://proxy.example/v1beta' })).req.url)
      .toBe('https://proxy.example/v1beta/models/gemini-2.5-flash:generateContent');
    expect(build(hello, provider({ baseUrl: 'https://proxy.example' }), { upstreamModel: 'models/gemini-2.0-flash' }).req.url)
      .toBe('https://proxy.example/v1beta/models/gemini-2.0-flash:generateContent');
  });

  test('configured headers are kept, a configured key header cannot override the provider key', () => {
    const { req } = build(hello, provider({ headers: { 'X-Team': 'a', 'X-Goog-Api-Key': 'other' } }));
    expect(req.headers['X-Team']).toBe('a');
    expect(req.headers['X-Goog-Api-Key']).toBeUndefined();
    expect(req.headers['x-goog-api-key']).toBe(KEY);
  });
});

describe('gemini: request translation', () => {
  test('roles, systemInstruction, merging and generationConfig', () => {
    const { body } = build({
      model: 'g',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'developer', content: [{ type: 'text', text: 'Answer in French.' }] },
        { role: 'user', content: 'Hi' },
        { role: 'user', content: [{ type: 'text', text: 'Still there?' }] },
        { role: 'assistant', content: 'Oui.' },
        { role: 'user', content: 'Merci' },
      ],
      temperature: 0.3, top_p: 0.9, max_tokens: 100, max_completion_tokens: 200, stop: 'END', seed: 7,
    });
    expect(body).toEqual({
      contents: [
        { role: 'user', parts: [{ text: 'Hi' }, { text: 'Still there?' }] },
        { role: 'model', parts: [{ text: 'Oui.' }] },
        { role: 'user', parts: [{ text: 'Merci' }] },
      ],
      systemInstruction: { parts: [{ text: 'Be brief.' }, { text: 'Answer in French.' }] },
      generationConfig: { temperature: 0.3, topP: 0.9, maxOutputTokens: 200, seed: 7, stopSequences: ['END'] },
    });
  });

  test('response_format json_object and json_schema (unsupported keys stripped, $refs inlined)', () => {
    expect(build({ ...hello, response_format: { type: 'json_object' } }).body.generationConfig)
      .toEqual({ responseMimeType: 'application/json' });
    const schema = {
      $schema: 'http://json-schema.org/draft-07/schema#',
      type: 'object',
      additionalProperties: false,
      properties: {
        name: { type: 'string', description: 'Full name' },
        nickname: { type: ['string', 'null'] },
        address: { $ref: '#/$defs/Address' },
        tags: { type: 'array', items: { type: 'string', enum: ['a', 'b'] } },
      },
      required: ['name'],
      $defs: { Address: { type: 'object', additionalProperties: false, properties: { city: { type: 'string' } } } },
    };
    const { body } = build({ ...hello, response_format: { type: 'json_schema', json_schema: { name: 'person', strict: true, schema } } });
    expect(body.generationConfig).toEqual({
      responseMimeType: 'application/json',
      responseSchema: {
        type: 'object',
        properties: {
          name: { type: 'string', description: 'Full name' },
          nickname: { type: 'string', nullable: true },
          address: { type: 'object', properties: { city: { type: 'string' } } },
          tags: { type: 'array', items: { type: 'string', enum: ['a', 'b'] } },
        },
        required: ['name'],
      },
    });
  });

  test('schema conversion: anyOf with null, const, implicit types', () => {
    expect(toGeminiSchema({ anyOf: [{ type: 'integer' }, { type: 'null' }], description: 'n' }))
      .toEqual({ nullable: true, type: 'integer', description: 'n' });
    expect(toGeminiSchema({ const: 'x' })).toEqual({ enum: ['x'], type: 'string' });
    expect(toGeminiSchema({ properties: { a: { items: { type: 'number' } } } }))
      .toEqual({ properties: { a: { items: { type: 'number' }, type: 'array' } }, type: 'object' });
  });

  test('tools and every tool_choice form', () => {
    const tools: JsonObject[] = [
      { type: 'function', function: { name: 'get_weather', description: 'Weather', parameters: { type: 'object', properties: { location: { type: 'string' } }, required: ['location'], additionalProperties: false } } },
      { type: 'function', function: { name: 'ping', parameters: { type: 'object', properties: {} } } },
    ];
    const { body } = build({ ...hello, tools, tool_choice: 'auto' });
    expect(body.tools).toEqual([{
      functionDeclarations: [
        { name: 'get_weather', description: 'Weather', parameters: { type: 'object', properties: { location: { type: 'string' } }, required: ['location'] } },
        { name: 'ping' },
      ],
    }]);
    expect(body.toolConfig).toEqual({ functionCallingConfig: { mode: 'AUTO' } });
    expect(build({ ...hello, tools, tool_choice: 'none' }).body.toolConfig).toEqual({ functionCallingConfig: { mode: 'NONE' } });
    expect(build({ ...hello, tools, tool_choice: 'required' }).body.toolConfig).toEqual({ functionCallingConfig: { mode: 'ANY' } });
    expect(build({ ...hello, tools, tool_choice: { type: 'function', function: { name: 'ping' } } }).body.toolConfig)
      .toEqual({ functionCallingConfig: { mode: 'ANY', allowedFunctionNames: ['ping'] } });
    expect(build({ ...hello, tools }).body.toolConfig).toBeUndefined();
  });

  test('images: data URL → inlineData, http URL → fileData with a guessed MIME type', () => {
    const { body } = build({
      model: 'g',
      messages: [{ role: 'user', content: [
        { type: 'text', text: 'Compare' },
        { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
        { type: 'image_url', image_url: { url: 'https://example.com/cat.webp?size=2' } },
        { type: 'image_url', image_url: { url: 'https://example.com/photo' } },
      ] }],
    });
    expect(body.contents).toEqual([{ role: 'user', parts: [
      { text: 'Compare' },
      { inlineData: { mimeType: 'image/png', data: 'iVBORw0KGgo=' } },
      { fileData: { fileUri: 'https://example.com/cat.webp?size=2', mimeType: 'image/webp' } },
      { fileData: { fileUri: 'https://example.com/photo', mimeType: 'image/jpeg' } },
    ] }]);
  });

  test('tool results: name found by tool_call_id, JSON object or {content: text}, parallel results merged', () => {
    const { body } = build({
      model: 'g',
      messages: [
        { role: 'user', content: 'Weather and time in Paris?' },
        { role: 'assistant', content: null, tool_calls: [
          { id: 'a1', type: 'function', function: { name: 'get_weather', arguments: '{"location":"Paris"}' } },
          { id: 'a2', type: 'function', function: { name: 'get_time', arguments: '' } },
        ] },
        { role: 'tool', tool_call_id: 'a1', content: '{"temp":21}' },
        { role: 'tool', tool_call_id: 'a2', content: [{ type: 'text', text: '14:05' }] },
      ],
    });
    expect(body.contents).toEqual([
      { role: 'user', parts: [{ text: 'Weather and time in Paris?' }] },
      { role: 'model', parts: [
        { functionCall: { name: 'get_weather', args: { location: 'Paris' } } },
        { functionCall: { name: 'get_time', args: {} } },
      ] },
      { role: 'user', parts: [
        { functionResponse: { name: 'get_weather', response: { temp: 21 } } },
        { functionResponse: { name: 'get_time', response: { content: '14:05' } } },
      ] },
    ]);
  });

  test('requests Gemini cannot express are 400s naming the field', () => {
    const unknownCall = catchError(() => build({ model: 'g', messages: [{ role: 'user', content: 'x' }, { role: 'tool', tool_call_id: 'nope', content: 'r' }] }));
    expect(unknownCall.status).toBe(400);
    expect(unknownCall.param).toBe('messages[1].tool_call_id');
    expect(catchError(() => build({ ...hello, n: 2 })).param).toBe('n');
    expect(catchError(() => build({ model: 'g', messages: [] })).param).toBe('messages');
    const badArgs = catchError(() => build({ model: 'g', messages: [{ role: 'assistant', tool_calls: [{ id: 'x', type: 'function', function: { name: 'f', arguments: '[1]' } }] }] }));
    expect(badArgs.param).toBe('messages[0].tool_calls[0].function.arguments');
  });

  test('safety_settings from the provider block are sent as safetySettings', () => {
    const settings = [{ category: 'HARM_CATEGORY_HARASSMENT', threshold: 'BLOCK_NONE' }];
    expect(build(hello, provider({ options: { safety_settings: settings } })).body.safetySettings).toEqual(settings);
  });
});

describe('gemini: thoughtSignature round trip', () => {
  test('signature decoded into extra_content.google and put back as a Part sibling on the next turn', () => {
    const turn1 = decode('tool-call-response.json');
    const message = (turn1.body as { choices: Array<{ message: ChatMessage }> }).choices[0].message;
    expect(message.tool_calls).toEqual([
      // The signature rides in the id too, for clients that keep only id/type/function.
      { id: encodeToolCallId('call_resp-tools-1_0', { google: { thoughtSignature: 'CiQBVKhc7vB+sig1/AbCdEf==' } }), type: 'function', function: { name: 'get_weather', arguments: '{"location":"Paris","unit":"celsius"}' }, extra_content: { google: { thoughtSignature: 'CiQBVKhc7vB+sig1/AbCdEf==' } } },
      { id: 'call_resp-tools-1_1', type: 'function', function: { name: 'get_time', arguments: '{"timezone":"Europe/Paris"}' } },
    ]);
    const messages = [
      { role: 'user', content: 'Weather and time?' },
      message,
      { role: 'tool', tool_call_id: 'call_resp-tools-1_0', content: '{"temp":21}' },
      { role: 'tool', tool_call_id: 'call_resp-tools-1_1', content: '14:05' },
      { role: 'assistant', content: 'It is 21°C at 14:05.' },
      { role: 'user', content: 'And tomorrow?' },
      { role: 'assistant', content: null, tool_calls: [{ id: 'call_0', type: 'function', function: { name: 'get_forecast', arguments: '{}' }, extra_content: { google: { thought_signature: 'SIG-TURN-2' } } }] },
      { role: 'tool', tool_call_id: 'call_0', content: 'rain' },
    ] as unknown as JsonObject[];
    const { body } = build({ model: 'g', messages });
    const contents = body.contents as Array<{ role: string; parts: JsonObject[] }>;
    expect(contents[1]).toEqual({ role: 'model', parts: [
      { functionCall: { name: 'get_weather', args: { location: 'Paris', unit: 'celsius' } }, thoughtSignature: 'CiQBVKhc7vB+sig1/AbCdEf==' },
      { functionCall: { name: 'get_time', args: { timezone: 'Europe/Paris' } } },
    ] });
    expect(contents[2].parts).toEqual([
      { functionResponse: { name: 'get_weather', response: { temp: 21 } } },
      { functionResponse: { name: 'get_time', response: { content: '14:05' } } },
    ]);
    // Second turn: the reused id call_0 resolves to the most recent call (get_forecast).
    expect(contents[5]).toEqual({ role: 'model', parts: [{ functionCall: { name: 'get_forecast', args: {} }, thoughtSignature: 'SIG-TURN-2' }] });
    expect(contents[6]).toEqual({ role: 'user', parts: [{ functionResponse: { name: 'get_forecast', response: { content: 'rain' } } }] });
    expect(contents.map((c) => c.role)).toEqual(['user', 'model', 'user', 'model', 'user', 'model', 'user']);
  });

  test('a streamed tool call, reassembled by the client, sends its signature back', () => {
    const calls = chunksOf(runStream(fixture('stream-tools.sse'))).flatMap((c) => c.choices[0].delta.tool_calls ?? []);
    const assistant = { role: 'assistant', content: null, tool_calls: calls.map(({ index: _i, ...call }) => call) };
    const { body } = build({ model: 'g', messages: [
      { role: 'user', content: 'Weather and time?' },
      assistant,
      { role: 'tool', tool_call_id: 'call_stream-tools-1_0', content: 'sunny' },
      { role: 'tool', tool_call_id: 'call_stream-tools-1_1', content: 'noon' },
    ] } as unknown as JsonObject);
    expect((body.contents as JsonObject[]).slice(1)).toEqual([
      { role: 'model', parts: [
        { functionCall: { name: 'get_weather', args: { location: 'Paris' } }, thoughtSignature: 'SIG-STREAM-1' },
        { functionCall: { name: 'get_time', args: { timezone: 'Europe/Paris' } } },
      ] },
      { role: 'user', parts: [
        { functionResponse: { name: 'get_weather', response: { content: 'sunny' } } },
        { functionResponse: { name: 'get_time', response: { content: 'noon' } } },
      ] },
    ]);
  });
});

describe('gemini: response decoding', () => {
  test('text, thought → reasoning_content, usage mapping', () => {
    const { body, usage } = decode('text-response.json');
    expect(body).toMatchObject({
      id: 'chatcmpl-mGxPaJ2kLvGqnvgPgqGe0Qo',
      object: 'chat.completion',
      model: 'gemini-2.5-flash',
      choices: [{ index: 0, finish_reason: 'stop', message: { role: 'assistant', content: 'Hello! How can I help you today?', reasoning_content: 'The user wants a short greeting.' } }],
      usage: { prompt_tokens: 12, completion_tokens: 29, total_tokens: 41, prompt_tokens_details: { cached_tokens: 4 }, completion_tokens_details: { reasoning_tokens: 20 } },
    });
    expect(usage).toEqual({ prompt_tokens: 12, completion_tokens: 29, total_tokens: 41, cached_tokens: 4, reasoning_tokens: 20 });
  });

  test('function calls → finish_reason tool_calls and content null', () => {
    const { body, usage } = decode('tool-call-response.json');
    const choice = (body as { choices: Array<{ finish_reason: string; message: ChatMessage }> }).choices[0];
    expect(choice.finish_reason).toBe('tool_calls');
    expect(choice.message.content).toBeNull();
    expect(usage).toEqual({ prompt_tokens: 70, completion_tokens: 87, total_tokens: 157, cached_tokens: 0, reasoning_tokens: 56 });
  });

  test('prompt blocked before generation → empty content_filter answer with prompt usage', () => {
    const { body, usage } = decode('prompt-blocked.json');
    expect((body as { choices: unknown[] }).choices).toEqual([{ index: 0, finish_reason: 'content_filter', message: { role: 'assistant', content: '' } }]);
    expect(usage).toEqual({ prompt_tokens: 8, completion_tokens: 0, total_tokens: 8, cached_tokens: 0, reasoning_tokens: 0 });
  });

  test('SAFETY finish → content_filter; MAX_TOKENS → length', () => {
    expect((decode('safety-finish.json').body as { choices: unknown[] }).choices)
      .toEqual([{ index: 0, finish_reason: 'content_filter', message: { role: 'assistant', content: '' } }]);
    expect((decode('max-tokens.json').body as { choices: Array<{ finish_reason: string }> }).choices[0].finish_reason).toBe('length');
  });

  test('a 2xx body that is not JSON is upstream_invalid_response', () => {
    const err = catchError(() => adapter.decodeResponse(reply('<html>'), request(hello), provider()));
    expect(err.code).toBe('upstream_invalid_response');
  });
});

describe('gemini: stream decoding', () => {
  test('text stream: role once, deltas, finish chunk, usage last wins, done at end', () => {
    const steps = runStream(fixture('stream-text.sse'));
    const chunks = chunksOf(steps);
    expect(chunks.map((c) => c.choices[0].delta)).toEqual([
      { role: 'assistant', content: 'Hello' }, { content: ', world' }, { content: '!' }, {},
    ]);
    expect(chunks.map((c) => c.choices[0].finish_reason)).toEqual([null, null, null, 'stop']);
    expect(new Set(chunks.map((c) => c.id))).toEqual(new Set(['chatcmpl-stream-resp-1']));
    expect(chunks.every((c) => c.object === 'chat.completion.chunk' && c.model === 'gemini-2.5-flash')).toBe(true);
    expect(steps[0].usage).toEqual({ prompt_tokens: 6, completion_tokens: 1, total_tokens: 7, cached_tokens: 0, reasoning_tokens: 0 });
    const last = steps[steps.length - 1];
    expect(last.done).toBe(true);
    expect(last.usage).toEqual({ prompt_tokens: 6, completion_tokens: 16, total_tokens: 22, cached_tokens: 0, reasoning_tokens: 12 });
  });

  test('tool calls are complete deltas indexed over tool calls only, with signatures', () => {
    const chunks = chunksOf(runStream(fixture('stream-tools.sse')));
    expect(chunks.map((c) => c.choices[0].delta)).toEqual([
      { role: 'assistant', reasoning_content: 'Let me check both.' },
      { tool_calls: [{ index: 0, id: encodeToolCallId('call_stream-tools-1_0', { google: { thoughtSignature: 'SIG-STREAM-1' } }), type: 'function', function: { name: 'get_weather', arguments: '{"location":"Paris"}' }, extra_content: { google: { thoughtSignature: 'SIG-STREAM-1' } } }] },
      { tool_calls: [{ index: 1, id: 'call_stream-tools-1_1', type: 'function', function: { name: 'get_time', arguments: '{"timezone":"Europe/Paris"}' } }] },
      {},
    ]);
    expect(chunks[chunks.length - 1].choices[0].finish_reason).toBe('tool_calls');
  });

  test('a stream without a finishReason is not done', () => {
    const steps = runStream(fixture('stream-truncated.sse'));
    expect(steps[steps.length - 1].done).toBeUndefined();
    expect(steps[steps.length - 1].usage?.total_tokens).toBe(9);
  });

  test('an error event ends the stream with a retryable GatewayError', () => {
    const steps = runStream(fixture('stream-error.sse'));
    const err = steps.find((s) => s.error)?.error;
    expect(err?.status).toBe(502);
    expect(err?.retryable).toBe(true);
    expect(err?.message).toContain('overloaded');
    expect(steps[steps.length - 1].done).toBeUndefined();
  });

  test('a blocked prompt streams one content_filter chunk and is done', () => {
    const steps = runStream(`data: ${fixture('prompt-blocked.json').replace(/\n/g, '')}\n\n`);
    expect(chunksOf(steps).map((c) => [c.choices[0].delta, c.choices[0].finish_reason]))
      .toEqual([[{ role: 'assistant', content: '' }, 'content_filter']]);
    expect(steps[steps.length - 1].done).toBe(true);
  });
});

describe('gemini: errors', () => {
  test('API_KEY_INVALID (HTTP 400) is the gateway key failing, not the client', () => {
    const err = adapter.decodeError(reply(fixture('error-api-key.json'), 400), provider());
    expect(err).toMatchObject({ status: 502, code: 'upstream_auth_failed', retryable: true });
  });

  test('429 RESOURCE_EXHAUSTED is retryable with RetryInfo delay', () => {
    const err = adapter.decodeError(reply(fixture('error-quota.json'), 429), provider());
    expect(err).toMatchObject({ status: 502, code: 'upstream_error', retryable: true, retryAfterMs: 38000 });
    expect(err.message).toContain('exceeded your current quota');
  });

  test('400 INVALID_ARGUMENT is the client request, not retried', () => {
    const err = adapter.decodeError(reply(fixture('error-bad-request.json'), 400), provider());
    expect(err).toMatchObject({ status: 400, code: 'upstream_rejected_request', retryable: false });
  });

  test('the provider key is scrubbed from every message', () => {
    const text = JSON.stringify({ error: { code: 500, message: `internal failure for key ${KEY}`, status: 'INTERNAL' } });
    const err = adapter.decodeError(reply(text, 500), provider());
    expect(err.message).not.toContain(KEY);
    expect(err.message).toContain('[redacted]');
    const streamErr = runStream(`data: ${text}\n\n`).find((s) => s.error)?.error;
    expect(streamErr?.message).not.toContain(KEY);
  });
});

describe('gemini: embeddings', () => {
  const embedReq = (body: JsonObject) => request(body, { operation: 'embeddings', path: '/embeddings', upstreamModel: 'gemini-embedding-001' });

  test('batchEmbedContents request, one request per input, dimensions → outputDimensionality', () => {
    const req = adapter.buildRequest(embedReq({ model: 'e', input: ['one', 'two'], dimensions: 768 }), provider());
    expect(req.url).toBe('https://generativelanguage.googleapis.com/v1beta/models/gemini-embedding-001:batchEmbedContents');
    expect(req.headers['x-goog-api-key']).toBe(KEY);
    expect(JSON.parse(req.body as string)).toEqual({ requests: [
      { model: 'models/gemini-embedding-001', content: { parts: [{ text: 'one' }] }, outputDimensionality: 768 },
      { model: 'models/gemini-embedding-001', content: { parts: [{ text: 'two' }] }, outputDimensionality: 768 },
    ] });
    const single = JSON.parse(adapter.buildRequest(embedReq({ model: 'e', input: 'solo' }), provider()).body as string);
    expect(single).toEqual({ requests: [{ model: 'models/gemini-embedding-001', content: { parts: [{ text: 'solo' }] } }] });
  });

  test('token arrays are rejected with a 400 on input', () => {
    expect(catchError(() => adapter.buildRequest(embedReq({ model: 'e', input: [[1, 2, 3]] }), provider())).param).toBe('input');
  });

  test('response → OpenAI list with zero usage; base64 when asked', () => {
    const decoded = adapter.decodeResponse(reply(fixture('embeddings-response.json')), embedReq({ input: ['a', 'b'] }), provider());
    expect(decoded.body).toEqual({
      object: 'list',
      data: [
        { object: 'embedding', index: 0, embedding: [0.5, -0.25, 0.125] },
        { object: 'embedding', index: 1, embedding: [1, 0, -1] },
      ],
      model: 'gemini-embedding-001',
      usage: { prompt_tokens: 0, total_tokens: 0 },
    });
    expect(decoded.usage).toBeUndefined();
    const b64 = adapter.decodeResponse(reply(fixture('embeddings-response.json')), embedReq({ input: ['a', 'b'], encoding_format: 'base64' }), provider());
    const first = (b64.body as { data: Array<{ embedding: string }> }).data[0].embedding;
    expect(first).toBe(float32Base64([0.5, -0.25, 0.125]));
    const bytes = Uint8Array.from(atob(first), (c) => c.charCodeAt(0));
    expect(Array.from(new Float32Array(bytes.buffer))).toEqual([0.5, -0.25, 0.125]);
  });
});

test('gemini supports chat and embeddings only', () => {
  expect(adapter.id).toBe('gemini');
  expect(['chat', 'embeddings', 'completions', 'images.generations'].map((op) => adapter.supports(op as never)))
    .toEqual([true, true, false, false]);
});
