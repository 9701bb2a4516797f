// The OpenAI Chat Completions request schema (POST /chat/completions), shared by the strict Azure fake
// (deployment form: no `model`) and the strict OpenAI-compatible fake. Besides the documented fields,
// it enforces the documented tool-call rules: a `tool` message must answer a tool_call of a preceding
// assistant message, and every assistant tool_call must be answered before the next non-tool message;
// stream_options only with stream: true.

import { type Spec, any, arr, bool, check, nul, num, obj, oneOf, str, tagged } from './spec.ts';
import { type Incoming, type StrictFake, type Turn, jsonContentType, noClientCredentials, startStrictFake } from './strict-server.ts';

const textPart = obj({ 'type!': str(), 'text!': str() });
const imagePart = obj({ 'type!': str(), 'image_url!': obj({ 'url!': str({ pattern: /^(https?:\/\/|data:image\/[a-z+.-]+;base64,)/ }), detail: str({ enum: ['auto', 'low', 'high'] }) }) });
const audioPart = obj({ 'type!': str(), 'input_audio!': obj({ 'data!': str(), 'format!': str({ enum: ['wav', 'mp3'] }) }) });
const userContent = oneOf(str(), arr(tagged('type', { text: textPart, image_url: imagePart, input_audio: audioPart }), 1));
const textContent = oneOf(str(), arr(tagged('type', { text: textPart }), 1));

const toolCall = obj({
  'id!': str({ nonEmpty: true }),
  'type!': str({ enum: ['function'] }),
  'function!': obj({ 'name!': str({ nonEmpty: true }), 'arguments!': str() }),
});

const message: Spec = tagged('role', {
  system: obj({ 'role!': str(), 'content!': textContent, name: str() }),
  developer: obj({ 'role!': str(), 'content!': textContent, name: str() }),
  user: obj({ 'role!': str(), 'content!': userContent, name: str() }),
  assistant: obj({
    'role!': str(), content: oneOf(textContent, nul), name: str(), refusal: oneOf(str(), nul),
    tool_calls: arr(toolCall, 1), function_call: any, audio: any,
    // Clients send the returned message back as is; the API accepts its response-only fields.
    annotations: arr(any),
  }),
  tool: obj({ 'role!': str(), 'content!': textContent, 'tool_call_id!': str({ nonEmpty: true }) }),
});

const tool = obj({
  'type!': str({ enum: ['function'] }),
  'function!': obj({ 'name!': str({ pattern: /^[a-zA-Z0-9_-]{1,64}$/ }), description: str(), parameters: obj({}, { open: true }), strict: oneOf(bool, nul) }),
});

const common: Record<string, Spec> = {
  'messages!': arr(message, 1),
  temperature: num({ min: 0, max: 2 }), top_p: num({ min: 0, max: 1 }), n: num({ int: true, min: 1 }),
  stream: oneOf(bool, nul), stream_options: oneOf(obj({ include_usage: bool, include_obfuscation: bool }), nul),
  stop: oneOf(str(), arr(str()), nul), max_tokens: num({ int: true, min: 1 }), max_completion_tokens: num({ int: true, min: 1 }),
  presence_penalty: num({ min: -2, max: 2 }), frequency_penalty: num({ min: -2, max: 2 }), logit_bias: obj({}, { open: true }),
  user: str(), seed: num({ int: true }), logprobs: oneOf(bool, nul), top_logprobs: num({ int: true, min: 0, max: 20 }),
  response_format: tagged('type', {
    text: obj({ 'type!': str() }), json_object: obj({ 'type!': str() }),
    json_schema: obj({ 'type!': str(), 'json_schema!': obj({ 'name!': str(), description: str(), schema: any, strict: oneOf(bool, nul) }) }),
  }),
  tools: arr(tool), tool_choice: oneOf(str({ enum: ['none', 'auto', 'required'] }), obj({ 'type!': str({ enum: ['function'] }), 'function!': obj({ 'name!': str() }) })),
  parallel_tool_calls: bool, function_call: any, functions: any, store: oneOf(bool, nul), metadata: obj({}, { open: true }),
  reasoning_effort: str({ enum: ['minimal', 'low', 'medium', 'high'] }), modalities: arr(str()), audio: any, prediction: any,
  service_tier: str(), prompt_cache_key: str(), safety_identifier: str(), verbosity: str(),
};

/** OpenAI's own body: `model` is required. */
export const OPENAI_CHAT_REQUEST: Spec = obj({ ...common, 'model!': str({ nonEmpty: true }) });
/** Azure deployment form (api-version 2024-10-21): the deployment names the model, so `model` is not a field; `data_sources` exists but the gateway must never forward it. */
export const AZURE_CHAT_REQUEST: Spec = obj({ ...common, user_security_context: any });

interface Msg { role: string; tool_calls?: Array<{ id: string }>; tool_call_id?: string }

export function chatSemanticProblems(body: { messages: Msg[]; stream?: unknown; stream_options?: unknown; tool_choice?: unknown; tools?: unknown; parallel_tool_calls?: unknown }): string[] {
  const problems: string[] = [];
  let open: string[] = [];
  let answerable: string[] = [];
  body.messages.forEach((m, i) => {
    if (m.role === 'tool') {
      if (!answerable.includes(m.tool_call_id ?? '')) {
        problems.push(`messages.[${i}].role: messages with role 'tool' must be a response to a preceeding message with 'tool_calls' (${m.tool_call_id})`);
      }
      open = open.filter((id) => id !== m.tool_call_id);
      return;
    }
    if (open.length > 0) {
      problems.push(`An assistant message with 'tool_calls' must be followed by tool messages responding to each 'tool_call_id'. The following tool_call_ids did not have response messages: ${open.join(', ')}`);
    }
    open = m.role === 'assistant' ? (m.tool_calls ?? []).map((c) => c.id) : [];
    answerable = [...open];
  });
  if (body.stream_options != null && body.stream !== true) problems.push('stream_options: only allowed when stream is true');
  if (body.tool_choice !== undefined && body.tools === undefined) problems.push("tool_choice: 'tool_choice' is only allowed when 'tools' are specified");
  if (body.parallel_tool_calls !== undefined && body.tools === undefined) problems.push("parallel_tool_calls: only allowed when 'tools' are specified");
  return problems;
}

export function validateChatBody(incoming: Incoming, spec: Spec): string[] {
  if (incoming.body === undefined) return ['the body is not JSON'];
  const problems = check(incoming.body, spec);
  if (problems.length === 0) problems.push(...chatSemanticProblems(incoming.body as Parameters<typeof chatSemanticProblems>[0]));
  return problems;
}

export function openAIError(status: number, message: string): Response {
  const type = status === 401 ? 'invalid_request_error' : status >= 500 ? 'server_error' : 'invalid_request_error';
  const code = status === 401 ? 'invalid_api_key' : status === 404 ? 'model_not_found' : null;
  return new Response(JSON.stringify({ error: { message, type, param: null, code } }), { status, headers: { 'content-type': 'application/json' } });
}

export interface OpenAIFakeOptions {
  apiKey: string;
  clientKey: string;
  models: string[];
  defaultTurn?: Turn;
}

/** A strict OpenAI-compatible upstream (base_url .../v1). */
export function startOpenAIFake(opts: OpenAIFakeOptions): StrictFake {
  return startStrictFake({
    name: 'openai',
    validate: (incoming) => {
      if (incoming.method !== 'POST' || incoming.url.pathname !== '/v1/chat/completions') return [`404 unknown endpoint ${incoming.method} ${incoming.url.pathname}`];
      if (incoming.headers.get('authorization') !== `Bearer ${opts.apiKey}`) return [`401 Incorrect API key provided: ${incoming.headers.get('authorization') ?? 'none'}`];
      const problems = [...jsonContentType(incoming), ...noClientCredentials(incoming, opts.clientKey), ...validateChatBody(incoming, OPENAI_CHAT_REQUEST)];
      const model = (incoming.body as { model?: string } | undefined)?.model;
      if (problems.length === 0 && !opts.models.includes(model ?? '')) return [`404 The model \`${model}\` does not exist or you do not have access to it.`];
      return problems;
    },
    errorResponse: openAIError,
    isStream: (incoming) => (incoming.body as { stream?: unknown } | undefined)?.stream === true,
    defaultTurn: opts.defaultTurn ?? { json: 'openai/conformance-text.json', sse: 'openai/conformance-text.sse' },
  });
}
