// Azure OpenAI request building. Two URL forms:
//  - deployments (default): `${base}/openai/deployments/${deployment}/${path}?api-version=${v}`
//    where deployment = request.upstreamModel (the provider's `models` map value) and v =
//    `api_version` from the provider block (default 2024-10-21, the current GA inference version);
//    `model` is removed from the body (the deployment names the model).
//  - v1 (base_url ends with /openai/v1): Azure's OpenAI-compatible v1 API, `${base}${path}`, no
//    api-version, and `model` = the deployment name in the body.
// The key goes in the `api-key` header (never Authorization). Streams ask for usage
// (stream_options.include_usage) unless api_version predates it (< 2024-09-01: the gateway estimates).
// `data_sources` ("On Your Data") is dropped: it names upstream endpoints and could make Azure act
// with the resource's managed identity on the client's behalf (DESIGN §5: clients choose no hosts).

import { stripForeignFields } from '../openai/strip-extras.ts';
import {
  GatewayError, type AdapterRequest, type JsonObject, type JsonValue, type ProviderView, type UpstreamRequest,
} from '../../src/contracts/index.ts';

export const DEFAULT_API_VERSION = '2024-10-21';

/** Body fields a client may not forward to Azure. */
const DROPPED_FIELDS = ['data_sources'];

function isObject(value: JsonValue | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function isV1Base(baseUrl: string): boolean {
  return /\/openai\/v1$/.test(baseUrl.replace(/\/+$/, ''));
}

function apiVersion(provider: ProviderView): string {
  const v = provider.options.api_version;
  return typeof v === 'string' && v.trim() !== '' ? v.trim() : DEFAULT_API_VERSION;
}

/** The upstream URL for either form (see the file comment). */
export function azureUrl(request: AdapterRequest, provider: ProviderView): string {
  const base = provider.baseUrl.replace(/\/+$/, '');
  if (!base) {
    throw new GatewayError({
      status: 502, type: 'upstream_error', code: 'upstream_error', retryable: true,
      message: `Provider "${provider.name}" (azure) has no base_url; set providers.${provider.name}.base_url to https://<resource>.openai.azure.com in gateway.yaml.`,
    });
  }
  const path = request.path.startsWith('/') ? request.path : `/${request.path}`;
  if (isV1Base(base)) return `${base}${path}`;
  const resource = base.replace(/\/openai$/, '');
  const deployment = encodeURIComponent(request.upstreamModel);
  return `${resource}/openai/deployments/${deployment}/${path.replace(/^\/+/, '')}?api-version=${encodeURIComponent(apiVersion(provider))}`;
}

export function azureHeaders(provider: ProviderView): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(provider.headers)) {
    if (provider.apiKey && name.toLowerCase() === 'api-key') continue;
    headers[name.toLowerCase()] = value;
  }
  if (provider.apiKey) headers['api-key'] = provider.apiKey;
  return headers;
}

/** stream_options exists from api-version 2024-09-01-preview (GA 2024-10-21); older versions reject it. */
const STREAM_USAGE_SINCE = '2024-09-01';

function jsonBody(request: AdapterRequest, provider: ProviderView, v1: boolean): JsonObject {
  const body: JsonObject = { ...(request.operation === 'chat' ? stripForeignFields(request.body) : request.body) };
  for (const field of DROPPED_FIELDS) delete body[field];
  if (v1) body.model = request.upstreamModel;
  else delete body.model;
  const streamUsage = v1 || apiVersion(provider).slice(0, 10) >= STREAM_USAGE_SINCE;
  if (streamUsage && request.stream && (request.operation === 'chat' || request.operation === 'completions')) {
    // Always ask for usage; the gateway shows the usage chunk only to clients that asked for it.
    const options = isObject(body.stream_options) ? body.stream_options : {};
    body.stream_options = { ...options, include_usage: true };
  }
  return body;
}

function formBody(form: FormData, request: AdapterRequest, v1: boolean): FormData {
  const out = new FormData();
  for (const [name, value] of form.entries()) {
    if (name === 'model') continue;
    out.append(name, value);
  }
  if (v1) out.append('model', request.upstreamModel);
  return out;
}

/** Adapter.buildRequest for every supported operation. */
export function buildAzureRequest(request: AdapterRequest, provider: ProviderView): UpstreamRequest {
  const url = azureUrl(request, provider);
  const v1 = isV1Base(provider.baseUrl);
  const headers = azureHeaders(provider);
  if (request.form) return { url, method: request.method, headers, body: formBody(request.form, request, v1) };
  headers['content-type'] = 'application/json';
  return { url, method: request.method, headers, body: JSON.stringify(jsonBody(request, provider, v1)) };
}
