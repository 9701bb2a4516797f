// Where and how to call Vertex AI: https://<location>-aiplatform.googleapis.com (aiplatform.googleapis.com
// for location "global", or base_url), /v1/projects/<project>/locations/<location>/publishers/<google|
// anthropic>/models/<model>:<method>. A model whose id starts with "claude" is an Anthropic model on
// Vertex; every other id is a Google (Gemini) model. Credentials: a service-account JSON (the gateway
// exchanges a signed JWT for an access token and caches it) or a supplied access_token.

import type { Adapter, JsonObject, ProviderView, UpstreamAuth } from '../../src/contracts/index.ts';

export const CLOUD_PLATFORM_SCOPE = 'https://www.googleapis.com/auth/cloud-platform';
export const DEFAULT_TOKEN_URI = 'https://oauth2.googleapis.com/token';
export const envDefaults = { project: 'GOOGLE_CLOUD_PROJECT', location: 'GOOGLE_CLOUD_LOCATION' } as const;

export type Publisher = 'google' | 'anthropic';

export function publisherOf(model: string): Publisher {
  return /^claude/i.test(model) ? 'anthropic' : 'google';
}

const opt = (provider: ProviderView, name: string): string | undefined => {
  const value = provider.options[name];
  return typeof value === 'string' && value ? value : undefined;
};

function required(provider: ProviderView, name: 'project' | 'location'): string {
  const value = opt(provider, name);
  if (!value) throw new Error(`vertex needs a ${name}: set providers.<name>.${name} (or ${envDefaults[name]})`);
  return value;
}

export function modelUrl(provider: ProviderView, model: string, method: string): string {
  const location = required(provider, 'location');
  const project = required(provider, 'project');
  const host = provider.baseUrl || (location === 'global' ? 'https://aiplatform.googleapis.com' : `https://${location}-aiplatform.googleapis.com`);
  const id = model.split('/').map((part) => encodeURIComponent(part).replace(/%40/g, '@')).join('/');
  return `${host.replace(/\/+$/, '')}/v1/projects/${encodeURIComponent(project)}/locations/${encodeURIComponent(location)}/publishers/${publisherOf(model)}/models/${id}:${method}`;
}

export function vertexHeaders(provider: ProviderView): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(provider.headers)) headers[name.toLowerCase()] = value;
  headers['content-type'] = 'application/json';
  const token = opt(provider, 'access_token');
  if (token) headers.authorization = `Bearer ${token}`;
  return headers;
}

function serviceAccount(provider: ProviderView): JsonObject | undefined {
  const raw = provider.options.service_account;
  if (raw === undefined) return undefined;
  if (typeof raw === 'string') {
    try {
      const parsed = JSON.parse(raw) as unknown;
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as JsonObject;
    } catch {
      // reported below
    }
    throw new Error('vertex service_account must be the service-account JSON key (an object, or its JSON text)');
  }
  if (raw && typeof raw === 'object' && !Array.isArray(raw)) return raw as JsonObject;
  throw new Error('vertex service_account must be the service-account JSON key (an object, or its JSON text)');
}

/** Validates the provider block once (at compile time) and describes its credentials. */
export function upstreamAuth(provider: ProviderView): UpstreamAuth | undefined {
  required(provider, 'project');
  required(provider, 'location');
  const account = serviceAccount(provider);
  if (!account) {
    if (opt(provider, 'access_token')) return undefined;
    throw new Error('vertex needs credentials: set service_account (the service-account JSON key) or access_token');
  }
  const clientEmail = account.client_email;
  const privateKey = account.private_key;
  if (typeof clientEmail !== 'string' || typeof privateKey !== 'string' || !privateKey.includes('PRIVATE KEY')) {
    throw new Error('vertex service_account needs client_email and private_key (download the JSON key of the service account)');
  }
  const tokenUri = typeof account.token_uri === 'string' && account.token_uri ? account.token_uri : DEFAULT_TOKEN_URI;
  return {
    scheme: 'oauth2-service-account', clientEmail, privateKey, tokenUri, scopes: [CLOUD_PLATFORM_SCOPE],
    ...(typeof account.private_key_id === 'string' ? { privateKeyId: account.private_key_id } : {}),
  };
}

export const providerOptionsSchema: NonNullable<Adapter['providerOptionsSchema']> = {
  type: 'object',
  properties: {
    project: { type: 'string', minLength: 1, description: 'Google Cloud project id. Default: GOOGLE_CLOUD_PROJECT.' },
    location: { type: 'string', minLength: 1, description: 'Vertex AI location, e.g. us-central1, europe-west4 or global. Default: GOOGLE_CLOUD_LOCATION.' },
    service_account: {
      type: ['object', 'string'],
      description: 'The service-account JSON key (as a YAML object, or its JSON text, e.g. ${VERTEX_SA_JSON}). The gateway signs a JWT with it and caches the access token until it expires.',
    },
    access_token: { type: 'string', minLength: 1, description: 'A ready OAuth access token (e.g. from `gcloud auth print-access-token`), used instead of service_account. It is not refreshed.' },
    anthropic_version: { type: 'string', description: 'anthropic_version sent to Anthropic models on Vertex. Default: vertex-2023-10-16.' },
    default_max_tokens: { type: 'integer', minimum: 1, description: 'max_tokens for Anthropic models when the request sets none. Default: 4096.' },
    forward_anthropic_beta: { type: 'boolean', description: 'Forward the Anthropic client\'s anthropic-beta header to Claude models (merged after the betas in `headers`). Default true.' },
    forward_costly_anthropic_options: { type: 'boolean', description: 'Send a Claude client\'s options that make Anthropic bill more than the model\'s price or act on your account: body fields service_tier, speed, inference_geo, container, mcp_servers and betas context-1m-*, fast-mode-*, mcp-client-*, code-execution-*. Default false: they are dropped (betas you set in `headers` always go). Set true only when your prices account for them.' },
    effort_thinking: {
      description: 'How reasoning_effort becomes Claude thinking: "adaptive" (thinking {type:"adaptive"} + output_config.effort), "budget" (thinking {type:"enabled", budget_tokens}), "auto" (default: adaptive for Claude 4.6 and later), or a map from upstream model to one of those.',
      oneOf: [{ type: 'string', enum: ['auto', 'adaptive', 'budget'] }, { type: 'object', additionalProperties: { type: 'string', enum: ['auto', 'adaptive', 'budget'] } }],
    },
    safety_settings: { type: 'array', description: 'Gemini safetySettings sent with every Gemini request.' },
  },
};
