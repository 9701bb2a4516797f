// Gemini CLI's thinkingConfig through the gateway's Gemini surface, driven with @google/genai. A Gemini
// upstream gets the client's generationConfig.thinkingConfig exactly as sent (thinkingBudget 0 turns
// thinking off, -1 is dynamic, thinkingLevel for Gemini 3), and with includeThoughts the upstream's thought
// parts come back as `thought: true` parts, plain and streamed. No other upstream ever sees it (and none
// gets a reasoning_effort in its place); a malformed thinkingConfig is a 400 before any upstream is called.
// An OpenAI-surface client cannot set the canonical `gemini_thinking` field itself.

import { describe, expect, test } from 'bun:test';
import { type GenerateContentResponse, GoogleGenAI, ThinkingLevel } from '@google/genai';
import OpenAI from 'openai';
import { TEST_KEY } from '../helpers/gateway.ts';
import { type Conformance, TARGETS, type Target, turn } from './harness.ts';
import { sdkSuite } from './sdk-suite.ts';

let h: Conformance;
let ai: GoogleGenAI;
let openai: OpenAI;
sdkSuite((suite) => ({ h, genai: ai, openai } = suite));

const gemini = TARGETS.find((t) => t.name === 'gemini')!;
const others = TARGETS.filter((t) => t.fake !== 'gemini');
const lastBody = (t: Target) => h.fakes[t.fake].requests.at(-1)!.body as Record<string, any>;
const thoughts = (r: GenerateContentResponse) => (r.candidates?.[0]?.content?.parts ?? []).filter((p) => p.thought).map((p) => p.text).join('');

describe('Gemini upstream', () => {
  test('thinkingBudget 0 reaches Gemini as sent (thinking off); no thought parts without includeThoughts', async () => {
    h.fakes.gemini.script({ json: 'gemini/text-response.json' });
    const res = await ai.models.generateContent({ model: gemini.model, contents: 'Say hello.', config: { thinkingConfig: { thinkingBudget: 0 } } });
    expect(lastBody(gemini).generationConfig.thinkingConfig).toEqual({ thinkingBudget: 0 });
    expect(thoughts(res)).toBe('');
    expect(res.text).toBe('Hello! How can I help you today?');
  });

  test('includeThoughts + thinkingLevel: sent as is, over reasoning_effort; thought parts come back', async () => {
    h.fakes.gemini.script({ json: 'gemini/text-response.json' });
    const res = await ai.models.generateContent({ model: gemini.model, contents: 'Say hello.', config: { thinkingConfig: { includeThoughts: true, thinkingLevel: ThinkingLevel.LOW } } });
    expect(lastBody(gemini).generationConfig.thinkingConfig).toEqual({ includeThoughts: true, thinkingLevel: 'LOW' });
    expect(res.candidates![0].content!.parts![0]).toEqual({ text: 'The user wants a short greeting.', thought: true });
    expect(res.usageMetadata?.thoughtsTokenCount).toBe(20);
  });

  test('streamed: thinkingBudget -1 with includeThoughts; thought parts stream back before the calls', async () => {
    h.fakes.gemini.script({ sse: 'gemini/stream-tools.sse' });
    const chunks: GenerateContentResponse[] = [];
    const stream = await ai.models.generateContentStream({
      model: gemini.model, contents: 'Weather and time in Paris?',
      config: { thinkingConfig: { includeThoughts: true, thinkingBudget: -1 }, tools: [{ functionDeclarations: [{ name: 'get_weather' }, { name: 'get_time' }] }] },
    });
    for await (const chunk of stream) chunks.push(chunk);
    expect(lastBody(gemini).generationConfig.thinkingConfig).toEqual({ includeThoughts: true, thinkingBudget: -1 });
    expect(chunks.map(thoughts).join('')).toBe('Let me check both.');
    expect(chunks.flatMap((c) => c.functionCalls ?? []).map((c) => c.name)).toEqual(['get_weather', 'get_time']);
  });

  test('an OpenAI-surface client cannot set gemini_thinking (only reasoning_effort maps to thinkingConfig)', async () => {
    const oa = TARGETS.find((t) => t.name === 'openai')!;
    h.fakes.gemini.script(turn(gemini, 'text'), turn(gemini, 'text'));
    h.fakes.openai.script(turn(oa, 'text'));
    const body = { model: gemini.model, messages: [{ role: 'user', content: 'hi' }], gemini_thinking: { thinkingBudget: 0 } } as unknown as OpenAI.ChatCompletionCreateParamsNonStreaming;
    await openai.chat.completions.create({ ...body, model: oa.model });
    expect(h.fakes.openai.requests.at(-1)!.raw).not.toContain('gemini_thinking');
    await openai.chat.completions.create(body);
    expect(lastBody(gemini).generationConfig?.thinkingConfig).toBeUndefined();
    await openai.chat.completions.create({ ...body, reasoning_effort: 'low' });
    expect(lastBody(gemini).generationConfig.thinkingConfig).toEqual({ thinkingLevel: 'low' });
  });
});

describe('malformed thinkingConfig → 400 in Gemini\'s shape, no upstream call', () => {
  const cases: Array<[string, unknown]> = [
    ['an unknown field', { thinkingBudget: 128, budget_tokens: 1 }],
    ['a budget below -1', { thinkingBudget: -2 }],
    ['a fractional budget', { thinkingBudget: 1.5 }],
    ['an unknown level', { thinkingLevel: 'EXTREME' }],
    ['a budget and a level together', { thinkingBudget: 1024, thinkingLevel: 'HIGH' }],
    ['includeThoughts not a boolean', { includeThoughts: 'yes' }],
    ['not an object', [1]],
  ];
  test.each(cases)('%s', async (_label, thinkingConfig) => {
    const res = await fetch(`${h.gw.url}/v1beta/models/${gemini.model}:generateContent`, {
      method: 'POST', headers: { 'content-type': 'application/json', 'x-goog-api-key': TEST_KEY },
      body: JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'hi' }] }], generationConfig: { thinkingConfig } }),
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { status: string; message: string } };
    expect(body.error.status).toBe('INVALID_ARGUMENT');
    expect(body.error.message).toContain('thinkingConfig');
    expect(h.fakes.gemini.requests).toHaveLength(0);
  });
});

describe.each(others)('$name upstream', (t) => {
  test('never gets the thinkingConfig (nor a reasoning_effort for it); a bad one is still refused', async () => {
    const bad = await ai.models.generateContent({ model: t.model, contents: 'hi', config: { thinkingConfig: { thinkingBudget: -5 } } }).catch((e: Error) => e);
    expect(bad).toBeInstanceOf(Error);
    expect(String(bad)).toContain('thinkingBudget');
    expect(h.fakes[t.fake].requests).toHaveLength(0);
    h.fakes[t.fake].script(turn(t, 'text'));
    await ai.models.generateContent({ model: t.model, contents: 'Say hello.', config: { thinkingConfig: { includeThoughts: true, thinkingBudget: 0 } } });
    const text = h.fakes[t.fake].requests.at(-1)!.raw;
    for (const field of ['thinkingConfig', 'gemini_thinking', 'thinkingBudget', 'reasoning_effort', '"thinking"']) expect(text).not.toContain(field);
  });
});
