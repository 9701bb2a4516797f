// A strict fake of OpenAI's Responses API (POST /v1/responses with a Bearer key, and Azure's v1 form
// POST /openai/v1/responses with `api-key`). It validates the documented request schema and the
// stateless rules that bite a gateway: with store:false, items may not carry ids the API never stored
// (except reasoning items, which must then bring their encrypted_content), previous_response_id is
// never sent (the gateway's ids mean nothing upstream), and every function_call_output answers an
// earlier function_call. Answers come from test/fixtures/openai-responses/ (JSON or SSE).

import { type Spec, any, arr, bool, check, nul, num, obj, oneOf, str, tagged } from './spec.ts';
import { type Incoming, type StrictFake, type Turn, jsonContentType, noClientCredentials, startStrictFake } from './strict-server.ts';

const inputText = obj({ 'type!': str(), 'text!': str() });
const inputImage = obj({ 'type!': str(), image_url: str({ pattern: /^(https?:\/\/|data:image\/[a-z+.-]+;base64,)/ }), file_id: str(), detail: str({ enum: ['auto', 'low', 'high'] }) });
const outputText = obj({ 'type!': str(), 'text!': str(), annotations: arr(any), logprobs: arr(any) });
const part = tagged('type', { input_text: inputText, input_image: inputImage, output_text: outputText, refusal: obj({ 'type!': str(), 'refusal!': str() }) });
const status = str({ enum: ['in_progress', 'completed', 'incomplete'] });

const ITEMS: Record<string, Spec> = {
  message: obj({ type: str(), 'role!': str({ enum: ['user', 'assistant', 'system', 'developer'] }), 'content!': oneOf(str(), arr(part)), id: str(), status }),
  function_call: obj({ 'type!': str(), 'call_id!': str({ nonEmpty: true }), 'name!': str({ nonEmpty: true }), 'arguments!': str(), id: str(), status }),
  function_call_output: obj({ 'type!': str(), 'call_id!': str({ nonEmpty: true }), 'output!': oneOf(str(), arr(part)), id: str(), status }),
  reasoning: obj({ 'type!': str(), 'id!': str(), 'summary!': arr(obj({ 'type!': str(), 'text!': str() })), encrypted_content: oneOf(str(), nul), content: arr(any), status }),
};

const functionTool = obj({ 'type!': str(), 'name!': str({ pattern: /^[a-zA-Z0-9_-]{1,64}$/ }), description: oneOf(str(), nul), parameters: oneOf(obj({}, { open: true }), nul), strict: oneOf(bool, nul) });

export const RESPONSES_REQUEST: Spec = obj({
  'model!': str({ nonEmpty: true }),
  'input!': oneOf(str(), arr(obj({}, { open: true }))),
  instructions: oneOf(str(), nul),
  tools: arr(tagged('type', { function: functionTool, web_search: obj({ 'type!': str() }, { open: true }), web_search_preview: obj({ 'type!': str() }, { open: true }) })),
  tool_choice: oneOf(str({ enum: ['none', 'auto', 'required'] }), obj({ 'type!': str(), name: str() })),
  parallel_tool_calls: oneOf(bool, nul), max_output_tokens: oneOf(num({ int: true, min: 16 }), nul),
  temperature: oneOf(num({ min: 0, max: 2 }), nul), top_p: oneOf(num({ min: 0, max: 1 }), nul),
  text: obj({
    format: tagged('type', {
      text: obj({ 'type!': str() }), json_object: obj({ 'type!': str() }),
      json_schema: obj({ 'type!': str(), 'name!': str(), 'schema!': obj({}, { open: true }), strict: oneOf(bool, nul), description: str() }),
    }),
    verbosity: str({ enum: ['low', 'medium', 'high'] }),
  }),
  reasoning: oneOf(obj({ effort: oneOf(str({ enum: ['none', 'minimal', 'low', 'medium', 'high', 'xhigh'] }), nul), summary: oneOf(str({ enum: ['auto', 'concise', 'detailed'] }), nul) }), nul),
  metadata: oneOf(obj({}, { open: true }), nul), store: oneOf(bool, nul), stream: oneOf(bool, nul), user: str(),
  include: oneOf(arr(str({ enum: ['reasoning.encrypted_content', 'message.output_text.logprobs', 'web_search_call.action.sources'] })), nul),
  prompt_cache_key: str(), service_tier: str(), truncation: str({ enum: ['auto', 'disabled'] }), safety_identifier: str(),
});

type Item = Record<string, unknown> & { type?: string };

/** The rules the schema cannot say (see the file comment). */
export function responsesProblems(body: Record<string, unknown>): string[] {
  const problems: string[] = [];
  if ('previous_response_id' in body) problems.push('previous_response_id: the gateway must not send its own response ids upstream');
  const stateless = body.store === false;
  const items: Item[] = typeof body.input === 'string' ? [] : (body.input as Item[]);
  const calls = new Set<string>();
  items.forEach((item, i) => {
    const type = item.type ?? 'message';
    const spec = ITEMS[type];
    if (!spec) return problems.push(`input[${i}].type: "${type}" is not a supported item type here`);
    problems.push(...check(item, spec, `$.input[${i}]`));
    if (stateless && typeof item.id === 'string' && type !== 'reasoning') problems.push(`Item with id '${item.id}' not found. Items are not persisted when \`store\` is set to false.`);
    if (stateless && type === 'reasoning' && !item.encrypted_content) problems.push(`input[${i}]: reasoning item '${String(item.id)}' without encrypted_content cannot be used when store is false`);
    if (type === 'function_call') calls.add(String(item.call_id));
    if (type === 'function_call_output' && !calls.has(String(item.call_id))) problems.push(`No tool call found for function call output with call_id ${String(item.call_id)}.`);
  });
  if (body.stream !== true && 'stream_options' in body) problems.push('stream_options only with stream: true');
  return problems;
}

export interface ResponsesFakeOptions {
  apiKey: string;
  clientKey: string;
  models: string[];
  defaultTurn?: Turn;
}

function validate(incoming: Incoming, opts: ResponsesFakeOptions): string[] {
  const azure = incoming.url.pathname === '/openai/v1/responses';
  if (incoming.method !== 'POST' || (incoming.url.pathname !== '/v1/responses' && !azure)) return [`404 unknown endpoint ${incoming.method} ${incoming.url.pathname}`];
  const presented = azure ? incoming.headers.get('api-key') : incoming.headers.get('authorization');
  if (presented !== (azure ? opts.apiKey : `Bearer ${opts.apiKey}`)) return [`401 Incorrect API key provided: ${presented ?? 'none'}`];
  const problems = [...jsonContentType(incoming), ...noClientCredentials(incoming, opts.clientKey)];
  if (incoming.body === undefined) return [...problems, 'the body is not JSON'];
  problems.push(...check(incoming.body, RESPONSES_REQUEST));
  if (problems.length === 0) problems.push(...responsesProblems(incoming.body as Record<string, unknown>));
  const model = (incoming.body as { model?: string }).model;
  if (problems.length === 0 && !opts.models.includes(model ?? '')) return [`404 The model \`${model}\` does not exist or you do not have access to it.`];
  return problems;
}

export function startResponsesFake(opts: ResponsesFakeOptions): StrictFake {
  return startStrictFake({
    name: 'openai-responses',
    validate: (incoming) => validate(incoming, opts),
    errorResponse: (status, message) => new Response(JSON.stringify({ error: { message, type: 'invalid_request_error', param: null, code: status === 401 ? 'invalid_api_key' : null } }), { status, headers: { 'content-type': 'application/json' } }),
    isStream: (incoming) => (incoming.body as { stream?: unknown } | undefined)?.stream === true,
    defaultTurn: opts.defaultTurn ?? { json: 'openai-responses/conformance-text.json', sse: 'openai-responses/conformance-text.sse' },
  });
}
