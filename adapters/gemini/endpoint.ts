// Where and how to call the Gemini API: the v1beta root (default host when base_url is empty,
// tolerating a base_url that already ends in /v1beta), model paths, and the request headers.
// The provider key travels only in the `x-goog-api-key` header, never in the URL.

import type { ProviderView } from '../../src/contracts/index.ts';

export const DEFAULT_BASE_URL = 'https://generativelanguage.googleapis.com';

/** `<base>/v1beta`, whatever form base_url was given in. */
export function apiRoot(provider: ProviderView): string {
  const base = (provider.baseUrl || DEFAULT_BASE_URL).replace(/\/+$/, '');
  return /\/v1beta$/.test(base) ? base : `${base}/v1beta`;
}

/** Model ids may arrive as `gemini-2.5-flash` or `models/gemini-2.5-flash`. */
export function bareModel(model: string): string {
  return model.replace(/^models\//, '');
}

/** `<root>/models/<model>:<method>`; the model id is path-escaped except for its separators. */
export function modelUrl(provider: ProviderView, model: string, method: string): string {
  const id = bareModel(model).split('/').map(encodeURIComponent).join('/');
  return `${apiRoot(provider)}/models/${id}:${method}`;
}

export function geminiHeaders(provider: ProviderView): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(provider.headers)) {
    const lower = name.toLowerCase();
    if (lower === 'content-type' || (provider.apiKey && lower === 'x-goog-api-key')) continue;
    headers[name] = value;
  }
  headers['content-type'] = 'application/json';
  if (provider.apiKey) headers['x-goog-api-key'] = provider.apiKey;
  return headers;
}

/** Removes the provider key from any text that may reach a client or a log. */
export function scrubKey(text: string, provider: ProviderView): string {
  const key = provider.apiKey;
  return key ? text.split(key).join('[redacted]') : text;
}
