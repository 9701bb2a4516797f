// Where and how to call Cohere: https://api.cohere.com by default, the key as a Bearer header.

import type { ProviderView } from '../../src/contracts/index.ts';

export const DEFAULT_BASE_URL = 'https://api.cohere.com';

export function cohereUrl(provider: ProviderView, path: '/v2/chat' | '/v2/embed'): string {
  const base = (provider.baseUrl || DEFAULT_BASE_URL).replace(/\/+$/, '').replace(/\/v2$/, '');
  return `${base}${path}`;
}

export function cohereHeaders(provider: ProviderView): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(provider.headers)) headers[name.toLowerCase()] = value;
  headers['content-type'] = 'application/json';
  if (provider.apiKey) headers.authorization = `Bearer ${provider.apiKey}`;
  return headers;
}
