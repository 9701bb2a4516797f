// Conformance: `@google/genai` (the SDK Gemini CLI is built on) pointed at the gateway's Gemini API
// surface, served by each strict fake upstream (OpenAI-compatible, Anthropic, Gemini, Azure).
// generateContent, generateContentStream, function calling over two turns (the model turn echoed back
// as received, so a Gemini upstream gets its thoughtSignature back), countTokens, models.list, errors in
// Gemini's shape, and the ledger: a streamed call costs what the same plain call costs.

import { afterAll, afterEach, beforeAll, describe, expect, test } from 'bun:test';
import { join } from 'node:path';
import { type Content, type FunctionDeclaration, type GenerateContentResponse, GoogleGenAI, Type } from '@google/genai';
import { openStore, sqliteStore, type Store } from '../../src/store/open.ts';
import { TEST_KEY } from '../helpers/gateway.ts';
import { ANSWER, type Conformance, EXPECTED_CALLS, HELLO, PNG_BASE64, PNG_DATA_URL, TARGETS, type Target, startConformance, turn } from './harness.ts';

let h: Conformance;
let ai: GoogleGenAI;
let store: Store;

beforeAll(async () => {
  h = await startConformance();
  ai = new GoogleGenAI({ apiKey: TEST_KEY, httpOptions: { baseUrl: h.gw.url } });
  store = await openStore(`file:${join(h.gw.dir, 'ledger.db')}`, undefined, { migrate: false });
});
afterAll(async () => {
  await store.close();
  await h.stop();
});
afterEach(() => {
  const rejected = Object.fromEntries(Object.entries(h.fakes).map(([name, fake]) => [name, [...fake.rejections]]));
  h.reset();
  expect(rejected).toEqual({ openai: [], anthropic: [], gemini: [], azure: [] });
});

const fake = (t: Target) => h.fakes[t.fake];
const lastBody = (t: Target) => fake(t).requests.at(-1)!.body as Record<string, any>;

/** Tools as Gemini clients declare them: OpenAPI-subset Schema with upper-case types. */
const DECLARATIONS: FunctionDeclaration[] = [
  { name: 'get_weather', description: 'Current weather for a city.', parameters: { type: Type.OBJECT, properties: { location: { type: Type.STRING, description: 'City name' }, unit: { type: Type.STRING, enum: ['celsius', 'fahrenheit'], nullable: true } }, required: ['location'] } },
  { name: 'get_time', description: 'Local time in a time zone.', parameters: { type: Type.OBJECT, properties: { timezone: { type: Type.STRING } }, required: ['timezone'] } },
];
const QUESTION: Content[] = [{ role: 'user', parts: [{ text: 'What is the weather and the time in Paris?' }] }];
const RESULTS: Record<string, object> = { get_weather: { temp_c: 18, sky: 'sunny' }, get_time: { time: '14:05' } };

async function rows(sql: string, args: Array<string | number> = []) {
  await h.gw.runtime.ledger.flush();
  const res = await sqliteStore(store).client.execute({ sql, args });
  return res.rows.map((r) => Object.fromEntries(res.columns.map((c, i) => [c, r[i]])));
}

const text = (r: GenerateContentResponse) => (r.candidates?.[0]?.content?.parts ?? []).filter((p) => typeof p.text === 'string').map((p) => p.text).join('');

describe.each(TARGETS)('@google/genai → $name upstream', (t) => {
  test('generateContent: text, finishReason STOP, usageMetadata, metered', async () => {
    fake(t).script(turn(t, 'text'));
    const res = await ai.models.generateContent({ model: t.model, contents: 'Say hello.', config: { systemInstruction: 'You are terse.', maxOutputTokens: 256, temperature: 0.2 } });
    expect(res.text).toBe(HELLO);
    expect(res.candidates?.[0]?.finishReason).toBe('STOP' as never);
    expect(res.usageMetadata?.promptTokenCount).toBeGreaterThan(0);
    expect(res.usageMetadata?.candidatesTokenCount).toBeGreaterThan(0);
    expect(res.usageMetadata?.totalTokenCount).toBeGreaterThanOrEqual(res.usageMetadata!.promptTokenCount! + res.usageMetadata!.candidatesTokenCount!);
    const body = lastBody(t);
    if (t.fake === 'gemini') expect(body.systemInstruction).toEqual({ parts: [{ text: 'You are terse.' }] });
    else if (t.fake === 'anthropic') expect(body.system).toBe('You are terse.');
    else expect(body.messages[0]).toEqual({ role: 'system', content: 'You are terse.' });
  });

  test('generateContentStream: same text and usage as the plain call; streamed cost equals plain cost', async () => {
    fake(t).script(turn(t, 'text'), turn(t, 'text'));
    const plain = await ai.models.generateContent({ model: t.model, contents: 'Say hello.' });
    const chunks: GenerateContentResponse[] = [];
    for await (const chunk of await ai.models.generateContentStream({ model: t.model, contents: 'Say hello.' })) chunks.push(chunk);
    expect(chunks.map((c) => c.text ?? '').join('')).toBe(HELLO);
    expect(chunks.at(-1)!.candidates?.[0]?.finishReason).toBe('STOP' as never);
    expect(chunks.at(-1)!.usageMetadata).toEqual(plain.usageMetadata);
    const [a, b] = await rows("SELECT cost_micros, stream, status FROM requests WHERE model = ? ORDER BY ts DESC, rowid DESC LIMIT 2", [t.model]);
    expect(a.stream).toBeTruthy();
    expect(b.stream).toBeFalsy();
    expect(a.status).toBe(200);
    expect(Number(a.cost_micros)).toBe(Number(b.cost_micros));
  });

  test('function calling over two turns (plain, then streamed answer)', async () => {
    fake(t).script(turn(t, 'tools'), turn(t, 'answer'));
    const first = await ai.models.generateContent({ model: t.model, contents: QUESTION, config: { tools: [{ functionDeclarations: DECLARATIONS }] } });
    const calls = first.functionCalls ?? [];
    expect(calls.map((c) => ({ name: c.name, args: c.args }))).toEqual(EXPECTED_CALLS.map((c) => ({ name: c.name, args: c.args })));
    const upstreamTools = lastBody(t).tools;
    if (t.fake === 'gemini') expect(upstreamTools[0].functionDeclarations.map((d: { name: string }) => d.name)).toEqual(['get_weather', 'get_time']);
    else if (t.fake === 'anthropic') expect(upstreamTools[0].input_schema.properties.unit.type).toEqual(['string', 'null']);
    else expect(upstreamTools[0].function.parameters.properties.unit.type).toEqual(['string', 'null']);

    // The client echoes the model turn as received, then answers each call by name (no ids: Gemini CLI style).
    const contents: Content[] = [
      ...QUESTION,
      first.candidates![0].content!,
      { role: 'user', parts: calls.map((c) => ({ functionResponse: { name: c.name!, response: RESULTS[c.name!] as Record<string, unknown> } })) },
    ];
    let answer = '';
    for await (const chunk of await ai.models.generateContentStream({ model: t.model, contents, config: { tools: [{ functionDeclarations: DECLARATIONS }] } })) answer += chunk.text ?? '';
    expect(answer).toBe(ANSWER);
    const body = lastBody(t);
    if (t.fake === 'gemini') {
      expect(body.contents[2].parts.map((p: { functionResponse: { name: string } }) => p.functionResponse.name)).toEqual(['get_weather', 'get_time']);
    } else if (t.fake === 'anthropic') {
      const uses = body.messages[1].content.filter((b: { type: string }) => b.type === 'tool_use').map((b: { id: string }) => b.id);
      expect(body.messages[2].content.map((b: { tool_use_id: string }) => b.tool_use_id)).toEqual(uses);
    } else {
      const assistant = body.messages.find((m: { role: string }) => m.role === 'assistant');
      const tools = body.messages.filter((m: { role: string }) => m.role === 'tool');
      expect(tools.map((m: { tool_call_id: string }) => m.tool_call_id)).toEqual(assistant.tool_calls.map((c: { id: string }) => c.id));
      expect(JSON.parse(tools[0].content)).toEqual(RESULTS.get_weather);
    }
  });

  test('function calls in a stream arrive whole, with the finish', async () => {
    fake(t).script(turn(t, 'tools'));
    const chunks: GenerateContentResponse[] = [];
    for await (const chunk of await ai.models.generateContentStream({ model: t.model, contents: QUESTION, config: { tools: [{ functionDeclarations: DECLARATIONS }] } })) chunks.push(chunk);
    const calls = chunks.flatMap((c) => c.functionCalls ?? []);
    expect(calls.map((c) => ({ name: c.name, args: c.args }))).toEqual(EXPECTED_CALLS.map((c) => ({ name: c.name, args: c.args })));
    expect(chunks.at(-1)!.usageMetadata?.totalTokenCount).toBeGreaterThan(0);
  });

  test('an inline image reaches the provider in its image form', async () => {
    fake(t).script(turn(t, 'text'));
    await ai.models.generateContent({ model: t.model, contents: [{ role: 'user', parts: [{ text: 'What is this?' }, { inlineData: { mimeType: 'image/png', data: PNG_BASE64 } }] }] });
    const body = lastBody(t);
    if (t.fake === 'gemini') expect(body.contents[0].parts[1]).toEqual({ inlineData: { mimeType: 'image/png', data: PNG_BASE64 } });
    else if (t.fake === 'anthropic') expect(body.messages[0].content[1]).toEqual({ type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG_BASE64 } });
    else expect(body.messages[0].content[1]).toEqual({ type: 'image_url', image_url: { url: PNG_DATA_URL } });
  });

  test('countTokens answers locally, growing with the conversation', async () => {
    const small = await ai.models.countTokens({ model: t.model, contents: 'hi' });
    const big = await ai.models.countTokens({ model: t.model, contents: QUESTION });
    expect(small.totalTokens).toBeGreaterThan(0);
    expect(big.totalTokens).toBeGreaterThan(small.totalTokens!);
    expect(fake(t).requests).toHaveLength(0);
  });
});

describe('Gemini surface edges', () => {
  test('a Gemini upstream gets its thoughtSignature back on the echoed functionCall part', async () => {
    const t = TARGETS.find((x) => x.fake === 'gemini')!;
    fake(t).script(turn(t, 'tools'), turn(t, 'answer'));
    const first = await ai.models.generateContent({ model: t.model, contents: QUESTION, config: { tools: [{ functionDeclarations: DECLARATIONS }] } });
    const signature = first.candidates![0].content!.parts![0].thoughtSignature;
    expect(typeof signature).toBe('string');
    const calls = first.functionCalls!;
    await ai.models.generateContent({
      model: t.model,
      contents: [...QUESTION, first.candidates![0].content!, { role: 'user', parts: calls.map((c) => ({ functionResponse: { id: c.id, name: c.name!, response: RESULTS[c.name!] as Record<string, unknown> } })) }],
      config: { tools: [{ functionDeclarations: DECLARATIONS }] },
    });
    expect(lastBody(t).contents[1].parts[0].thoughtSignature).toBe(signature);
  });

  test('models.list and models.get show the models of the key', async () => {
    const names: string[] = [];
    for await (const m of await ai.models.list()) names.push(m.name!);
    expect(names).toContain('models/gem-chat');
    expect(names).toContain('models/claude-chat');
    const one = await ai.models.get({ model: 'oa-chat' });
    expect(one.name).toBe('models/oa-chat');
    expect(one.supportedActions ?? (one as { supportedGenerationMethods?: string[] }).supportedGenerationMethods).toContain('generateContent');
  });

  test('errors come back as google.rpc.Status: bad key, unknown model, built-in tool, bad body', async () => {
    const url = `${h.gw.url}/v1beta/models`;
    const post = (path: string, body: unknown, key = TEST_KEY) => fetch(`${url}/${path}`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-goog-api-key': key }, body: JSON.stringify(body) });
    const bad = await post('oa-chat:generateContent', { contents: [{ role: 'user', parts: [{ text: 'x' }] }] }, 'sk-wrong-key-0000');
    expect(bad.status).toBe(401);
    expect((await bad.json()).error).toMatchObject({ code: 401, status: 'UNAUTHENTICATED' });
    const missing = await post('nope:generateContent', { contents: [{ role: 'user', parts: [{ text: 'x' }] }] });
    expect(missing.status).toBe(404);
    expect((await missing.json()).error).toMatchObject({ code: 404, status: 'NOT_FOUND' });
    const search = await post('oa-chat:generateContent', { contents: [{ role: 'user', parts: [{ text: 'x' }] }], tools: [{ googleSearch: {} }] });
    expect(search.status).toBe(400);
    const err = (await search.json()).error;
    expect(err.status).toBe('INVALID_ARGUMENT');
    expect(err.message).toContain('googleSearch');
    const empty = await post('oa-chat:generateContent', { contents: [] });
    expect(empty.status).toBe(400);
    await expect(ai.models.generateContent({ model: 'nope', contents: 'x' })).rejects.toThrow(/404|NOT_FOUND|not exist/);
  });

  test('the key works as ?key= too (as older Gemini clients send it) and the upstream never sees it', async () => {
    const t = TARGETS.find((x) => x.fake === 'openai')!;
    fake(t).script(turn(t, 'text'));
    const res = await fetch(`${h.gw.url}/v1beta/models/${t.model}:generateContent?key=${TEST_KEY}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'Say hello.' }] }] }) });
    expect(res.status).toBe(200);
    expect((await res.json()).candidates[0].content.parts[0].text).toBe(HELLO);
    expect(JSON.stringify(fake(t).requests.at(-1))).not.toContain(TEST_KEY);
  });

  test('without alt=sse the stream is one JSON array, element by element', async () => {
    const t = TARGETS.find((x) => x.fake === 'anthropic')!;
    fake(t).script(turn(t, 'text'));
    const res = await fetch(`${h.gw.url}/v1beta/models/${t.model}:streamGenerateContent`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-goog-api-key': TEST_KEY }, body: JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'Say hello.' }] }] }) });
    expect(res.headers.get('content-type')).toContain('application/json');
    const items = JSON.parse(await res.text()) as Array<{ candidates: Array<{ content: { parts: Array<{ text?: string }> }; finishReason?: string }> }>;
    expect(items.map((i) => i.candidates[0].content.parts.map((p) => p.text ?? '').join('')).join('')).toBe(HELLO);
    expect(items.at(-1)!.candidates[0].finishReason).toBe('STOP');
  });
});

/** A Gemini CLI turn as @google/genai serialises it (test/fixtures/gemini-cli, captured from the SDK): history
 *  with a thought part, two parallel function calls with ids and a signature, their responses by id,
 *  JSON-Schema tools (parametersJsonSchema), thinkingConfig with includeThoughts. */
const CLI_TURN = (await Bun.file(new URL('../fixtures/gemini-cli/stream-turn.json', import.meta.url)).json()) as { path: string; body: Record<string, any> };

describe.each(TARGETS)('Gemini CLI turn → $name upstream', (t) => {
  test('streams the answer; calls and results stay paired upstream; tools keep their JSON Schema', async () => {
    fake(t).script(turn(t, 'answer'));
    const res = await fetch(`${h.gw.url}${CLI_TURN.path.replace('MODEL', t.model)}`, {
      method: 'POST', headers: { 'content-type': 'application/json', 'x-goog-api-key': TEST_KEY, 'user-agent': 'GeminiCLI/0.20.0 (linux; x64)' }, body: JSON.stringify(CLI_TURN.body),
    });
    expect(res.status).toBe(200);
    const events = (await res.text()).split('\r\n\r\n').filter(Boolean).map((e) => JSON.parse(e.slice(6)));
    expect(events.map((e) => (e.candidates?.[0]?.content?.parts ?? []).filter((p: { thought?: boolean }) => !p.thought).map((p: { text?: string }) => p.text ?? '').join('')).join('')).toBe(ANSWER);
    expect(events.at(-1).candidates[0].finishReason).toBe('STOP');
    const body = lastBody(t);
    const ids = ['list_directory-1764628000000-a1b2c3', 'read_file-1764628000000-d4e5f6'];
    if (t.fake === 'gemini') {
      expect(body.contents[3].parts).toEqual([
        { functionCall: { name: 'list_directory', args: { path: '/home/user/project' } }, thoughtSignature: 'CiQB0e2Kb7Zq1Xn8vGgq2sR3aT+example+signature+AAA=' },
        { functionCall: { name: 'read_file', args: { absolute_path: '/home/user/project/package.json' } } },
      ]);
      expect(body.contents[4].parts.map((p: { functionResponse: { name: string } }) => p.functionResponse.name)).toEqual(['list_directory', 'read_file']);
    } else if (t.fake === 'anthropic') {
      expect(body.system).toBe('You are an interactive CLI agent specializing in software engineering tasks.');
      expect(body.tools[1].input_schema.required).toEqual(['absolute_path']);
      const uses = body.messages.at(-2).content.filter((b: { type: string }) => b.type === 'tool_use').map((b: { id: string }) => b.id);
      expect(body.messages.at(-1).content.map((b: { tool_use_id: string }) => b.tool_use_id)).toEqual(uses);
      expect(uses).toHaveLength(2);
    } else {
      expect(body.tools[1].function.parameters).toEqual(CLI_TURN.body.tools[0].functionDeclarations[1].parametersJsonSchema);
      const assistant = body.messages.find((m: { tool_calls?: unknown }) => m.tool_calls);
      expect(assistant.tool_calls.map((c: { id: string }) => c.id)).toEqual(ids);
      expect(body.messages.filter((m: { role: string }) => m.role === 'tool').map((m: { tool_call_id: string; content: string }) => [m.tool_call_id, JSON.parse(m.content).output.slice(0, 9)])).toEqual([[ids[0], 'Directory'], [ids[1], '{ "name":']]);
    }
  });
});
