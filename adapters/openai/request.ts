// Builds upstream requests for OpenAI and every OpenAI-compatible vendor (DeepSeek, Moonshot, Groq,
// vLLM, Ollama /v1, ModelBridge, 智增增, ...). base_url may be given with or without /v1.

import type { AdapterRequest, ProviderView, UpstreamRequest } from '../../src/contracts/index.ts';
import { type ReasoningMode, filterReasoning, reasoningMode } from './reasoning-passback.ts';
import { stripForeignFields, withoutAnthropicFields } from './strip-extras.ts';

const DEFAULT_BASE = 'https://api.openai.com/v1';

const roots = new Map<string, string>();

/** `https://host` → `https://host/v1`; any base with a path (…/v1, …/api/v3, …/openai) is kept. Memoised. */
export function apiRoot(baseUrl: string): string {
  let root = roots.get(baseUrl);
  if (root === undefined) {
    root = computeRoot(baseUrl);
    if (roots.size < 1000) roots.set(baseUrl, root);
  }
  return root;
}

function computeRoot(baseUrl: string): string {
  if (!baseUrl) return DEFAULT_BASE;
  try {
    const { pathname } = new URL(baseUrl);
    return pathname === '' || pathname === '/' ? `${baseUrl.replace(/\/+$/, '')}/v1` : baseUrl;
  } catch {
    return baseUrl;
  }
}

const baseHeaders = new WeakMap<ProviderView, Readonly<Record<string, string>>>();

/** The provider's auth and extra headers (built once per provider view; a fresh copy per request). */
export function authHeaders(provider: ProviderView): Record<string, string> {
  let base = baseHeaders.get(provider);
  if (!base) {
    const headers: Record<string, string> = {};
    if (provider.apiKey) headers.authorization = `Bearer ${provider.apiKey}`;
    for (const [k, v] of Object.entries(provider.headers)) headers[k.toLowerCase()] = v;
    baseHeaders.set(provider, (base = Object.freeze(headers)));
  }
  return { ...base };
}

/**
 * `askUsage: false` is for vendors that reject `stream_options` (they report stream usage unasked or
 * not at all; the gateway then estimates it). `reasoning` is a preset's default `reasoning_content` mode
 * (reasoning-passback.ts); the provider's own option wins.
 */
export function buildOpenAIRequest(request: AdapterRequest, provider: ProviderView, root = apiRoot(provider.baseUrl), askUsage = true, reasoning?: ReasoningMode): UpstreamRequest {
  const url = `${root}${request.path}${request.search}`;
  const headers = authHeaders(provider);
  if (request.form) return { url, method: request.method, headers, body: request.form };
  if (request.raw) {
    if (request.contentType) headers['content-type'] = request.contentType;
    return { url, method: request.method, headers, body: request.raw };
  }
  if (request.method === 'GET' || request.method === 'DELETE' || request.method === 'HEAD') {
    return { url, method: request.method, headers, body: null };
  }
  headers['content-type'] = 'application/json';
  // Gemini's own OpenAI-compatible endpoint wants extra_content back: `forward_extra_content: true`
  // (which keeps reasoning_content too, unless the provider's `reasoning_content` option says otherwise).
  let body = request.body;
  if (request.operation === 'chat') {
    const forward = provider.options.forward_extra_content === true;
    const mode = forward && provider.options.reasoning_content === undefined ? 'keep' : reasoningMode(provider, reasoning);
    body = forward ? filterReasoning(withoutAnthropicFields(body), mode) : stripForeignFields(body, mode);
  }
  if (!askUsage && body.stream_options !== undefined) {
    const { stream_options: _so, ...rest } = body;
    body = rest;
  } else if (askUsage && request.stream && (request.operation === 'chat' || request.operation === 'completions')) {
    // Always ask for usage; the gateway shows the usage chunk only to clients that asked for it.
    const options = typeof body.stream_options === 'object' && body.stream_options !== null && !Array.isArray(body.stream_options) ? body.stream_options : {};
    body = { ...body, stream_options: { ...options, include_usage: true } };
  }
  return { url, method: request.method, headers, body: JSON.stringify(body) };
}
