// The four inbound surfaces driven by their official SDKs, each reduced to the same two operations: a
// text turn, and a two-turn tool loop (tool calls, then the client sends the results back and gets the
// answer). Every turn returns its text, its tool calls and the gateway's request id (x-request-id,
// read through the SDK's raw response access), so a test can compare surfaces and look up ledger rows.

import type Anthropic from '@anthropic-ai/sdk';
import type { Content, GenerateContentResponse, GoogleGenAI } from '@google/genai';
import type OpenAI from 'openai';
import type { ChatCompletionMessageParam, ChatCompletionMessageToolCall } from 'openai/resources/chat/completions';
import type { CompletionUsage } from 'openai/resources/completions';
import type { Response as OAResponse, ResponseInputItem } from 'openai/resources/responses/responses';
import { ANTHROPIC_TOOLS, OPENAI_TOOLS, TOOL_RESULTS } from './harness.ts';

export interface TurnResult {
  text: string;
  calls: Array<{ name: string; args: unknown }>;
  /** The usage the surface reported, in common terms: all prompt tokens, of them read from a cache, output. */
  usage: { input: number; cached: number; output: number } | undefined;
  requestId: string;
}

export interface SurfaceDriver {
  name: 'chat' | 'messages' | 'responses' | 'gemini';
  hello(model: string, stream: boolean): Promise<TurnResult>;
  /** The tool-call turn and the answer turn. */
  toolLoop(model: string, stream: boolean): Promise<[TurnResult, TurnResult]>;
}

export interface Clients {
  openai: OpenAI;
  anthropic: Anthropic;
  genai: GoogleGenAI;
}

export const SAY_HELLO = 'Say hello.';
export const ASK = 'What is the weather and the time in Paris?';

const must = (id: string | null | undefined): string => {
  if (!id) throw new Error('the gateway sent no x-request-id');
  return id;
};

// ---- OpenAI chat completions --------------------------------------------------------------------------

type ChatAnswer = { content: string; tool_calls: ChatCompletionMessageToolCall[]; usage?: CompletionUsage | null; requestId: string };

async function chatCall(client: OpenAI, model: string, messages: ChatCompletionMessageParam[], stream: boolean, tools: boolean): Promise<ChatAnswer> {
  const extra = tools ? { tools: OPENAI_TOOLS } : {};
  if (!stream) {
    const { data, response } = await client.chat.completions.create({ model, messages, ...extra }).withResponse();
    const m = data.choices[0].message;
    return { content: m.content ?? '', tool_calls: m.tool_calls ?? [], usage: data.usage, requestId: must(response.headers.get('x-request-id')) };
  }
  const { data, response } = await client.chat.completions.create({ model, messages, stream: true, stream_options: { include_usage: true }, ...extra }).withResponse();
  let content = '';
  let usage: CompletionUsage | undefined;
  const calls: Array<{ id: string; name: string; arguments: string }> = [];
  for await (const chunk of data) {
    if (chunk.usage) usage = chunk.usage;
    const delta = chunk.choices[0]?.delta;
    content += delta?.content ?? '';
    for (const tc of delta?.tool_calls ?? []) {
      const call = (calls[tc.index] ??= { id: '', name: '', arguments: '' });
      call.id ||= tc.id ?? '';
      call.name += tc.function?.name ?? '';
      call.arguments += tc.function?.arguments ?? '';
    }
  }
  const tool_calls = calls.map((c) => ({ id: c.id, type: 'function' as const, function: { name: c.name, arguments: c.arguments } }));
  return { content, tool_calls, usage, requestId: must(response.headers.get('x-request-id')) };
}

const chatResult = (a: ChatAnswer): TurnResult => ({
  text: a.content,
  calls: a.tool_calls.flatMap((c) => (c.type === 'function' ? [{ name: c.function.name, args: JSON.parse(c.function.arguments) as unknown }] : [])),
  usage: a.usage ? { input: a.usage.prompt_tokens, cached: a.usage.prompt_tokens_details?.cached_tokens ?? 0, output: a.usage.completion_tokens } : undefined,
  requestId: a.requestId,
});

export function chatDriver(client: OpenAI): SurfaceDriver {
  return {
    name: 'chat',
    hello: async (model, stream) => chatResult(await chatCall(client, model, [{ role: 'user', content: SAY_HELLO }], stream, false)),
    toolLoop: async (model, stream) => {
      const messages: ChatCompletionMessageParam[] = [{ role: 'user', content: ASK }];
      const first = await chatCall(client, model, messages, stream, true);
      messages.push({ role: 'assistant', content: first.content || null, tool_calls: first.tool_calls });
      for (const c of first.tool_calls) if (c.type === 'function') messages.push({ role: 'tool', tool_call_id: c.id, content: TOOL_RESULTS[c.function.name] });
      return [chatResult(first), chatResult(await chatCall(client, model, messages, stream, true))];
    },
  };
}

// ---- Anthropic Messages -----------------------------------------------------------------------------

async function messagesCall(client: Anthropic, model: string, messages: Anthropic.MessageParam[], stream: boolean, tools: boolean) {
  const params = { model, max_tokens: 512, messages, ...(tools ? { tools: ANTHROPIC_TOOLS } : {}) };
  if (!stream) {
    const { data, response } = await client.messages.create(params).withResponse();
    return { message: data, requestId: must(response.headers.get('x-request-id')) };
  }
  const s = client.messages.stream(params);
  const { response } = await s.withResponse();
  return { message: await s.finalMessage(), requestId: must(response.headers.get('x-request-id')) };
}

const messageResult = ({ message, requestId }: { message: Anthropic.Message; requestId: string }): TurnResult => ({
  text: message.content.flatMap((b) => (b.type === 'text' ? [b.text] : [])).join(''),
  calls: message.content.flatMap((b) => (b.type === 'tool_use' ? [{ name: b.name, args: b.input }] : [])),
  usage: {
    input: message.usage.input_tokens + (message.usage.cache_read_input_tokens ?? 0) + (message.usage.cache_creation_input_tokens ?? 0),
    cached: message.usage.cache_read_input_tokens ?? 0,
    output: message.usage.output_tokens,
  },
  requestId,
});

export function messagesDriver(client: Anthropic): SurfaceDriver {
  return {
    name: 'messages',
    hello: async (model, stream) => messageResult(await messagesCall(client, model, [{ role: 'user', content: SAY_HELLO }], stream, false)),
    toolLoop: async (model, stream) => {
      const messages: Anthropic.MessageParam[] = [{ role: 'user', content: ASK }];
      const first = await messagesCall(client, model, messages, stream, true);
      const uses = first.message.content.filter((b): b is Anthropic.ToolUseBlock => b.type === 'tool_use');
      messages.push({ role: 'assistant', content: first.message.content });
      messages.push({ role: 'user', content: uses.map((u) => ({ type: 'tool_result' as const, tool_use_id: u.id, content: TOOL_RESULTS[u.name] })) });
      return [messageResult(first), messageResult(await messagesCall(client, model, messages, stream, true))];
    },
  };
}

// ---- OpenAI Responses -------------------------------------------------------------------------------

const RESPONSES_TOOLS = OPENAI_TOOLS.map((t) => ({ type: 'function' as const, name: t.function.name, description: t.function.description, parameters: t.function.parameters as Record<string, unknown>, strict: false }));

async function responsesCall(client: OpenAI, model: string, input: string | ResponseInputItem[], stream: boolean, tools: boolean) {
  const params = { model, input, store: false, ...(tools ? { tools: RESPONSES_TOOLS, include: ['reasoning.encrypted_content' as const] } : {}) };
  if (!stream) {
    const { data, response } = await client.responses.create(params).withResponse();
    return { res: data, requestId: must(response.headers.get('x-request-id')) };
  }
  const { data, response } = await client.responses.create({ ...params, stream: true }).withResponse();
  let done: OAResponse | undefined;
  for await (const event of data) if (event.type === 'response.completed') done = event.response;
  if (!done) throw new Error('the stream ended without response.completed');
  return { res: done, requestId: must(response.headers.get('x-request-id')) };
}

const responsesResult = ({ res, requestId }: { res: OAResponse; requestId: string }): TurnResult => ({
  text: res.output.flatMap((o) => (o.type === 'message' ? o.content.flatMap((c) => (c.type === 'output_text' ? [c.text] : [])) : [])).join(''),
  calls: res.output.flatMap((o) => (o.type === 'function_call' ? [{ name: o.name, args: JSON.parse(o.arguments) as unknown }] : [])),
  usage: res.usage ? { input: res.usage.input_tokens, cached: res.usage.input_tokens_details?.cached_tokens ?? 0, output: res.usage.output_tokens } : undefined,
  requestId,
});

export function responsesDriver(client: OpenAI): SurfaceDriver {
  return {
    name: 'responses',
    hello: async (model, stream) => responsesResult(await responsesCall(client, model, SAY_HELLO, stream, false)),
    toolLoop: async (model, stream) => {
      const first = await responsesCall(client, model, ASK, stream, true);
      const calls = first.res.output.flatMap((o) => (o.type === 'function_call' ? [o] : []));
      const input: ResponseInputItem[] = [
        { role: 'user', content: ASK },
        ...(first.res.output as ResponseInputItem[]),
        ...calls.map((c) => ({ type: 'function_call_output' as const, call_id: c.call_id, output: TOOL_RESULTS[c.name] })),
      ];
      return [responsesResult(first), responsesResult(await responsesCall(client, model, input, stream, true))];
    },
  };
}

// ---- Gemini native ----------------------------------------------------------------------------------

const DECLARATIONS = OPENAI_TOOLS.map((t) => {
  const { additionalProperties: _a, $schema: _s, ...schema } = t.function.parameters as Record<string, unknown>;
  return { name: t.function.name, description: t.function.description, parametersJsonSchema: schema };
});

async function geminiCall(ai: GoogleGenAI, model: string, contents: Content[], stream: boolean, tools: boolean) {
  const config = tools ? { tools: [{ functionDeclarations: DECLARATIONS }] } : undefined;
  if (!stream) {
    const res = await ai.models.generateContent({ model, contents, config });
    return { parts: res.candidates?.[0]?.content?.parts ?? [], meta: res.usageMetadata, requestId: must(res.sdkHttpResponse?.headers?.['x-request-id']) };
  }
  const chunks: GenerateContentResponse[] = [];
  for await (const chunk of await ai.models.generateContentStream({ model, contents, config })) chunks.push(chunk);
  return {
    parts: chunks.flatMap((c) => c.candidates?.[0]?.content?.parts ?? []),
    meta: chunks.at(-1)?.usageMetadata,
    requestId: must(chunks[0]?.sdkHttpResponse?.headers?.['x-request-id']),
  };
}

type GeminiAnswer = Awaited<ReturnType<typeof geminiCall>>;

const geminiResult = ({ parts, meta, requestId }: GeminiAnswer): TurnResult => ({
  text: parts.flatMap((p) => (typeof p.text === 'string' && !p.thought ? [p.text] : [])).join(''),
  calls: parts.flatMap((p) => (p.functionCall ? [{ name: p.functionCall.name ?? '', args: p.functionCall.args }] : [])),
  usage: meta ? { input: meta.promptTokenCount ?? 0, cached: meta.cachedContentTokenCount ?? 0, output: (meta.candidatesTokenCount ?? 0) + (meta.thoughtsTokenCount ?? 0) } : undefined,
  requestId,
});

export function geminiDriver(ai: GoogleGenAI): SurfaceDriver {
  return {
    name: 'gemini',
    hello: async (model, stream) => geminiResult(await geminiCall(ai, model, [{ role: 'user', parts: [{ text: SAY_HELLO }] }], stream, false)),
    toolLoop: async (model, stream) => {
      const contents: Content[] = [{ role: 'user', parts: [{ text: ASK }] }];
      const first = await geminiCall(ai, model, contents, stream, true);
      contents.push({ role: 'model', parts: first.parts });
      contents.push({
        role: 'user',
        parts: first.parts.flatMap((p) => (p.functionCall ? [{ functionResponse: { id: p.functionCall.id, name: p.functionCall.name, response: { output: TOOL_RESULTS[p.functionCall.name ?? ''] } } }] : [])),
      });
      return [geminiResult(first), geminiResult(await geminiCall(ai, model, contents, stream, true))];
    },
  };
}

export function allDrivers(c: Clients): SurfaceDriver[] {
  return [chatDriver(c.openai), messagesDriver(c.anthropic), responsesDriver(c.openai), geminiDriver(c.genai)];
}
