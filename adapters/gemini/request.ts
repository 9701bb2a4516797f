// Canonical chat request → Gemini generateContent / streamGenerateContent?alt=sse request.
// generationConfig: temperature, top_p → topP, max_completion_tokens | max_tokens →
// maxOutputTokens, stop → stopSequences, seed, presence/frequency penalties; response_format
// json_object → responseMimeType application/json, json_schema → + responseSchema (converted to the
// Gemini Schema subset, see schema.ts). tools → functionDeclarations; tool_choice →
// toolConfig.functionCallingConfig (auto AUTO, none NONE, required ANY, named ANY + allowedFunctionNames).
// thinkingConfig: a Gemini-surface client's own (`gemini_thinking`, src/contracts/gemini-thinking.ts) as sent,
// else OpenAI's reasoning_effort mapped below. An optional `safety_settings` list in the provider block is sent as safetySettings. Gemini 3 function
// calls of the current turn that have no thought signature get Google's placeholder (signatures.ts).

import {
  errors, type AdapterRequest, type ChatRequest, type JsonObject, type JsonValue, type ProviderView,
  type ToolChoice, type ToolDefinition, type UpstreamRequest,
} from '../../src/contracts/index.ts';
import { geminiHeaders, modelUrl } from './endpoint.ts';
import { toGeminiConversation } from './messages.ts';
import { fillMissingSignatures } from './signatures.ts';
import { toGeminiParameters, toGeminiSchema } from './schema.ts';
import type {
  GeminiGenerateContentRequest, GeminiGenerationConfig, GeminiSafetySetting, GeminiTool, GeminiToolConfig,
} from './wire-types.ts';

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function num(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

/**
 * OpenAI's reasoning_effort in Gemini's terms (as Google's own OpenAI-compatible endpoint maps it):
 * Gemini 2.x takes a token budget (minimal/low 1024, medium 8192, high 24576), later models a level
 * (minimal/low → low, medium/high → high).
 */
function thinkingConfig(effort: unknown, model: string): GeminiGenerationConfig['thinkingConfig'] | undefined {
  if (typeof effort !== 'string' || !['minimal', 'low', 'medium', 'high'].includes(effort)) return undefined;
  if (/gemini-2\./.test(model)) return { thinkingBudget: effort === 'high' ? 24576 : effort === 'medium' ? 8192 : 1024 };
  return { thinkingLevel: effort === 'medium' || effort === 'high' ? 'high' : 'low' };
}

function generationConfig(body: ChatRequest): GeminiGenerationConfig | undefined {
  const config: GeminiGenerationConfig = {};
  const set = <K extends keyof GeminiGenerationConfig>(key: K, value: GeminiGenerationConfig[K] | undefined) => {
    if (value !== undefined) config[key] = value;
  };
  set('temperature', num(body.temperature));
  set('topP', num(body.top_p));
  set('maxOutputTokens', num(body.max_completion_tokens) ?? num(body.max_tokens));
  set('seed', num(body.seed));
  set('presencePenalty', num(body.presence_penalty));
  set('frequencyPenalty', num(body.frequency_penalty));
  if (typeof body.stop === 'string') config.stopSequences = [body.stop];
  else if (Array.isArray(body.stop) && body.stop.length > 0) config.stopSequences = body.stop.filter((s) => typeof s === 'string');

  // The Gemini client's own thinkingConfig wins (checked on the Gemini surface; no other surface sets it).
  const thinking = body.gemini_thinking ? { ...body.gemini_thinking } : thinkingConfig(body.reasoning_effort, typeof body.model === 'string' ? body.model : '');
  if (thinking) config.thinkingConfig = thinking;

  const format = body.response_format;
  if (format?.type === 'json_object') {
    config.responseMimeType = 'application/json';
  } else if (format?.type === 'json_schema') {
    config.responseMimeType = 'application/json';
    const schema = format.json_schema?.schema;
    if (isObject(schema)) config.responseSchema = toGeminiSchema(schema);
  }
  return Object.keys(config).length > 0 ? config : undefined;
}

function tools(defs: ToolDefinition[] | undefined): GeminiTool[] | undefined {
  if (!Array.isArray(defs) || defs.length === 0) return undefined;
  const declarations = defs.map((tool, i) => {
    if (tool?.type !== 'function' || typeof tool.function?.name !== 'string') {
      throw errors.invalidValue(`tools[${i}]`, `tools[${i}]: Gemini models accept only function tools ({"type":"function","function":{"name":...}}).`);
    }
    const { name, description, parameters } = tool.function;
    const declared = toGeminiParameters(parameters);
    return {
      name,
      ...(description !== undefined ? { description } : {}),
      ...(declared ? { parameters: declared } : {}),
    };
  });
  return [{ functionDeclarations: declarations }];
}

function toolConfig(choice: ToolChoice | undefined): GeminiToolConfig | undefined {
  if (choice === undefined) return undefined;
  if (choice === 'auto') return { functionCallingConfig: { mode: 'AUTO' } };
  if (choice === 'none') return { functionCallingConfig: { mode: 'NONE' } };
  if (choice === 'required') return { functionCallingConfig: { mode: 'ANY' } };
  if (isObject(choice) && choice.type === 'function' && typeof choice.function?.name === 'string') {
    return { functionCallingConfig: { mode: 'ANY', allowedFunctionNames: [choice.function.name] } };
  }
  throw errors.invalidValue('tool_choice', 'tool_choice must be "auto", "none", "required" or {"type":"function","function":{"name":...}}.');
}

function safetySettings(options: Readonly<Record<string, JsonValue>>): GeminiSafetySetting[] | undefined {
  const list = options.safety_settings;
  if (!Array.isArray(list)) return undefined;
  const settings = list.filter(isObject).filter((s) => typeof s.category === 'string' && typeof s.threshold === 'string');
  return settings.length > 0 ? settings.map((s) => ({ category: s.category as string, threshold: s.threshold as string })) : undefined;
}

/** The GenerateContentRequest body for a canonical chat request. */
export function toGeminiRequest(body: ChatRequest, provider: ProviderView): GeminiGenerateContentRequest {
  if (!Array.isArray(body.messages) || body.messages.length === 0) {
    throw errors.invalidValue('messages', 'messages must be a non-empty array of chat messages.');
  }
  if (typeof body.n === 'number' && body.n > 1) {
    throw errors.invalidValue('n', 'Gemini models through this gateway return one choice per request; send n = 1 (or omit n).');
  }
  const { contents, systemInstruction } = toGeminiConversation(body.messages);
  if (contents.length === 0) {
    throw errors.invalidValue('messages', 'messages must contain at least one user or assistant message with content.');
  }
  const out: GeminiGenerateContentRequest = { contents };
  if (systemInstruction) out.systemInstruction = systemInstruction;
  const declared = tools(body.tools);
  if (declared) {
    out.tools = declared;
    const config = toolConfig(body.tool_choice);
    if (config) out.toolConfig = config;
  }
  const generation = generationConfig(body);
  if (generation) out.generationConfig = generation;
  const safety = safetySettings(provider.options);
  if (safety) out.safetySettings = safety;
  return out;
}

/** Adapter.buildRequest for the chat operation. */
export function buildChatRequest(request: AdapterRequest, provider: ProviderView): UpstreamRequest {
  const body = toGeminiRequest(request.body as unknown as ChatRequest, provider);
  fillMissingSignatures(body.contents, request.upstreamModel);
  const url = request.stream
    ? `${modelUrl(provider, request.upstreamModel, 'streamGenerateContent')}?alt=sse`
    : modelUrl(provider, request.upstreamModel, 'generateContent');
  return { url, method: 'POST', headers: geminiHeaders(provider), body: JSON.stringify(body) };
}
