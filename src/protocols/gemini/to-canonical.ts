// Inbound Gemini request (models.generateContent / streamGenerateContent / countTokens, as @google/genai
// and Gemini CLI send it) → canonical chat request. Pure; a malformed body is a 400 naming the field.
//
// Translation notes:
// - systemInstruction → a system message; contents[] role user/model → user/assistant messages.
// - Parts: text → text; inlineData image/* → image_url data URL; fileData → image_url (URI); thought parts
//   (thought: true) of "model" turns → that turn's `reasoning_content` (their texts joined), so vendors
//   whose thinking models want the reasoning of tool-call turns back (DeepSeek, Kimi) get it; a client
//   gets thought parts only with thinkingConfig.includeThoughts, so without it there is nothing to carry;
//   thought parts of user turns are dropped; functionCall (model turns) → assistant
//   tool_calls, their thoughtSignature carried in extra_content.google so a Gemini upstream gets it back;
//   functionResponse (user turns) → tool messages. Gemini calls often have no id: the gateway numbers
//   them `call_<turn>_<part>` and matches each functionResponse to the earliest unanswered call of the
//   same name (or its id when the client sent one), so parallel calls and their results stay paired.
// - tools[].functionDeclarations → function tools (Gemini Schema → JSON Schema); built-in tools
//   (googleSearch, codeExecution, urlContext, ...) are refused: another provider cannot run them.
// - toolConfig.functionCallingConfig AUTO/ANY/NONE (+ one allowed name) → tool_choice.
// - generationConfig: maxOutputTokens, temperature, topP, stopSequences, candidateCount, seed,
//   presencePenalty, frequencyPenalty, responseMimeType + responseSchema/responseJsonSchema → the
//   OpenAI fields; thinkingConfig (checked: only includeThoughts, thinkingBudget -1..N, thinkingLevel) →
//   `gemini_thinking`, which only Gemini upstreams get (src/contracts/gemini-thinking.ts); topK,
//   safetySettings and labels are provider hints and are dropped.

import { errors, parseGeminiThinking } from '../../contracts/index.ts';
import type { ChatMessage, ChatRequest, ContentPart, JsonObject, JsonValue, ToolCall, ToolChoice, ToolDefinition } from '../../contracts/index.ts';
import { jsonSchemaFromGemini } from './schema.ts';

type Obj = Record<string, JsonValue>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

function bad(param: string, message: string): never {
  throw errors.invalidValue(param, `Invalid request to the gateway's Gemini API: ${message}.`);
}

/** A generateContent body (the model comes from the URL) → canonical ChatRequest. */
export function geminiToCanonical(body: unknown, model: string, stream: boolean): ChatRequest {
  if (!isObj(body)) bad('body', 'the request body must be a JSON object');
  const messages: ChatMessage[] = [];
  if (body.systemInstruction !== undefined && body.systemInstruction !== null) {
    const text = textOf(body.systemInstruction, 'systemInstruction');
    if (text) messages.push({ role: 'system', content: text });
  }
  if (!Array.isArray(body.contents) || body.contents.length === 0) bad('contents', '`contents` must be a non-empty array of {role, parts}');
  messages.push(...contentsToMessages(body.contents));
  const request: ChatRequest = { model, messages };
  if (stream) request.stream = true;
  const tools = toolsOf(body.tools);
  if (tools.length) request.tools = tools;
  const choice = toolChoiceOf(body.toolConfig);
  if (choice !== undefined && tools.length) request.tool_choice = choice;
  applyGenerationConfig(request, body.generationConfig);
  return request;
}

/** A countTokens body ({contents} or {generateContentRequest}) → canonical messages to count. */
export function countTokensMessages(body: unknown, model: string): ChatMessage[] {
  if (!isObj(body)) bad('body', 'the request body must be a JSON object');
  if (isObj(body.generateContentRequest)) return geminiToCanonical(body.generateContentRequest, model, false).messages;
  if (!Array.isArray(body.contents)) bad('contents', '`contents` must be an array of {role, parts}');
  return contentsToMessages(body.contents);
}

function textOf(content: JsonValue, param: string): string {
  if (typeof content === 'string') return content;
  if (!isObj(content) || !Array.isArray(content.parts)) bad(param, `\`${param}\` must be {parts: [{text}]}`);
  return content.parts.map((p, i) => {
    if (!isObj(p) || typeof p.text !== 'string') bad(`${param}.parts[${i}]`, 'only text parts are allowed here');
    return p.text;
  }).join('\n');
}

function contentsToMessages(contents: JsonValue[]): ChatMessage[] {
  const messages: ChatMessage[] = [];
  const pending: ToolCall[] = []; // calls not yet answered, oldest first
  contents.forEach((content, turn) => {
    const param = `contents[${turn}]`;
    if (!isObj(content) || !Array.isArray(content.parts)) bad(param, 'each content must be {role, parts: [...]}');
    const role = content.role ?? 'user';
    if (role !== 'user' && role !== 'model' && role !== 'function') bad(`${param}.role`, '`role` must be "user" or "model"');
    const parts: ContentPart[] = [];
    const calls: ToolCall[] = [];
    let thought = '';
    content.parts.forEach((part, index) => {
      const p = `${param}.parts[${index}]`;
      if (!isObj(part)) bad(p, 'each part must be an object');
      if (part.thought === true) {
        if (role === 'model' && typeof part.text === 'string') thought += part.text;
        return;
      }
      if (part.text !== undefined && typeof part.text !== 'string') bad(`${p}.text`, `\`${p}.text\` must be a string`);
      if (typeof part.text === 'string') parts.push({ type: 'text', text: part.text });
      else if (isObj(part.inlineData)) parts.push(mediaPart(part.inlineData, p, true));
      else if (isObj(part.fileData)) parts.push(mediaPart(part.fileData, p, false));
      else if (isObj(part.functionCall)) {
        if (role !== 'model') bad(p, 'functionCall parts belong in "model" turns');
        calls.push(functionCall(part, turn, index, p));
      } else if (isObj(part.functionResponse)) {
        if (role === 'model') bad(p, 'functionResponse parts belong in "user" turns');
        messages.push(functionResponse(part.functionResponse, pending, p));
      } else bad(p, `unsupported part (${Object.keys(part).join(', ') || 'empty'}); the gateway accepts text, inlineData, fileData, functionCall and functionResponse`);
    });
    if (role === 'model') {
      if (!parts.length && !calls.length) return;
      const msg: ChatMessage = { role: 'assistant', content: parts.length ? joinText(parts) : null };
      if (thought) msg.reasoning_content = thought;
      if (calls.length) {
        msg.tool_calls = calls;
        pending.push(...calls);
      }
      messages.push(msg);
    } else if (parts.length) {
      messages.push({ role: 'user', content: parts.every((x) => x.type === 'text') ? joinText(parts) : parts });
    }
  });
  return messages;
}

function joinText(parts: ContentPart[]): string {
  return parts.map((p) => (p.type === 'text' ? (p as { text: string }).text : '')).join('');
}

function mediaPart(blob: Obj, param: string, inline: boolean): ContentPart {
  const mime = typeof blob.mimeType === 'string' ? blob.mimeType : '';
  if (inline) {
    if (!mime.startsWith('image/') || typeof blob.data !== 'string') bad(`${param}.inlineData`, 'only inline images ({mimeType: "image/...", data: base64}) can be sent through the gateway');
    return { type: 'image_url', image_url: { url: `data:${mime};base64,${blob.data}` } };
  }
  if (typeof blob.fileUri !== 'string' || (mime && !mime.startsWith('image/'))) bad(`${param}.fileData`, 'only image files ({mimeType: "image/...", fileUri}) can be sent through the gateway');
  return { type: 'image_url', image_url: { url: blob.fileUri } };
}

function functionCall(part: Obj, turn: number, index: number, param: string): ToolCall {
  const fc = part.functionCall as Obj;
  if (typeof fc.name !== 'string' || !fc.name) bad(`${param}.functionCall.name`, 'a functionCall needs a name');
  if (fc.args !== undefined && !isObj(fc.args)) bad(`${param}.functionCall.args`, '`args` must be an object');
  const call: ToolCall = {
    id: typeof fc.id === 'string' && fc.id ? fc.id : `call_${turn}_${index}`,
    type: 'function',
    function: { name: fc.name, arguments: JSON.stringify(fc.args ?? {}) },
  };
  if (typeof part.thoughtSignature === 'string') call.extra_content = { google: { thoughtSignature: part.thoughtSignature } };
  return call;
}

function functionResponse(fr: Obj, pending: ToolCall[], param: string): ChatMessage {
  if (typeof fr.name !== 'string' || !fr.name) bad(`${param}.functionResponse.name`, 'a functionResponse needs the name of the function it answers');
  const byId = typeof fr.id === 'string' ? pending.findIndex((c) => c.id === fr.id) : -1;
  const at = byId >= 0 ? byId : pending.findIndex((c) => c.function.name === fr.name);
  if (at < 0) bad(param, `functionResponse "${fr.name}" answers no earlier functionCall of that name in a "model" turn`);
  const [call] = pending.splice(at, 1);
  const response = fr.response ?? {};
  return { role: 'tool', tool_call_id: call.id, content: typeof response === 'string' ? response : JSON.stringify(response) };
}

const BUILT_IN_TOOLS = ['googleSearch', 'googleSearchRetrieval', 'codeExecution', 'urlContext', 'retrieval', 'computerUse', 'fileSearch', 'googleMaps'];

function toolsOf(tools: JsonValue | undefined): ToolDefinition[] {
  if (tools === undefined || tools === null) return [];
  if (!Array.isArray(tools)) bad('tools', '`tools` must be an array');
  const out: ToolDefinition[] = [];
  tools.forEach((tool, i) => {
    if (!isObj(tool)) bad(`tools[${i}]`, 'each tool must be an object');
    const builtIn = BUILT_IN_TOOLS.find((name) => tool[name] !== undefined);
    if (builtIn) bad(`tools[${i}].${builtIn}`, `the built-in tool "${builtIn}" runs inside Google's service and cannot be offered through the gateway; declare functionDeclarations instead`);
    const decls = tool.functionDeclarations ?? [];
    if (!Array.isArray(decls)) bad(`tools[${i}].functionDeclarations`, '`functionDeclarations` must be an array');
    decls.forEach((d, j) => {
      if (!isObj(d) || typeof d.name !== 'string') bad(`tools[${i}].functionDeclarations[${j}]`, 'each declaration needs a name');
      const fn: ToolDefinition['function'] = { name: d.name };
      if (typeof d.description === 'string') fn.description = d.description;
      if (isObj(d.parametersJsonSchema)) fn.parameters = d.parametersJsonSchema;
      else if (isObj(d.parameters)) fn.parameters = jsonSchemaFromGemini(d.parameters);
      out.push({ type: 'function', function: fn });
    });
  });
  return out;
}

function toolChoiceOf(config: JsonValue | undefined): ToolChoice | undefined {
  if (!isObj(config) || !isObj(config.functionCallingConfig)) return undefined;
  const { mode, allowedFunctionNames: names } = config.functionCallingConfig;
  if (mode === 'NONE') return 'none';
  if (mode === 'ANY' || mode === 'VALIDATED') {
    if (Array.isArray(names) && names.length === 1 && typeof names[0] === 'string') return { type: 'function', function: { name: names[0] } };
    return 'required';
  }
  return mode === 'AUTO' ? 'auto' : undefined;
}

function applyGenerationConfig(request: ChatRequest, config: JsonValue | undefined): void {
  if (config === undefined || config === null) return;
  if (!isObj(config)) bad('generationConfig', '`generationConfig` must be an object');
  // `max`: Gemini's documented upper bound (temperature 0..2, topP 0..1).
  const num = (field: string, integer: boolean, max = Number.MAX_SAFE_INTEGER): number | undefined => {
    const v = config[field];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'number' || !(v >= 0 && v <= max) || (integer && !Number.isInteger(v))) {
      bad(`generationConfig.${field}`, max < Number.MAX_SAFE_INTEGER ? `\`${field}\` must be a number from 0 to ${max}` : `\`${field}\` must be a non-negative ${integer ? 'integer' : 'number'}`);
    }
    return v;
  };
  const max = num('maxOutputTokens', true);
  if (max) request.max_tokens = max;
  const temperature = num('temperature', false, 2);
  if (temperature !== undefined) request.temperature = temperature;
  const topP = num('topP', false, 1);
  if (topP !== undefined) request.top_p = topP;
  const n = num('candidateCount', true);
  if (n && n > 1) request.n = n;
  const seed = num('seed', true);
  if (seed !== undefined) request.seed = seed;
  for (const [from, to] of [['presencePenalty', 'presence_penalty'], ['frequencyPenalty', 'frequency_penalty']] as const) {
    const v = config[from];
    if (typeof v === 'number' && Number.isFinite(v)) request[to] = v;
  }
  const stop = config.stopSequences;
  if (stop !== undefined && stop !== null) {
    if (!Array.isArray(stop) || !stop.every((s) => typeof s === 'string')) bad('generationConfig.stopSequences', '`stopSequences` must be an array of strings');
    if (stop.length) request.stop = stop as string[];
  }
  const thinking = parseGeminiThinking(config.thinkingConfig);
  if (typeof thinking === 'string') bad('generationConfig.thinkingConfig', thinking);
  if (thinking) request.gemini_thinking = thinking;
  if (config.responseMimeType === 'application/json') {
    const schema: JsonObject | undefined = isObj(config.responseJsonSchema) ? config.responseJsonSchema : isObj(config.responseSchema) ? jsonSchemaFromGemini(config.responseSchema) : undefined;
    request.response_format = schema
      ? { type: 'json_schema', json_schema: { name: 'response', schema } }
      : { type: 'json_object' };
  }
}
