// Where and how to call an Ollama server: base_url (default the local server on 127.0.0.1:11434,
// tolerating a trailing /api), headers (an ollama.com API key, when set, as a Bearer token), and the
// provider-block fields this adapter accepts.

import type { Adapter, ProviderView } from '../../src/contracts/index.ts';

export const DEFAULT_BASE_URL = 'http://127.0.0.1:11434';

export function apiUrl(provider: ProviderView, path: string): string {
  const base = (provider.baseUrl || DEFAULT_BASE_URL).replace(/\/+$/, '').replace(/\/api$/, '');
  return `${base}/api/${path}`;
}

export function ollamaHeaders(provider: ProviderView, json = true): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(provider.headers)) headers[name.toLowerCase()] = value;
  if (json) headers['content-type'] = 'application/json';
  if (provider.apiKey) headers.authorization = `Bearer ${provider.apiKey}`;
  return headers;
}

/** keep_alive from the provider block (a duration string such as "10m", or seconds). */
export function keepAlive(provider: ProviderView): string | number | undefined {
  const value = provider.options.keep_alive;
  return typeof value === 'string' || typeof value === 'number' ? value : undefined;
}

export const providerOptionsSchema: NonNullable<Adapter['providerOptionsSchema']> = {
  type: 'object',
  properties: {
    keep_alive: {
      type: ['string', 'number'],
      description: 'How long Ollama keeps the model loaded after a request ("5m", "1h", seconds, or -1 for always). Default: Ollama\'s own (5m).',
    },
    num_ctx: {
      type: 'integer', minimum: 1,
      description: 'Context window (tokens) sent as options.num_ctx on every chat request. Default: the model\'s own.',
    },
  },
};
