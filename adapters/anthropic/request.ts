// Canonical chat request → Anthropic POST /v1/messages (URL, headers, body).
//
// Decisions:
// - anthropic_thinking (an Anthropic client's own `thinking`, src/contracts/thinking.ts) is sent unchanged and
//   wins over reasoning_effort; max_tokens, temperature and top_p are then the client's, as sent.
//   reasoning_effort → adaptive thinking + output_config.effort (Claude 4.6+) or a thinking budget (older);
//   both, and the unsigned-tool-loop exception, in thinking-request.ts.
// - anthropic_extra (Anthropic-only body fields: output_config, context_management, service_tier, top_k, ...,
//   src/contracts/anthropic-extra.ts) is copied onto the body as sent.
// - max_tokens = max_completion_tokens ?? max_tokens ?? provider option `default_max_tokens` ?? 4096
//   (Anthropic requires it; max_completion_tokens is OpenAI's current name, so it wins when both are set).
// - temperature is clamped to Anthropic's 0..1 range (OpenAI allows 0..2) so a request that works on an
//   OpenAI target does not fail on failover; top_p is passed as is.
// - tool_choice is only sent with tools; parallel_tool_calls:false → disable_parallel_tool_use:true.
// - `user` → metadata.user_id. `n` > 1 is rejected. response_format, logprobs, seed, etc. are ignored.
// - provider.headers are applied last (lower-cased) so operators can add `anthropic-beta` or override; the
//   client's `anthropic-beta` (anthropic_beta) is then merged in (withClientBetas).

import {
  ANTHROPIC_EXTRA_FIELDS,
  COSTLY_EXTRA_FIELDS,
  GatewayError,
  errors,
  mergeBetaLists,
  parseAnthropicBeta,
  withoutCostlyBetas,
  type AdapterRequest,
  type AnthropicExtra,
  type ChatRequest,
  type ProviderView,
  type ToolDefinition,
  type UpstreamRequest,
} from '../../src/contracts/index.ts';
import { convertMessages } from './messages.ts';
import { applyClientThinking, applyEffort, fitThinkingInCap } from './thinking-request.ts';
import type { AnthropicRequestBody, AnthropicTool, AnthropicToolChoice } from './wire-types.ts';

export const DEFAULT_BASE_URL = 'https://api.anthropic.com';
export const DEFAULT_VERSION = '2023-06-01';
export const DEFAULT_MAX_TOKENS = 4096;

/** `${base}/v1/messages`, accepting a base_url with or without a trailing `/v1`. */
export function messagesUrl(baseUrl: string): string {
  const base = (baseUrl || DEFAULT_BASE_URL).replace(/\/+$/, '');
  return /\/v1$/.test(base) ? `${base}/messages` : `${base}/v1/messages`;
}

function positiveInt(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isInteger(value) && value > 0 ? value : undefined;
}

function convertTools(tools: unknown): AnthropicTool[] | undefined {
  if (tools == null) return undefined;
  if (!Array.isArray(tools)) throw errors.invalidValue('tools', 'tools must be an array of function tools.');
  if (tools.length === 0) return undefined;
  return (tools as ToolDefinition[]).map((tool, i) => {
    const fn = tool?.function;
    if (tool?.type !== 'function' || !fn || typeof fn.name !== 'string') {
      throw errors.invalidValue(`tools[${i}]`, `tools[${i}] must be {"type":"function","function":{"name":...}}; Anthropic models take function tools only.`);
    }
    const out: AnthropicTool = {
      name: fn.name,
      input_schema: fn.parameters && typeof fn.parameters === 'object' ? fn.parameters : { type: 'object', properties: {} },
    };
    if (typeof fn.description === 'string' && fn.description) out.description = fn.description;
    if (fn.strict === true) out.strict = true;
    if (tool.cache_control && typeof tool.cache_control.type === 'string') out.cache_control = tool.cache_control;
    return out;
  });
}

function convertToolChoice(choice: unknown, parallel: unknown): AnthropicToolChoice | undefined {
  const noParallel = parallel === false ? { disable_parallel_tool_use: true } : {};
  if (choice == null) return parallel === false ? { type: 'auto', ...noParallel } : undefined;
  if (choice === 'auto') return { type: 'auto', ...noParallel };
  if (choice === 'required') return { type: 'any', ...noParallel };
  if (choice === 'none') return { type: 'none' };
  if (typeof choice === 'object') {
    const name = (choice as { function?: { name?: unknown } }).function?.name;
    if (typeof name === 'string' && name) return { type: 'tool', name, ...noParallel };
  }
  throw errors.invalidValue('tool_choice', 'tool_choice must be "auto", "none", "required" or {"type":"function","function":{"name":...}}.');
}

function stopSequences(stop: unknown): string[] | undefined {
  if (stop == null) return undefined;
  const list = typeof stop === 'string' ? [stop] : stop;
  if (!Array.isArray(list) || list.some((s) => typeof s !== 'string')) {
    throw errors.invalidValue('stop', 'stop must be a string or an array of strings.');
  }
  const kept = (list as string[]).filter((s) => s.length > 0);
  return kept.length ? kept : undefined;
}

export function buildBody(request: AdapterRequest, provider: ProviderView): AnthropicRequestBody {
  const chat = request.body as unknown as ChatRequest;
  if (typeof chat.n === 'number' && chat.n > 1) {
    throw errors.invalidValue('n', 'Anthropic models return one choice per request; send n = 1 or leave it out.');
  }
  const { system, messages } = convertMessages(chat.messages);
  const body: AnthropicRequestBody = {
    model: request.upstreamModel,
    max_tokens:
      positiveInt(chat.max_completion_tokens) ??
      positiveInt(chat.max_tokens) ??
      positiveInt(provider.options.default_max_tokens) ??
      DEFAULT_MAX_TOKENS,
    messages,
  };
  if (system) body.system = system;
  const stop = stopSequences(chat.stop);
  if (stop) body.stop_sequences = stop;
  if (typeof chat.temperature === 'number') body.temperature = Math.min(1, Math.max(0, chat.temperature));
  if (typeof chat.top_p === 'number') body.top_p = chat.top_p;
  const tools = convertTools(chat.tools);
  if (tools) {
    body.tools = tools;
    const choice = convertToolChoice(chat.tool_choice, chat.parallel_tool_calls);
    if (choice) body.tool_choice = choice;
  }
  if (typeof chat.user === 'string' && chat.user) body.metadata = { user_id: chat.user };
  applyExtra(body, chat.anthropic_extra, provider.options.forward_costly_anthropic_options === true);
  if (chat.anthropic_thinking !== undefined) applyClientThinking(body, chat);
  else applyEffort(body, chat, provider);
  if (request.outputCap !== undefined) fitThinkingInCap(body, request.outputCap);
  if (request.stream) body.stream = true;
  return body;
}

/**
 * Anthropic-only body fields (anthropic_extra), copied as sent; only the listed fields, never core ones, and
 * the costly ones (COSTLY_EXTRA_FIELDS) only when the provider allows them.
 */
function applyExtra(body: AnthropicRequestBody, extra: AnthropicExtra | undefined, costly: boolean): void {
  if (!extra || typeof extra !== 'object') return;
  for (const field of ANTHROPIC_EXTRA_FIELDS) {
    if (extra[field] !== undefined && (costly || !COSTLY_EXTRA_FIELDS.has(field))) body[field] = extra[field];
  }
}

export function buildHeaders(provider: ProviderView, clientBeta?: unknown): Record<string, string> {
  const version = provider.options.anthropic_version;
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'anthropic-version': typeof version === 'string' && version ? version : DEFAULT_VERSION,
  };
  if (provider.apiKey) headers['x-api-key'] = provider.apiKey;
  for (const [name, value] of Object.entries(provider.headers)) headers[name.toLowerCase()] = value;
  return withClientBetas(headers, provider, clientBeta);
}

/**
 * The client's `anthropic-beta` (ChatRequest.anthropic_beta) merged into the headers: the operator's
 * betas (provider.headers) first, then the client's ones it lacks. Betas only add features, so a union
 * has no conflicts; an operator who wants only their own sets `forward_anthropic_beta: false`. A value
 * that is not a well-formed beta list (e.g. an OpenAI-surface body field) is not sent.
 */
export function withClientBetas(headers: Record<string, string>, provider: ProviderView, clientBeta: unknown): Record<string, string> {
  if (typeof clientBeta !== 'string' || provider.options.forward_anthropic_beta === false) return headers;
  let client: string | undefined;
  try {
    client = parseAnthropicBeta(clientBeta);
  } catch {
    return headers;
  }
  // The operator's own betas (provider.headers) always go; a client's costly ones only when allowed.
  if (provider.options.forward_costly_anthropic_options !== true) client = withoutCostlyBetas(client);
  const merged = mergeBetaLists(headers['anthropic-beta'], client);
  if (merged) headers['anthropic-beta'] = merged;
  return headers;
}

export function buildRequest(request: AdapterRequest, provider: ProviderView): UpstreamRequest {
  if (request.operation !== 'chat') {
    throw new GatewayError({
      status: 400,
      type: 'invalid_request_error',
      code: 'unsupported_operation',
      message: `Provider "${provider.name}" (Anthropic Messages API) only serves chat completions, not ${request.operation}.`,
    });
  }
  const body = JSON.stringify(buildBody(request, provider));
  const headers = buildHeaders(provider, (request.body as { anthropic_beta?: unknown }).anthropic_beta);
  return { url: messagesUrl(provider.baseUrl), method: 'POST', headers, body };
}
