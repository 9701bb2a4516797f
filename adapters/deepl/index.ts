// DeepL adapter (id 'deepl'), as One API serves it: a chat model whose name picks the target
// language (`deepl-zh`, `deepl-en-us`, `de`, ...) translates the last user message with DeepL's
// POST /v2/translate and answers with the translation. DeepL cannot stream: the gateway emulates
// streams. Usage is in characters (DeepL's billed_characters), priced with price.per_million_characters
// or price.per_request; token counts are reported as 0. Free-plan keys (ending in ":fx") go to
// api-free.deepl.com unless base_url says otherwise.

import {
  type AdapterRequest, type ChatMessage, type ChatResponse, type GatewayError, type JsonValue, type ProviderView, type UpstreamReply,
  defineAdapter, errorFromUpstreamStatus, errors, parseRetryAfter, upstreamMessage,
} from '../../src/contracts/index.ts';

interface DeepLResponse {
  translations?: Array<{ detected_source_language?: string; text?: string; billed_characters?: number }>;
}

function baseUrl(provider: ProviderView): string {
  if (provider.baseUrl) return provider.baseUrl.replace(/\/v2$/, '');
  return provider.apiKey?.endsWith(':fx') ? 'https://api-free.deepl.com' : 'https://api.deepl.com';
}

/** `deepl-zh` → ZH, `deepl-en-us` → EN-US, `pt-br` → PT-BR. */
export function targetLanguage(model: string): string | undefined {
  const code = model.replace(/^deepl[-_]/i, '').toUpperCase();
  return /^[A-Z]{2,3}(-[A-Z]{2,4})?$/.test(code) ? code : undefined;
}

function lastUserText(messages: ChatMessage[] | undefined): string {
  const last = [...(messages ?? [])].reverse().find((m) => m.role === 'user');
  if (!last) return '';
  if (typeof last.content === 'string') return last.content;
  return (last.content ?? []).map((p) => (p.type === 'text' && typeof (p as { text?: unknown }).text === 'string' ? (p as { text: string }).text : '')).join('');
}

function build(request: AdapterRequest, provider: ProviderView) {
  if (request.operation !== 'chat') throw errors.invalidValue('model', `Provider "${provider.name}" (deepl) serves chat completions (translations) only.`);
  const target = targetLanguage(request.upstreamModel);
  if (!target) throw errors.invalidValue('model', `The DeepL model "${request.upstreamModel}" does not name a target language; use names like deepl-zh, deepl-en-us or deepl-de.`);
  const text = lastUserText(request.body.messages as ChatMessage[] | undefined);
  if (!text) throw errors.invalidValue('messages', 'DeepL translates the last user message, and there is none with text.');
  const body: Record<string, JsonValue> = { text: [text], target_lang: target, show_billed_characters: true };
  for (const field of ['source_lang', 'formality', 'glossary_id'] as const) {
    const value = provider.options[field];
    if (typeof value === 'string' && value) body[field] = value;
  }
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(provider.headers)) headers[name.toLowerCase()] = value;
  headers['content-type'] = 'application/json';
  if (provider.apiKey) headers.authorization = `DeepL-Auth-Key ${provider.apiKey}`;
  return { url: `${baseUrl(provider)}/v2/translate`, method: 'POST', headers, body: JSON.stringify(body) };
}

function decode(reply: UpstreamReply, request: AdapterRequest, provider: ProviderView) {
  let wire: DeepLResponse;
  try {
    wire = JSON.parse(reply.text) as DeepLResponse;
  } catch {
    throw errors.upstreamInvalid(provider.name, 'the body is not JSON');
  }
  const first = wire?.translations?.[0];
  if (!first || typeof first.text !== 'string') throw errors.upstreamInvalid(provider.name, 'the reply has no translation');
  const characters = typeof first.billed_characters === 'number' ? first.billed_characters : [...lastUserText(request.body.messages as ChatMessage[] | undefined)].length;
  const body: ChatResponse = {
    id: `chatcmpl-deepl-${crypto.randomUUID().replace(/-/g, '')}`, object: 'chat.completion', created: Math.floor(Date.now() / 1000), model: request.upstreamModel,
    choices: [{ index: 0, message: { role: 'assistant', content: first.text }, finish_reason: 'stop' }],
    usage: { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 },
  };
  return { body: body as unknown as JsonValue, usage: { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0, characters } };
}

function decodeError(reply: UpstreamReply, provider: ProviderView): GatewayError {
  const raw = upstreamMessage(reply.text);
  const message = provider.apiKey ? raw.split(provider.apiKey).join('[redacted]') : raw;
  // 456: the gateway's DeepL character quota is used up — another provider may still answer.
  if (reply.status === 456) return errors.upstreamError(`Provider "${provider.name}" has used up its DeepL character quota: ${message}`, 402, true);
  return errorFromUpstreamStatus(provider.name, reply.status, message, parseRetryAfter(reply.headers.get('retry-after')));
}

export default defineAdapter({
  id: 'deepl',
  streamMode: 'emulate',
  providerOptionsSchema: {
    type: 'object',
    properties: {
      source_lang: { type: 'string', minLength: 2, description: '`deepl` adapter: the source language (default: DeepL detects it).' },
      formality: { type: 'string', enum: ['default', 'more', 'less', 'prefer_more', 'prefer_less'], description: '`deepl` adapter: DeepL formality.' },
      glossary_id: { type: 'string', minLength: 1, description: '`deepl` adapter: a DeepL glossary (requires source_lang).' },
    },
  },
  supports: (operation) => operation === 'chat',
  buildRequest: build,
  decodeResponse: decode,
  decodeError,
});
