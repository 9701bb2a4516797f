// Canonical request → onebound HTTP request.
//
// POST `${baseUrl}?key=..&secret=..&method=v1/<path>&cache=no&result_type=json` with the form-urlencoded
// body `_o_args=<JSON of the OpenAI body, stream fields removed>`. onebound also accepts everything in
// the query string of a GET; we always POST so long prompts never end up in URLs (and access logs).
// `cache=no` because a cached LLM answer to the same prompt is not what a gateway client expects
// (providers.X.cache: 'yes' opts back in). onebound cannot stream: the adapter is streamMode 'emulate'.

import { GatewayError, type AdapterRequest, type JsonObject, type Operation, type ProviderView, type UpstreamRequest } from '../../src/contracts/index.ts';
import { ONEBOUND_DEFAULT_URL } from './wire-types.ts';
import { withoutAnthropicFields } from '../openai/strip-extras.ts';

/** onebound `method` value per supported operation. */
export const ONEBOUND_METHODS: Partial<Record<Operation, string>> = {
  chat: 'v1/chat/completions',
  completions: 'v1/completions',
  embeddings: 'v1/embeddings',
  'images.generations': 'v1/images/generations',
  moderations: 'v1/moderations',
};

/** Query-string encoding that keeps `/` readable (legal in a query, RFC 3986 §3.4). */
function q(value: string): string {
  return encodeURIComponent(value).replace(/%2F/g, '/');
}

function misconfigured(provider: ProviderView, field: string): GatewayError {
  return new GatewayError({
    status: 500,
    type: 'api_error',
    code: 'provider_misconfigured',
    retryable: true,
    message: `Provider "${provider.name}" (onebound) has no ${field}; the gateway operator must set providers.${provider.name}.${field} in gateway.yaml.`,
  });
}

/** key from providers.X.key (api_key accepted as a fallback), secret from providers.X.secret. */
export function credentials(provider: ProviderView): { key: string; secret: string } {
  const key = typeof provider.options.key === 'string' && provider.options.key ? provider.options.key : provider.apiKey;
  const secret = provider.options.secret;
  if (!key) throw misconfigured(provider, 'key');
  if (typeof secret !== 'string' || !secret) throw misconfigured(provider, 'secret');
  return { key, secret };
}

/** The OpenAI body as onebound's `_o_args`: stream/stream_options removed (onebound answers in one piece). */
export function oArgs(body: JsonObject): string {
  const args: JsonObject = {};
  // Anthropic's own fields (anthropic_thinking, signed thinking_blocks, is_error) are for Anthropic upstreams only,
  // gemini_thinking for Gemini upstreams only.
  for (const [k, v] of Object.entries(withoutAnthropicFields(body))) if (k !== 'stream' && k !== 'stream_options') args[k] = v;
  return JSON.stringify(args);
}

export function buildOneboundRequest(request: AdapterRequest, provider: ProviderView): UpstreamRequest {
  const method = ONEBOUND_METHODS[request.operation];
  if (!method) {
    throw new GatewayError({
      status: 400,
      type: 'invalid_request_error',
      code: 'unsupported_operation',
      message: `Provider "${provider.name}" (onebound) does not support ${request.operation}.`,
    });
  }
  const { key, secret } = credentials(provider);
  const cache = provider.options.cache === 'yes' ? 'yes' : 'no';
  const base = provider.baseUrl || ONEBOUND_DEFAULT_URL;
  const sep = base.includes('?') ? '&' : '?';
  const url = `${base}${sep}key=${q(key)}&secret=${q(secret)}&method=${q(method)}&cache=${cache}&result_type=json`;
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(provider.headers)) {
    if (!/^(content-type|content-length|accept)$/i.test(name)) headers[name] = value;
  }
  headers['content-type'] = 'application/x-www-form-urlencoded; charset=utf-8';
  headers.accept = 'application/json';
  return {
    url,
    method: 'POST',
    headers,
    body: new URLSearchParams({ _o_args: oArgs(request.body) }).toString(),
  };
}
