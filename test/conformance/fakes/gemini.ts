// A strict fake of the Gemini API (v1beta models.generateContent and models.streamGenerateContent with
// alt=sse), built from the REST reference: GenerateContentRequest's documented fields, Part with exactly
// one data field, the OpenAPI-subset Schema for function parameters (anything else is "Unknown name"),
// the key only in the x-goog-api-key header (a `key` query parameter fails the test: keys in URLs leak
// into logs), and the function-calling rules of the docs: a functionResponse per functionCall of the
// previous model turn, and every thoughtSignature the fake issued sent back on its functionCall part
// exactly as received. On a thinking model (Gemini 3 and later) the first functionCall part of every
// model step in the current turn (after the last user content that is not only function responses)
// must carry a signature, as real Gemini 3 enforces; Google's documented placeholder
// `skip_thought_signature_validator` passes that check and is recorded in `bypassedSignatures`, so a
// test can tell a real signature that survived from one the gateway had to replace. Errors use
// google.rpc.Status JSON.

import { type Spec, any, arr, bool, check, isBase64, num, obj, str } from './spec.ts';
import { type Incoming, type StrictFake, type Turn, jsonContentType, noClientCredentials, startStrictFake } from './strict-server.ts';

const DATA_FIELDS = ['text', 'inlineData', 'fileData', 'functionCall', 'functionResponse', 'executableCode', 'codeExecutionResult'];

const part = obj({
  text: str(),
  inlineData: obj({ 'mimeType!': str({ nonEmpty: true }), 'data!': str({ nonEmpty: true }) }),
  fileData: obj({ mimeType: str(), 'fileUri!': str({ nonEmpty: true }) }),
  functionCall: obj({ id: str(), 'name!': str({ pattern: /^[a-zA-Z_][a-zA-Z0-9_.:-]{0,127}$/ }), args: obj({}, { open: true }) }),
  functionResponse: obj({ id: str(), 'name!': str({ nonEmpty: true }), 'response!': obj({}, { open: true }), willContinue: bool, scheduling: str() }),
  executableCode: any,
  codeExecutionResult: any,
  thought: bool,
  thoughtSignature: str({ nonEmpty: true }),
  videoMetadata: any,
  partMetadata: any,
});

const content = obj({ 'role!': str({ enum: ['user', 'model'] }), 'parts!': arr(part, 1) });

/** Schema: "a select subset of an OpenAPI 3.0 schema object" (v1beta reference). */
const SCHEMA_FIELDS = [
  'type', 'format', 'title', 'description', 'nullable', 'enum', 'maxItems', 'minItems', 'properties', 'required',
  'minProperties', 'maxProperties', 'minLength', 'maxLength', 'pattern', 'example', 'anyOf', 'propertyOrdering',
  'default', 'items', 'minimum', 'maximum',
];
const SCHEMA_TYPES = ['STRING', 'NUMBER', 'INTEGER', 'BOOLEAN', 'ARRAY', 'OBJECT', 'NULL'];

function schemaProblems(schema: unknown, path: string, out: string[]): string[] {
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) {
    out.push(`${path}: a Schema must be an object`);
    return out;
  }
  for (const [key, value] of Object.entries(schema as Record<string, unknown>)) {
    if (!SCHEMA_FIELDS.includes(key)) {
      out.push(`Invalid JSON payload received. Unknown name "${key}" at '${path}': Cannot find field.`);
      continue;
    }
    if (key === 'type' && (typeof value !== 'string' || !SCHEMA_TYPES.includes(value.toUpperCase()))) out.push(`${path}.type: invalid type ${JSON.stringify(value)}`);
    if (key === 'properties' && value && typeof value === 'object') {
      for (const [name, child] of Object.entries(value)) schemaProblems(child, `${path}.properties[${name}]`, out);
    }
    if (key === 'items') schemaProblems(value, `${path}.items`, out);
    if (key === 'anyOf' && Array.isArray(value)) value.forEach((child, i) => schemaProblems(child, `${path}.anyOf[${i}]`, out));
  }
  const s = schema as { type?: string; properties?: object };
  if (typeof s.type === 'string' && s.type.toUpperCase() === 'OBJECT' && s.properties && Object.keys(s.properties).length === 0) {
    out.push(`${path}.properties: should be non-empty for OBJECT type`);
  }
  return out;
}

const generationConfig = obj({
  stopSequences: arr(str(), 0), responseMimeType: str({ enum: ['text/plain', 'application/json', 'text/x.enum'] }),
  responseSchema: any, responseJsonSchema: any, responseModalities: arr(str()), candidateCount: num({ int: true, min: 1 }),
  maxOutputTokens: num({ int: true, min: 1 }), temperature: num({ min: 0, max: 2 }), topP: num({ min: 0, max: 1 }),
  topK: num({ int: true, min: 1 }), seed: num({ int: true }), presencePenalty: num(), frequencyPenalty: num(),
  responseLogprobs: bool, logprobs: num({ int: true }), enableEnhancedCivicAnswers: bool, speechConfig: any,
  thinkingConfig: obj({ includeThoughts: bool, thinkingBudget: num({ int: true }), thinkingLevel: str() }),
  imageConfig: any, mediaResolution: str(),
});

/** GenerateContentRequest (the model is in the path). */
export const GENERATE_CONTENT_REQUEST: Spec = obj({
  'contents!': arr(content, 1),
  systemInstruction: obj({ role: str(), 'parts!': arr(obj({ 'text!': str({ nonEmpty: true }) }), 1) }),
  tools: arr(obj({
    functionDeclarations: arr(obj({ 'name!': str({ pattern: /^[a-zA-Z_][a-zA-Z0-9_.:-]{0,63}$/ }), description: str(), parameters: any, parametersJsonSchema: any, response: any, responseJsonSchema: any, behavior: str() }), 1),
    googleSearch: any, codeExecution: any, urlContext: any, googleSearchRetrieval: any,
  })),
  toolConfig: obj({ 'functionCallingConfig!': obj({ 'mode!': str({ enum: ['AUTO', 'ANY', 'NONE', 'VALIDATED'] }), allowedFunctionNames: arr(str(), 1) }) }),
  safetySettings: arr(obj({ 'category!': str(), 'threshold!': str() })),
  generationConfig,
  cachedContent: str(),
});

interface GPart { text?: string; functionCall?: { name: string; args?: object }; functionResponse?: { name: string }; thoughtSignature?: string; inlineData?: { data: string } }
interface GContent { role: string; parts: GPart[] }

const callKey = (call: { name: string; args?: object }) => `${call.name}:${JSON.stringify(call.args ?? {})}`;

export interface GeminiFakeOptions {
  apiKey: string;
  clientKey: string;
  /** Model ids the fake serves (others → 404). */
  models: string[];
  defaultTurn?: Turn;
}

export interface GeminiFake extends StrictFake {
  /** functionCall (name:args) → thoughtSignature, for every signature the fake has sent. */
  readonly issuedSignatures: Map<string, string>;
  /** functionCall (name:args) sent back with the placeholder instead of a signature. */
  readonly bypassedSignatures: string[];
}

const SKIP_SIGNATURE = 'skip_thought_signature_validator';

/** Gemini 3 and later validate thought signatures on function calls. */
const isThinkingModel = (model: string) => Number(/^gemini-(\d+)/.exec(model)?.[1] ?? 0) >= 3;

/** Index of the first content of the current turn: after the last user content that is not only function responses. */
function currentTurnStart(contents: GContent[]): number {
  for (let i = contents.length - 1; i >= 0; i--) {
    if (contents[i].role === 'user' && contents[i].parts.some((p) => !p.functionResponse)) return i + 1;
  }
  return 0;
}

function semanticProblems(body: { contents: GContent[]; tools?: Array<{ functionDeclarations?: Array<{ parameters?: unknown }> }>; toolConfig?: unknown; generationConfig?: { responseSchema?: unknown } }, issued: Map<string, string>, model: string, bypassed: string[]): string[] {
  const problems: string[] = [];
  if (isThinkingModel(model)) {
    const start = currentTurnStart(body.contents);
    body.contents.forEach((c, i) => {
      const first = c.role === 'model' && i >= start ? c.parts.findIndex((p) => p.functionCall) : -1;
      if (first >= 0 && !c.parts[first].thoughtSignature) {
        problems.push(`Function call is missing a thought_signature in functionCall parts. This is required for tools to work correctly, and missing thought_signature may lead to degraded model performance. Additional data, function call \`default_api:${c.parts[first].functionCall!.name}\` , position ${first + 1} (contents[${i}]).`);
      }
    });
  }
  body.contents.forEach((c, i) => {
    c.parts.forEach((p, j) => {
      const data = DATA_FIELDS.filter((f) => (p as Record<string, unknown>)[f] !== undefined);
      if (data.length !== 1) problems.push(`contents[${i}].parts[${j}]: a Part needs exactly one data field (has ${data.join(', ') || 'none'})`);
      if (p.inlineData && !isBase64(p.inlineData.data)) problems.push(`contents[${i}].parts[${j}].inlineData.data: not valid base64`);
      if (p.functionCall && c.role !== 'model') problems.push(`contents[${i}].parts[${j}]: functionCall parts belong to role "model"`);
      if (p.functionResponse && c.role !== 'user') problems.push(`contents[${i}].parts[${j}]: functionResponse parts belong to role "user"`);
      if (p.functionCall && p.thoughtSignature === SKIP_SIGNATURE) bypassed.push(callKey(p.functionCall));
      else if (p.functionCall) {
        const expected = issued.get(callKey(p.functionCall));
        if (expected !== undefined && p.thoughtSignature !== expected) {
          problems.push(`Function call is missing a thought_signature in functionCall parts (contents[${i}].parts[${j}] ${p.functionCall.name}: expected "${expected}", got ${JSON.stringify(p.thoughtSignature ?? null)})`);
        }
      }
    });
    const calls = c.role === 'model' ? c.parts.filter((p) => p.functionCall) : [];
    if (calls.length > 0 && i + 1 < body.contents.length) {
      const responses = body.contents[i + 1].parts.filter((p) => p.functionResponse);
      if (responses.length !== calls.length) {
        problems.push(`Please ensure that the number of function response parts (${responses.length}) is equal to the number of function call parts of the function call turn (${calls.length}) (contents[${i + 1}])`);
      }
      const names = calls.map((p) => p.functionCall!.name).sort().join(',');
      const answered = responses.map((p) => p.functionResponse!.name).sort().join(',');
      if (names !== answered) problems.push(`contents[${i + 1}]: function responses (${answered}) do not answer the calls (${names})`);
    }
  });
  (body.tools ?? []).forEach((t, i) => (t.functionDeclarations ?? []).forEach((d, j) => {
    if (d.parameters !== undefined) schemaProblems(d.parameters, `tools[${i}].function_declarations[${j}].parameters`, problems);
  }));
  if (body.generationConfig?.responseSchema !== undefined) schemaProblems(body.generationConfig.responseSchema, 'generation_config.response_schema', problems);
  if (body.toolConfig !== undefined && body.tools === undefined) problems.push('toolConfig without tools');
  // Google refuses a budget and a level together, and budgets below -1 (dynamic).
  const thinking = (body.generationConfig as { thinkingConfig?: { thinkingBudget?: number; thinkingLevel?: string } } | undefined)?.thinkingConfig;
  if (thinking?.thinkingBudget !== undefined && thinking.thinkingLevel !== undefined) problems.push('You can only set only one of thinking budget and thinking level.');
  if (thinking?.thinkingBudget !== undefined && thinking.thinkingBudget < -1) problems.push(`generation_config.thinking_config.thinking_budget: ${thinking.thinkingBudget} is out of range`);
  return problems;
}

export function validateGemini(incoming: Incoming, opts: GeminiFakeOptions, issued: Map<string, string>, bypassed: string[] = []): string[] {
  const problems: string[] = [];
  if (incoming.url.searchParams.has('key')) problems.push('the API key must not be sent in the URL (?key=); use the x-goog-api-key header');
  const match = /^\/v1beta\/models\/([^/:]+):(generateContent|streamGenerateContent)$/.exec(incoming.url.pathname);
  if (incoming.method !== 'POST' || !match) return [...problems, `404 unknown endpoint ${incoming.method} ${incoming.url.pathname}`];
  const key = incoming.headers.get('x-goog-api-key');
  if (key !== opts.apiKey) return [...problems, `401 API key not valid. Please pass a valid API key. (got ${key ?? 'none'})`];
  if (!opts.models.includes(decodeURIComponent(match[1]))) return [`404 models/${match[1]} is not found for API version v1beta`];
  if (incoming.headers.has('authorization')) problems.push('authorization header must not be sent with x-goog-api-key');
  const streaming = match[2] === 'streamGenerateContent';
  const alt = incoming.url.searchParams.get('alt');
  if (streaming && alt !== 'sse') problems.push('streamGenerateContent without alt=sse answers a JSON array, not SSE');
  if (!streaming && incoming.url.search) problems.push(`unexpected query string ${incoming.url.search}`);
  problems.push(...jsonContentType(incoming), ...noClientCredentials(incoming, opts.clientKey));
  if (incoming.body === undefined) return [...problems, 'the body is not JSON'];
  problems.push(...check(incoming.body, GENERATE_CONTENT_REQUEST));
  if (problems.length === 0) problems.push(...semanticProblems(incoming.body as Parameters<typeof semanticProblems>[0], issued, decodeURIComponent(match[1]), bypassed));
  return problems;
}

export function geminiError(status: number, message: string): Response {
  const statusName = status === 401 ? 'UNAUTHENTICATED' : status === 404 ? 'NOT_FOUND' : status >= 500 ? 'INTERNAL' : 'INVALID_ARGUMENT';
  // Google reports a bad key as 400 INVALID_ARGUMENT with reason API_KEY_INVALID.
  const code = status === 401 ? 400 : status;
  const details = status === 401 ? [{ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'API_KEY_INVALID', domain: 'googleapis.com' }] : [];
  return new Response(JSON.stringify({ error: { code, message, status: status === 401 ? 'INVALID_ARGUMENT' : statusName, details } }), {
    status: code,
    headers: { 'content-type': 'application/json; charset=UTF-8' },
  });
}

/** Records every functionCall thoughtSignature found in a served body (JSON or SSE). */
function rememberSignatures(text: string, issued: Map<string, string>): void {
  const bodies = text.includes('data:')
    ? text.split(/\r?\n/).filter((l) => l.startsWith('data:')).map((l) => l.slice(5).trim())
    : [text];
  for (const raw of bodies) {
    let body: { candidates?: Array<{ content?: { parts?: GPart[] } }> };
    try {
      body = JSON.parse(raw);
    } catch {
      continue;
    }
    for (const p of body.candidates?.[0]?.content?.parts ?? []) {
      if (p.functionCall && p.thoughtSignature) issued.set(callKey(p.functionCall), p.thoughtSignature);
    }
  }
}

export function startGeminiFake(opts: GeminiFakeOptions): GeminiFake {
  const issued = new Map<string, string>();
  const bypassed: string[] = [];
  const fake = startStrictFake({
    name: 'gemini',
    validate: (incoming) => validateGemini(incoming, opts, issued, bypassed),
    errorResponse: geminiError,
    isStream: (incoming) => incoming.url.pathname.endsWith(':streamGenerateContent'),
    onServe: (text) => rememberSignatures(text, issued),
    defaultTurn: opts.defaultTurn ?? { json: 'gemini/conformance-text.json', sse: 'gemini/conformance-text.sse' },
  });
  const reset = fake.reset;
  return Object.assign(fake, {
    issuedSignatures: issued,
    bypassedSignatures: bypassed,
    reset: () => {
      reset();
      issued.clear();
      bypassed.length = 0;
    },
  });
}

