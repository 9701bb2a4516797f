// A strict fake of Cohere's API v2 (POST /v2/chat, POST /v2/embed), from the API reference: the
// documented request fields only (an OpenAI-only field such as top_p, stop or tool_choice "auto" is
// rejected, as Cohere rejects unknown fields), messages by role, tools as {type: function, function:
// {name, description, parameters}}, every tool message answering a tool call of an earlier assistant
// message, embeddings with a required input_type. The key is a Bearer header. Errors use Cohere's
// {"id", "message"} body.

import { type Spec, any, arr, bool, check, num, obj, oneOf, str, tagged } from './spec.ts';
import { type Incoming, type StrictFake, type Turn, jsonContentType, noClientCredentials, startStrictFake } from './strict-server.ts';

const textPart = obj({ 'type!': str(), 'text!': str() });
const imagePart = obj({ 'type!': str(), 'image_url!': obj({ 'url!': str({ pattern: /^(https?:\/\/|data:image\/)/ }), detail: str() }) });
const documentPart = obj({ 'type!': str(), 'document!': obj({ 'data!': any, id: str() }) });
const toolCall = obj({ 'id!': str({ nonEmpty: true }), 'type!': str({ enum: ['function'] }), 'function!': obj({ 'name!': str({ nonEmpty: true }), 'arguments!': str() }) });

const message: Spec = tagged('role', {
  system: obj({ 'role!': str(), 'content!': oneOf(str(), arr(textPart, 1)) }),
  user: obj({ 'role!': str(), 'content!': oneOf(str(), arr(tagged('type', { text: textPart, image_url: imagePart, document: documentPart }), 1)) }),
  assistant: obj({ 'role!': str(), content: oneOf(str(), arr(tagged('type', { text: textPart }), 1)), tool_plan: str(), tool_calls: arr(toolCall, 1), citations: arr(any) }),
  tool: obj({ 'role!': str(), 'tool_call_id!': str({ nonEmpty: true }), 'content!': oneOf(str(), arr(tagged('type', { text: textPart, document: documentPart }), 1)) }),
});

export const COHERE_CHAT_REQUEST: Spec = obj({
  'model!': str({ nonEmpty: true }), 'messages!': arr(message, 1), stream: bool,
  tools: arr(obj({ 'type!': str({ enum: ['function'] }), 'function!': obj({ 'name!': str({ pattern: /^[a-zA-Z0-9_-]{1,64}$/ }), description: str(), 'parameters!': obj({}, { open: true }) }) })),
  tool_choice: str({ enum: ['REQUIRED', 'NONE'] }), strict_tools: bool, documents: arr(any), citation_options: any,
  response_format: tagged('type', { text: obj({ 'type!': str() }), json_object: obj({ 'type!': str(), json_schema: obj({}, { open: true }) }) }),
  safety_mode: str({ enum: ['CONTEXTUAL', 'STRICT', 'OFF'] }), max_tokens: num({ int: true, min: 1 }), stop_sequences: arr(str()),
  temperature: num({ min: 0 }), seed: num({ int: true }), frequency_penalty: num({ min: 0, max: 1 }), presence_penalty: num({ min: 0, max: 1 }),
  k: num({ int: true, min: 0, max: 500 }), p: num({ min: 0.01, max: 0.99 }), logprobs: bool, thinking: any, priority: num({ int: true }),
});

export const COHERE_EMBED_REQUEST: Spec = obj({
  'model!': str({ nonEmpty: true }), texts: arr(str(), 1), images: arr(str()), inputs: arr(any),
  'input_type!': str({ enum: ['search_document', 'search_query', 'classification', 'clustering', 'image'] }),
  embedding_types: arr(str({ enum: ['float', 'int8', 'uint8', 'binary', 'ubinary', 'base64'] }), 1),
  output_dimension: num({ int: true }), max_tokens: num({ int: true }), truncate: str({ enum: ['NONE', 'START', 'END'] }), priority: num({ int: true }),
});

function toolProblems(body: { messages: Array<{ role: string; tool_calls?: Array<{ id: string }>; tool_call_id?: string }> }): string[] {
  const issued = new Set<string>();
  const problems: string[] = [];
  body.messages.forEach((m, i) => {
    for (const c of m.tool_calls ?? []) issued.add(c.id);
    if (m.role === 'tool' && !issued.has(m.tool_call_id ?? '')) problems.push(`messages[${i}]: tool_call_id ${m.tool_call_id} answers no earlier tool call`);
  });
  return problems;
}

export function cohereError(status: number, message: string): Response {
  return new Response(JSON.stringify({ id: 'err-3f1b', message }), { status, headers: { 'content-type': 'application/json' } });
}

export function startCohereFake(opts: { apiKey: string; clientKey: string; models: string[]; defaultTurn?: Turn }): StrictFake {
  return startStrictFake({
    name: 'cohere',
    validate: (incoming: Incoming) => {
      const path = incoming.url.pathname;
      if (incoming.method !== 'POST' || (path !== '/v2/chat' && path !== '/v2/embed')) return [`404 unknown endpoint ${incoming.method} ${path}`];
      if (incoming.headers.get('authorization') !== `Bearer ${opts.apiKey}`) return ['401 invalid api token'];
      if (incoming.body === undefined) return ['the body is not JSON'];
      const problems = [...jsonContentType(incoming), ...noClientCredentials(incoming, opts.clientKey), ...(incoming.url.search ? ['no query parameters expected'] : [])];
      problems.push(...check(incoming.body, path === '/v2/chat' ? COHERE_CHAT_REQUEST : COHERE_EMBED_REQUEST));
      if (path === '/v2/chat' && problems.length === 0) problems.push(...toolProblems(incoming.body as Parameters<typeof toolProblems>[0]));
      const model = (incoming.body as { model?: string }).model;
      if (problems.length === 0 && !opts.models.includes(model ?? '')) return [`404 model '${model}' not found, make sure the correct model ID was used and that you have access to the model.`];
      return problems;
    },
    errorResponse: cohereError,
    isStream: (incoming) => (incoming.body as { stream?: unknown } | undefined)?.stream === true,
    defaultTurn: opts.defaultTurn ?? { json: 'cohere/conformance-text.json', sse: 'cohere/conformance-text.sse' },
  });
}
