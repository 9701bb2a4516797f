// Where and how to call Coze: the international host by default (https://api.coze.com), the China
// one (https://api.coze.cn) when base_url says so; the Personal Access Token as a Bearer header.

import type { ProviderView } from '../../src/contracts/index.ts';

export const DEFAULT_BASE_URL = 'https://api.coze.com';

export function cozeRoot(provider: ProviderView): string {
  return (provider.baseUrl || DEFAULT_BASE_URL).replace(/\/+$/, '').replace(/\/v3$/, '');
}

export function cozeHeaders(provider: ProviderView): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(provider.headers)) headers[name.toLowerCase()] = value;
  headers['content-type'] = 'application/json';
  if (provider.apiKey) headers.authorization = `Bearer ${provider.apiKey}`;
  return headers;
}

/** GET <root>/v3/chat/<what>?conversation_id=..&chat_id=.. */
export function chatQueryUrl(provider: ProviderView, what: 'retrieve' | 'message/list', conversationId: string, chatId: string): string {
  const q = new URLSearchParams({ conversation_id: conversationId, chat_id: chatId });
  return `${cozeRoot(provider)}/v3/chat/${what}?${q}`;
}

/** Poll interval between status checks (Coze asks for about one second). */
export function pollIntervalMs(provider: ProviderView): number {
  const v = provider.options.poll_interval_ms;
  return typeof v === 'number' && v >= 0 ? v : 1000;
}
