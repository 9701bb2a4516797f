// DeepSeek thinking-mode tool loops through the gateway, from every inbound surface, against a strict
// fake that answers 400 when an assistant turn with tool calls comes back without its reasoning_content
// (fakes/deepseek-thinking.ts). Each client does what its real counterpart does with the history: the
// openai SDK pushes the answer message back, an Anthropic client sends its (unsigned) thinking blocks
// back, a Responses client replays the output items or continues with previous_response_id, a Gemini
// client echoes the model turn with its thought parts. Every loop makes three tool calls and then
// answers; the upstream must see each tool-call turn's reasoning, verbatim.

import { afterAll, beforeAll, beforeEach, expect, test } from 'bun:test';
import Anthropic from '@anthropic-ai/sdk';
import { type Content, GoogleGenAI } from '@google/genai';
import OpenAI from 'openai';
import { TEST_KEY, type TestGateway, config, startTestGateway } from '../helpers/gateway.ts';
import { type DeepSeekFake, reasoningAt, startDeepSeekFake } from './fakes/deepseek-thinking.ts';

const MODEL = 'deepseek-reasoner';
const STEPS = 3;
let ds: DeepSeekFake;
let gw: TestGateway;

beforeAll(async () => {
  ds = startDeepSeekFake({ apiKey: 'sk-deepseek-upstream-0123456789', toolSteps: STEPS });
  gw = await startTestGateway(config(`
providers:
  deepseek:
    adapter: deepseek
    base_url: ${ds.url}/v1
    api_key: sk-deepseek-upstream-0123456789
    models: [${MODEL}]
  deepseek-stripped:
    adapter: deepseek
    base_url: ${ds.url}/v1
    api_key: sk-deepseek-upstream-0123456789
    reasoning_content: strip
    models: { deepseek-stripped: ${MODEL} }
routing:
  retry: { attempts: 1 }
`));
});
afterAll(async () => {
  await gw.stop();
  ds.stop();
});
beforeEach(() => ds.reset());

/** The last upstream request: every earlier tool-call turn carries its own step's reasoning. */
function expectReasoningPassedBack(): void {
  expect(ds.rejections).toEqual([]);
  expect(ds.requests).toHaveLength(STEPS + 1);
  const assistants = (ds.requests.at(-1)!.messages ?? []).filter((m) => m.role === 'assistant');
  expect(assistants).toHaveLength(STEPS);
  assistants.forEach((m, turn) => {
    expect(m.tool_calls?.length).toBe(1);
    expect(m.reasoning_content).toBe(reasoningAt(turn));
  });
}

const openaiTools: OpenAI.Chat.ChatCompletionFunctionTool[] = [
  { type: 'function', function: { name: 'list_dir', parameters: { type: 'object', properties: { step: { type: 'number' } } } } },
  { type: 'function', function: { name: 'read_file', parameters: { type: 'object', properties: { step: { type: 'number' } } } } },
];

/** An assistant message as DeepSeek returns it and agents push it back: with its reasoning_content. */
type AssistantTurn = OpenAI.Chat.ChatCompletionAssistantMessageParam & { reasoning_content?: string };

for (const stream of [false, true]) {
  test(`openai SDK${stream ? ', streamed' : ''}: the answer message pushed back as DeepSeek's docs say`, async () => {
    const client = new OpenAI({ apiKey: TEST_KEY, baseURL: `${gw.url}/v1`, maxRetries: 0 });
    const messages: OpenAI.Chat.ChatCompletionMessageParam[] = [{ role: 'user', content: 'Look around, then summarise.' }];
    for (let step = 0; step <= STEPS; step++) {
      let message: AssistantTurn;
      if (!stream) {
        message = (await client.chat.completions.create({ model: MODEL, messages, tools: openaiTools })).choices[0].message as AssistantTurn;
      } else {
        // Assembled from the deltas as an agent does (the SDK's own accumulator keeps only the last
        // fragment of a field it does not know, such as reasoning_content).
        let reasoning = '';
        let content = '';
        const calls: OpenAI.Chat.ChatCompletionMessageToolCall[] = [];
        for await (const chunk of await client.chat.completions.create({ model: MODEL, messages, tools: openaiTools, stream: true })) {
          const delta = chunk.choices[0]?.delta as (OpenAI.Chat.ChatCompletionChunk.Choice.Delta & { reasoning_content?: string }) | undefined;
          reasoning += delta?.reasoning_content ?? '';
          content += delta?.content ?? '';
          for (const c of delta?.tool_calls ?? []) {
            const call = (calls[c.index] ??= { id: '', type: 'function', function: { name: '', arguments: '' } });
            if (c.id) call.id = c.id;
            if (call.type === 'function') {
              call.function.name += c.function?.name ?? '';
              call.function.arguments += c.function?.arguments ?? '';
            }
          }
        }
        message = { role: 'assistant', content, ...(calls.length ? { tool_calls: calls } : {}), reasoning_content: reasoning };
      }
      expect(message.reasoning_content).toBe(reasoningAt(step));
      messages.push(message);
      if (!message.tool_calls?.length) break;
      for (const call of message.tool_calls) messages.push({ role: 'tool', tool_call_id: call.id, content: `result of ${call.id}` });
    }
    expectReasoningPassedBack();
  });
}

for (const stream of [false, true]) {
  test(`Anthropic SDK${stream ? ', streamed' : ''}: unsigned thinking blocks sent back become reasoning_content`, async () => {
    const client = new Anthropic({ apiKey: TEST_KEY, baseURL: gw.url, maxRetries: 0 });
    const tools: Anthropic.Tool[] = openaiTools.map((t) => ({ name: t.function.name, input_schema: { type: 'object', properties: { step: { type: 'number' } } } }));
    const messages: Anthropic.MessageParam[] = [{ role: 'user', content: 'Look around, then summarise.' }];
    for (let step = 0; step <= STEPS; step++) {
      const params = { model: MODEL, max_tokens: 4096, messages, tools, thinking: { type: 'enabled' as const, budget_tokens: 2048 } };
      const answer = stream ? await client.messages.stream(params).finalMessage() : await client.messages.create(params);
      const thinking = answer.content.find((b) => b.type === 'thinking');
      expect(thinking?.type === 'thinking' && thinking.thinking).toBe(reasoningAt(step));
      messages.push({ role: 'assistant', content: answer.content });
      const uses = answer.content.filter((b) => b.type === 'tool_use');
      if (!uses.length) break;
      messages.push({ role: 'user', content: uses.map((u) => ({ type: 'tool_result' as const, tool_use_id: u.id, content: `result of ${u.id}` })) });
    }
    expectReasoningPassedBack();
  });
}

const responsesTools: OpenAI.Responses.FunctionTool[] = openaiTools.map((t) => ({ type: 'function', name: t.function.name, parameters: t.function.parameters ?? null, strict: false }));

test('Responses, full input replay (Codex style): reasoning items sent back become reasoning_content', async () => {
  const client = new OpenAI({ apiKey: TEST_KEY, baseURL: `${gw.url}/v1`, maxRetries: 0 });
  const input: OpenAI.Responses.ResponseInputItem[] = [{ role: 'user', content: 'Look around, then summarise.' }];
  for (let step = 0; step <= STEPS; step++) {
    const res = await client.responses.create({ model: MODEL, input, tools: responsesTools, reasoning: { effort: 'high' }, store: false, include: ['reasoning.encrypted_content'] });
    const reasoning = res.output.find((i) => i.type === 'reasoning');
    expect(reasoning?.type === 'reasoning' && reasoning.summary[0]?.text).toBe(reasoningAt(step));
    input.push(...(res.output as OpenAI.Responses.ResponseInputItem[]));
    const calls = res.output.filter((i) => i.type === 'function_call');
    if (!calls.length) break;
    for (const c of calls) if (c.type === 'function_call') input.push({ type: 'function_call_output', call_id: c.call_id, output: `result of ${c.call_id}` });
  }
  expectReasoningPassedBack();
});

test('Responses, streamed with previous_response_id: the stored response keeps the reasoning for the replay', async () => {
  const client = new OpenAI({ apiKey: TEST_KEY, baseURL: `${gw.url}/v1`, maxRetries: 0 });
  let previous: string | undefined;
  let input: OpenAI.Responses.ResponseInputItem[] = [{ role: 'user', content: 'Look around, then summarise.' }];
  for (let step = 0; step <= STEPS; step++) {
    const res = await client.responses.stream({ model: MODEL, input, tools: responsesTools, previous_response_id: previous }).finalResponse();
    previous = res.id;
    const calls = res.output.filter((i) => i.type === 'function_call');
    if (!calls.length) break;
    input = calls.map((c) => ({ type: 'function_call_output' as const, call_id: c.type === 'function_call' ? c.call_id : '', output: 'result' }));
  }
  expectReasoningPassedBack();
});

for (const stream of [false, true]) {
  test(`@google/genai${stream ? ', streamed' : ''} with includeThoughts: thought parts echoed back become reasoning_content`, async () => {
    const ai = new GoogleGenAI({ apiKey: TEST_KEY, httpOptions: { baseUrl: gw.url } });
    const contents: Content[] = [{ role: 'user', parts: [{ text: 'Look around, then summarise.' }] }];
    const cfg = {
      thinkingConfig: { includeThoughts: true },
      tools: [{ functionDeclarations: openaiTools.map((t) => ({ name: t.function.name, parametersJsonSchema: t.function.parameters })) }],
    };
    for (let step = 0; step <= STEPS; step++) {
      const parts: NonNullable<Content['parts']> = [];
      if (stream) {
        for await (const chunk of await ai.models.generateContentStream({ model: MODEL, contents, config: cfg })) parts.push(...(chunk.candidates?.[0]?.content?.parts ?? []));
      } else {
        parts.push(...((await ai.models.generateContent({ model: MODEL, contents, config: cfg })).candidates?.[0]?.content?.parts ?? []));
      }
      expect(parts.filter((p) => p.thought).map((p) => p.text).join('')).toBe(reasoningAt(step));
      contents.push({ role: 'model', parts });
      const calls = parts.filter((p) => p.functionCall);
      if (!calls.length) break;
      contents.push({ role: 'user', parts: calls.map((p) => ({ functionResponse: { id: p.functionCall!.id, name: p.functionCall!.name, response: { output: 'result' } } })) });
    }
    expectReasoningPassedBack();
  });
}

test('assistant turns outside a tool loop still go without reasoning_content (DeepSeek ignores it there)', async () => {
  const client = new OpenAI({ apiKey: TEST_KEY, baseURL: `${gw.url}/v1`, maxRetries: 0 });
  await client.chat.completions.create({
    model: MODEL,
    messages: [
      { role: 'user', content: 'hi' },
      { role: 'assistant', content: 'hello', reasoning_content: 'greet back' } as OpenAI.Chat.ChatCompletionMessageParam,
      { role: 'user', content: 'and now?' },
    ],
  });
  expect(ds.rejections).toEqual([]);
  expect(JSON.stringify(ds.requests[0].messages)).not.toContain('reasoning_content');
});

test('with reasoning_content: strip on the provider, the strict upstream refuses step 2 (what every client got before)', async () => {
  const client = new OpenAI({ apiKey: TEST_KEY, baseURL: `${gw.url}/v1`, maxRetries: 0 });
  const messages: OpenAI.Chat.ChatCompletionMessageParam[] = [{ role: 'user', content: 'Look around.' }];
  const first = (await client.chat.completions.create({ model: 'deepseek-stripped', messages, tools: openaiTools })).choices[0].message;
  messages.push(first, { role: 'tool', tool_call_id: first.tool_calls![0].id, content: 'x' });
  const error = await client.chat.completions.create({ model: 'deepseek-stripped', messages, tools: openaiTools }).then(() => undefined, (e: unknown) => e as InstanceType<typeof OpenAI.APIError>);
  expect(error?.status).toBe(400);
  expect(error?.message).toContain('The reasoning_content in the thinking mode must be passed back to the API');
});
