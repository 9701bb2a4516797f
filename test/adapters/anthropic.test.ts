// Anthropic adapter: exact request translation, response/stream decoding from documented wire samples
// (test/fixtures/anthropic), stop-reason and usage mapping, error mapping and key scrubbing.

import { describe, expect, test } from 'bun:test';
import adapter from '../../adapters/anthropic/index.ts';
import { finishReason } from '../../adapters/anthropic/response.ts';
import type { JsonObject, StreamStep } from '../../src/contracts/index.ts';
import { adapterHarness } from '../helpers/adapter-harness.ts';

const KEY = 'sk-ant-api03-SECRETSECRETSECRET-abc123';
const hello = { model: 'public-model', messages: [{ role: 'user', content: 'Hi' }] };

const { fixture, provider, request, build, reply, runStream, chunksOf, catchError } = adapterHarness(adapter, { fixtures: 'anthropic', provider: { name: 'claude', baseUrl: '', apiKey: KEY }, upstreamModel: 'claude-sonnet-4-5', streamBody: hello });

const lastUsage = (steps: StreamStep[]) => steps.filter((s) => s.usage).at(-1)?.usage;

describe('anthropic adapter: buildRequest', () => {
  test('supports chat only', () => {
    expect(adapter.id).toBe('anthropic');
    expect(adapter.supports('chat')).toBe(true);
    expect(adapter.supports('embeddings')).toBe(false);
    const err = catchError(() => adapter.buildRequest(request(hello, { operation: 'embeddings' }), provider()));
    expect(err.status).toBe(400);
    expect(err.code).toBe('unsupported_operation');
  });

  test('URL handles empty, plain, /v1 and trailing-slash base URLs', () => {
    expect(build(hello).req.url).toBe('https://api.anthropic.com/v1/messages');
    expect(build(hello, provider({ baseUrl: 'https://api.anthropic.com' })).req.url).toBe('https://api.anthropic.com/v1/messages');
    expect(build(hello, provider({ baseUrl: 'https://proxy.example/anthropic/v1' })).req.url).toBe('https://proxy.example/anthropic/v1/messages');
    expect(build(hello, provider({ baseUrl: 'https://proxy.example/v1/' })).req.url).toBe('https://proxy.example/v1/messages');
    expect(build(hello).req.method).toBe('POST');
  });

  test('headers: key, version (overridable), content type, provider headers', () => {
    expect(build(hello).req.headers).toEqual({
      'content-type': 'application/json',
      'anthropic-version': '2023-06-01',
      'x-api-key': KEY,
    });
    const p = provider({ options: { anthropic_version: '2024-01-01' }, headers: { 'Anthropic-Beta': 'prompt-caching-2024-07-31' } });
    expect(build(hello, p).req.headers).toEqual({
      'content-type': 'application/json',
      'anthropic-version': '2024-01-01',
      'x-api-key': KEY,
      'anthropic-beta': 'prompt-caching-2024-07-31',
    });
  });

  test('minimal body: upstream model, default max_tokens, no stream flag', () => {
    expect(build(hello).body).toEqual({ model: 'claude-sonnet-4-5', max_tokens: 4096, messages: [{ role: 'user', content: 'Hi' }] });
    expect(build(hello, provider({ options: { default_max_tokens: 1000 } })).body.max_tokens).toBe(1000);
    expect(build({ ...hello, max_tokens: 77 }).body.max_tokens).toBe(77);
    expect(build({ ...hello, max_completion_tokens: 88 }).body.max_tokens).toBe(88);
    expect(build({ ...hello, max_tokens: 77, max_completion_tokens: 88 }).body.max_tokens).toBe(88);
    expect(build(hello, provider(), { stream: true }).body.stream).toBe(true);
  });

  test('full conversation translates exactly', () => {
    const { body } = build({
      model: 'public-model',
      messages: [
        { role: 'system', content: 'You are terse.' },
        { role: 'developer', content: [{ type: 'text', text: 'Use metric units.' }] },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Weather here?' },
            { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
            { type: 'image_url', image_url: { url: 'https://example.com/cat.jpg' } },
          ],
        },
        { role: 'user', content: 'Also the time.' },
        {
          role: 'assistant',
          content: 'Checking.',
          tool_calls: [
            { id: 'toolu_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
            { id: 'toolu_2', type: 'function', function: { name: 'get_time', arguments: 'not json' } },
          ],
        },
        { role: 'tool', tool_call_id: 'toolu_1', content: '18C' },
        { role: 'tool', tool_call_id: 'toolu_2', content: [{ type: 'text', text: '10:00' }] },
        { role: 'user', content: 'Thanks' },
      ],
      tools: [
        { type: 'function', function: { name: 'get_weather', description: 'Weather by city', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } } },
        { type: 'function', function: { name: 'get_time' } },
      ],
      tool_choice: 'required',
      parallel_tool_calls: false,
      stop: 'END',
      temperature: 1.5,
      top_p: 0.9,
      user: 'user-42',
    });
    expect(body).toEqual({
      model: 'claude-sonnet-4-5',
      max_tokens: 4096,
      system: 'You are terse.\n\nUse metric units.',
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Weather here?' },
            { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } },
            { type: 'image', source: { type: 'url', url: 'https://example.com/cat.jpg' } },
            { type: 'text', text: 'Also the time.' },
          ],
        },
        {
          role: 'assistant',
          content: [
            { type: 'text', text: 'Checking.' },
            { type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { city: 'Paris' } },
            { type: 'tool_use', id: 'toolu_2', name: 'get_time', input: {} },
          ],
        },
        {
          role: 'user',
          content: [
            { type: 'tool_result', tool_use_id: 'toolu_1', content: '18C' },
            { type: 'tool_result', tool_use_id: 'toolu_2', content: [{ type: 'text', text: '10:00' }] },
            { type: 'text', text: 'Thanks' },
          ],
        },
      ],
      stop_sequences: ['END'],
      temperature: 1,
      top_p: 0.9,
      tools: [
        { name: 'get_weather', description: 'Weather by city', input_schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } },
        { name: 'get_time', input_schema: { type: 'object', properties: {} } },
      ],
      tool_choice: { type: 'any', disable_parallel_tool_use: true },
      metadata: { user_id: 'user-42' },
    });
  });

  test('tool_choice mapping and stop arrays', () => {
    const tools = [{ type: 'function', function: { name: 'f', parameters: { type: 'object' } } }];
    const choice = (tool_choice: JsonObject['x']) => build({ ...hello, tools, tool_choice }).body.tool_choice;
    expect(choice('auto')).toEqual({ type: 'auto' });
    expect(choice('required')).toEqual({ type: 'any' });
    expect(choice('none')).toEqual({ type: 'none' });
    expect(choice({ type: 'function', function: { name: 'f' } })).toEqual({ type: 'tool', name: 'f' });
    expect(choice(null)).toBeUndefined();
    expect(build({ ...hello, tools, parallel_tool_calls: false }).body.tool_choice).toEqual({ type: 'auto', disable_parallel_tool_use: true });
    expect(build({ ...hello, tool_choice: 'auto' }).body.tool_choice).toBeUndefined();
    expect(build({ ...hello, stop: ['a', 'b'] }).body.stop_sequences).toEqual(['a', 'b']);
  });

  test('assistant message with only tool calls, empty assistant turns dropped', () => {
    const { body } = build({
      messages: [
        { role: 'user', content: 'a' },
        { role: 'assistant', content: null, tool_calls: [{ id: 't1', type: 'function', function: { name: 'f', arguments: '' } }] },
        { role: 'tool', tool_call_id: 't1', content: 'ok' },
        { role: 'assistant', content: '' },
        { role: 'user', content: 'b' },
      ],
    });
    expect(body.messages).toEqual([
      { role: 'user', content: 'a' },
      { role: 'assistant', content: [{ type: 'tool_use', id: 't1', name: 'f', input: {} }] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't1', content: 'ok' }, { type: 'text', text: 'b' }] },
    ]);
  });

  test('requests Anthropic cannot express are 400 invalid_value', () => {
    const cases: Array<[JsonObject, string]> = [
      [{ ...hello, n: 2 }, 'n'],
      [{ messages: [] }, 'messages'],
      [{ messages: [{ role: 'system', content: 'only a system prompt' }] }, 'messages'],
      [{ messages: [{ role: 'tool', content: 'x' }] }, 'messages[0].tool_call_id'],
      [{ messages: [{ role: 'function', name: 'f', content: 'x' }] }, 'messages[0].role'],
      [{ messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'ftp://x/y.png' } }] }] }, 'messages[0].content[0].image_url.url'],
      [{ messages: [{ role: 'user', content: [{ type: 'input_audio', input_audio: { data: '', format: 'wav' } }] }] }, 'messages[0].content[0].type'],
      [{ ...hello, tools: [{ type: 'retrieval' }] }, 'tools[0]'],
    ];
    for (const [body, param] of cases) {
      const err = catchError(() => build(body));
      expect(err.status).toBe(400);
      expect(err.code).toBe('invalid_value');
      expect(err.param).toBe(param);
    }
  });
});

describe('anthropic adapter: decodeResponse', () => {
  test('text message → chat.completion', () => {
    const { body, usage } = adapter.decodeResponse(reply(fixture('message-text.json')), request(hello), provider());
    const created = (body as { created: number }).created;
    expect(typeof created).toBe('number');
    expect(body).toEqual({
      id: 'msg_013Zva2CMHLNnXjNJJKqJ2EF',
      object: 'chat.completion',
      created,
      model: 'claude-sonnet-4-5-20250929',
      choices: [{ index: 0, message: { role: 'assistant', content: 'Hi! My name is Claude.' }, finish_reason: 'stop', logprobs: null }],
      usage: { prompt_tokens: 2095, completion_tokens: 503, total_tokens: 2598 },
    });
    expect(usage).toEqual({ prompt_tokens: 2095, completion_tokens: 503, total_tokens: 2598, cached_tokens: 0, reasoning_tokens: 0 });
  });

  test('thinking + text + tool_use, cache usage', () => {
    const { body, usage } = adapter.decodeResponse(reply(fixture('message-tool-use.json')), request(hello), provider());
    const choice = (body as { choices: Array<Record<string, unknown>> }).choices[0];
    expect(choice.message).toEqual({
      role: 'assistant',
      content: "I'll check the current weather in San Francisco for you.",
      reasoning_content: 'The user wants the weather in San Francisco.',
      // The signed block, whole, for an Anthropic client (src/contracts/thinking.ts).
      thinking_blocks: [{ type: 'thinking', thinking: 'The user wants the weather in San Francisco.', signature: 'EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrkzLoky3dl1pkiMOYds' }],
      tool_calls: [
        { id: 'toolu_01A09q90qw90lq917835lq9', type: 'function', function: { name: 'get_weather', arguments: '{"location":"San Francisco, CA","unit":"celsius"}' } },
      ],
    });
    expect(choice.finish_reason).toBe('tool_calls');
    // prompt = input 100 + cache read 300 + cache write 20; cached = cache reads, cache_write = writes
    expect(usage).toEqual({ prompt_tokens: 420, completion_tokens: 57, total_tokens: 477, cached_tokens: 300, reasoning_tokens: 0, cache_write_tokens: 20 });
    expect((body as { usage: unknown }).usage).toEqual({
      prompt_tokens: 420,
      completion_tokens: 57,
      total_tokens: 477,
      prompt_tokens_details: { cached_tokens: 300 },
      // Cache writes and reads also at the top level, as Anthropic-backed OpenAI-format APIs report them.
      cache_creation_input_tokens: 20,
      cache_read_input_tokens: 300,
    });
  });

  test('tool-only reply has null content', () => {
    const msg = { id: 'msg_x', type: 'message', role: 'assistant', model: 'm', stop_reason: 'tool_use', stop_sequence: null, usage: { input_tokens: 1, output_tokens: 2 }, content: [{ type: 'tool_use', id: 't', name: 'f', input: {} }] };
    const { body } = adapter.decodeResponse(reply(JSON.stringify(msg)), request(hello), provider());
    expect((body as { choices: Array<{ message: unknown }> }).choices[0].message).toEqual({
      role: 'assistant',
      content: null,
      tool_calls: [{ id: 't', type: 'function', function: { name: 'f', arguments: '{}' } }],
    });
  });

  test('stop_reason mapping', () => {
    expect(finishReason('end_turn')).toBe('stop');
    expect(finishReason('stop_sequence')).toBe('stop');
    expect(finishReason('pause_turn')).toBe('stop');
    expect(finishReason('max_tokens')).toBe('length');
    expect(finishReason('model_context_window_exceeded')).toBe('length');
    expect(finishReason('tool_use')).toBe('tool_calls');
    expect(finishReason('refusal')).toBe('content_filter');
    expect(finishReason(null)).toBeNull();
  });

  test('bad bodies: 2xx error body and non-JSON', () => {
    const overloaded = catchError(() => adapter.decodeResponse(reply(fixture('error-overloaded.json')), request(hello), provider()));
    expect(overloaded.status).toBe(503);
    expect(overloaded.code).toBe('upstream_overloaded');
    expect(overloaded.retryable).toBe(true);
    const invalid = catchError(() => adapter.decodeResponse(reply('<html>'), request(hello), provider()));
    expect(invalid.code).toBe('upstream_invalid_response');
    expect(invalid.retryable).toBe(true);
  });
});

describe('anthropic adapter: decodeError', () => {
  test('not_found_error 404 passes through as a non-retryable 404', () => {
    const err = adapter.decodeError(reply(fixture('error-not-found.json'), 404), provider());
    expect(err.status).toBe(404);
    expect(err.code).toBe('upstream_not_found');
    expect(err.retryable).toBe(false);
    expect(err.message).toBe('Provider "claude" rejected the request: The requested resource could not be found. (not_found_error)');
  });

  test('overloaded_error 529 is a retryable 503 upstream_overloaded', () => {
    const err = adapter.decodeError(reply(fixture('error-overloaded.json'), 529), provider());
    expect(err.status).toBe(503);
    expect(err.type).toBe('upstream_error');
    expect(err.code).toBe('upstream_overloaded');
    expect(err.retryable).toBe(true);
    expect(err.cause).toBe(529);
    expect(err.message).toBe('Provider "claude" is overloaded: Overloaded (overloaded_error)');
  });

  test('status mapping: 401/403 auth, 429 with retry-after, 500, 402 billing, 400', () => {
    const body = (type: string, message = 'boom') => JSON.stringify({ type: 'error', error: { type, message } });
    const auth = adapter.decodeError(reply(body('authentication_error', 'invalid x-api-key'), 401), provider());
    expect([auth.status, auth.code, auth.retryable]).toEqual([502, 'upstream_auth_failed', true]);
    const perm = adapter.decodeError(reply(body('permission_error'), 403), provider());
    expect(perm.code).toBe('upstream_auth_failed');
    const limited = adapter.decodeError(reply(body('rate_limit_error'), 429, { 'retry-after': '7' }), provider());
    expect([limited.status, limited.retryable, limited.retryAfterMs, limited.cause]).toEqual([502, true, 7000, 429]);
    const api = adapter.decodeError(reply(body('api_error'), 500), provider());
    expect([api.status, api.retryable]).toEqual([502, true]);
    const billing = adapter.decodeError(reply(body('billing_error'), 402), provider());
    expect([billing.status, billing.retryable]).toEqual([502, true]);
    const bad = adapter.decodeError(reply(body('invalid_request_error', 'max_tokens: too big'), 400), provider());
    expect([bad.status, bad.code, bad.retryable]).toEqual([400, 'upstream_rejected_request', false]);
    const html = adapter.decodeError(reply('<html>bad gateway</html>', 502), provider());
    expect([html.status, html.retryable]).toEqual([502, true]);
  });

  test('the provider key never appears in error messages', () => {
    const leaky = JSON.stringify({ type: 'error', error: { type: 'authentication_error', message: `invalid x-api-key ${KEY}` } });
    for (const status of [400, 401, 500, 529]) {
      const err = adapter.decodeError(reply(leaky, status), provider());
      expect(err.message).not.toContain(KEY);
      expect(JSON.stringify(err.toBody())).not.toContain('SECRETSECRET');
    }
    const short = provider({ apiKey: 'plainkey-123' });
    const err = adapter.decodeError(reply(JSON.stringify({ error: { message: 'upstream echoed plainkey-123 back' } }), 400), short);
    expect(err.message).not.toContain('plainkey-123');
    expect(err.message).toContain('[redacted]');
    const streamErr = runStream(`event: error\ndata: ${JSON.stringify({ type: 'error', error: { type: 'api_error', message: `bad ${KEY}` } })}\n\n`);
    expect(streamErr[0].error?.message).not.toContain(KEY);
  });
});

describe('anthropic adapter: stream decoder', () => {
  test('text stream → exact chunks, usage, done', () => {
    const steps = runStream(fixture('stream-text.sse'));
    const chunks = chunksOf(steps);
    const base = { id: 'msg_1nZdL29xx5MUA1yADyHTEsnR8uuvGzszyY', object: 'chat.completion.chunk' as const, created: chunks[0].created, model: 'claude-sonnet-4-5-20250929' };
    expect(chunks).toEqual([
      { ...base, choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }] },
      { ...base, choices: [{ index: 0, delta: { content: 'Hello' }, finish_reason: null }] },
      { ...base, choices: [{ index: 0, delta: { content: '!' }, finish_reason: null }] },
      { ...base, choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] },
    ]);
    expect(chunks.every((c) => c.usage === undefined)).toBe(true);
    expect(lastUsage(steps)).toEqual({ prompt_tokens: 25, completion_tokens: 15, total_tokens: 40, cached_tokens: 0, reasoning_tokens: 0 });
    const doneAt = steps.findIndex((s) => s.done);
    expect(doneAt).toBe(steps.length - 2); // message_stop, then end()
    expect(steps.some((s) => s.error)).toBe(false);
  });

  test('tool stream: text block then two tool_use blocks → tool indices 0 and 1', () => {
    const steps = runStream(fixture('stream-tool-use.sse'));
    const chunks = chunksOf(steps);
    expect(chunks[0].choices[0].delta).toEqual({ role: 'assistant', content: '' });
    const toolDeltas = chunks.flatMap((c) => c.choices[0].delta.tool_calls ?? []);
    expect(toolDeltas.filter((t) => t.id)).toEqual([
      { index: 0, id: 'toolu_01T1x1fJ34qAmk2tNTrN7Up6', type: 'function', function: { name: 'get_weather', arguments: '' } },
      { index: 1, id: 'toolu_01QrmAbCGjZ3c9RaZLfm5mYx', type: 'function', function: { name: 'get_time', arguments: '' } },
    ]);
    const args = (i: number) => toolDeltas.filter((t) => t.index === i).map((t) => t.function?.arguments ?? '').join('');
    expect(JSON.parse(args(0))).toEqual({ location: 'San Francisco, CA', unit: 'fahrenheit' });
    expect(JSON.parse(args(1))).toEqual({ timezone: 'America/Los_Angeles' });
    expect(toolDeltas.every((t) => t.function?.arguments !== undefined)).toBe(true);
    const text = chunks.map((c) => c.choices[0].delta.content ?? '').join('');
    expect(text).toBe("Okay, let's check the weather and time for San Francisco, CA:");
    const finishes = chunks.filter((c) => c.choices[0].finish_reason !== null);
    expect(finishes.map((c) => c.choices[0].finish_reason)).toEqual(['tool_calls']);
    expect(chunks.at(-1)!.choices[0].finish_reason).toBe('tool_calls');
    expect(lastUsage(steps)).toEqual({ prompt_tokens: 600, completion_tokens: 89, total_tokens: 689, cached_tokens: 128, reasoning_tokens: 0 });
    expect(steps.some((s) => s.done)).toBe(true);
  });

  test('error event → StreamStep.error (retryable for overloaded_error), never done', () => {
    const steps = runStream(fixture('stream-error.sse'));
    const errStep = steps.find((s) => s.error)!;
    expect(errStep.error!.status).toBe(503);
    expect(errStep.error!.code).toBe('upstream_overloaded');
    expect(errStep.error!.retryable).toBe(true);
    expect(errStep.error!.cause).toBe(529);
    expect(steps.some((s) => s.done)).toBe(false);
    expect(chunksOf(steps).map((c) => c.choices[0].delta.content ?? '').join('')).toBe('Partial');
    expect(lastUsage(steps)?.prompt_tokens).toBe(12);
    const bad = runStream('event: error\ndata: {"type":"error","error":{"type":"invalid_request_error","message":"nope"}}\n\n');
    expect(bad[0].error!.retryable).toBe(false);
  });

  test('thinking deltas → reasoning_content; the signature ends the block as thinking_blocks; usage last value wins', () => {
    const ev = (data: object) => `event: ${(data as { type: string }).type}\ndata: ${JSON.stringify(data)}\n\n`;
    const sse = [
      ev({ type: 'message_start', message: { id: 'msg_t', type: 'message', role: 'assistant', model: 'claude-x', content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: 10, cache_read_input_tokens: 5, output_tokens: 1 } } }),
      ev({ type: 'content_block_start', index: 0, content_block: { type: 'thinking', thinking: '' } }),
      ev({ type: 'content_block_delta', index: 0, delta: { type: 'thinking_delta', thinking: 'Let me think' } }),
      ev({ type: 'content_block_delta', index: 0, delta: { type: 'signature_delta', signature: 'EqQBCgIYAhIM' } }),
      ev({ type: 'content_block_stop', index: 0 }),
      ev({ type: 'content_block_start', index: 1, content_block: { type: 'text', text: '' } }),
      ev({ type: 'content_block_delta', index: 1, delta: { type: 'text_delta', text: '42' } }),
      ev({ type: 'content_block_stop', index: 1 }),
      ev({ type: 'message_delta', delta: { stop_reason: 'max_tokens', stop_sequence: null }, usage: { output_tokens: 30 } }),
      ev({ type: 'message_delta', delta: {}, usage: { output_tokens: 31 } }),
      ev({ type: 'message_stop' }),
    ].join('');
    const steps = runStream(sse);
    const deltas = chunksOf(steps).map((c) => [c.choices[0].delta, c.choices[0].finish_reason]);
    expect(deltas).toEqual([
      [{ role: 'assistant', content: '' }, null],
      [{ reasoning_content: 'Let me think' }, null],
      [{ thinking_blocks: [{ type: 'thinking', thinking: '', signature: 'EqQBCgIYAhIM' }] }, null],
      [{ content: '42' }, null],
      [{}, 'length'],
    ]);
    expect(lastUsage(steps)).toEqual({ prompt_tokens: 15, completion_tokens: 31, total_tokens: 46, cached_tokens: 5, reasoning_tokens: 0 });
  });

  test('a tool call with no argument deltas ends with "{}"; message_stop alone still finishes', () => {
    const ev = (data: object) => `data: ${JSON.stringify(data)}\n\n`;
    const sse = [
      ev({ type: 'message_start', message: { id: 'msg_n', model: 'm', content: [], usage: { input_tokens: 3, output_tokens: 1 } } }),
      ev({ type: 'content_block_start', index: 0, content_block: { type: 'tool_use', id: 'toolu_n', name: 'now', input: {} } }),
      ev({ type: 'content_block_stop', index: 0 }),
      ev({ type: 'message_stop' }),
    ].join('');
    const chunks = chunksOf(runStream(sse));
    const toolDeltas = chunks.flatMap((c) => c.choices[0].delta.tool_calls ?? []);
    expect(toolDeltas).toEqual([
      { index: 0, id: 'toolu_n', type: 'function', function: { name: 'now', arguments: '' } },
      { index: 0, function: { arguments: '{}' } },
    ]);
    expect(chunks.at(-1)!.choices[0].finish_reason).toBe('stop');
  });

  test('ping and unknown events produce nothing; bad JSON is an upstream_invalid_response', () => {
    const decoder = adapter.createStreamDecoder!(request(hello, { stream: true }), provider());
    expect(decoder.push({ event: 'ping', data: '{"type": "ping"}' })).toEqual({ chunks: [] });
    expect(decoder.push({ event: 'future_event', data: '{"type": "future_event"}' })).toEqual({ chunks: [] });
    expect(decoder.push({ event: 'content_block_delta', data: '{nope' }).error?.code).toBe('upstream_invalid_response');
    expect(decoder.end()).toEqual({ chunks: [] });
  });
});
