// Where and how to call Bedrock Runtime: https://bedrock-runtime.<region>.amazonaws.com (or base_url),
// /model/<url-encoded model id>/converse[-stream]; credentials (an access key pair, optionally a session
// token, signed with SigV4 by the gateway; or a Bedrock API key sent as a Bearer token), the
// AWS environment variables the gateway reads for options left out, and the accepted provider fields.

import type { Adapter, ProviderView, UpstreamAuth } from '../../src/contracts/index.ts';

/**
 * The AWS variables, filled in by the gateway under names of their own: the credentials are used as one
 * set (config or environment, never a mix, so a session token from the environment is never attached
 * to keys from the config).
 */
export const envDefaults = {
  region: 'AWS_REGION',
  env_default_region: 'AWS_DEFAULT_REGION',
  env_access_key_id: 'AWS_ACCESS_KEY_ID',
  env_secret_access_key: 'AWS_SECRET_ACCESS_KEY',
  env_session_token: 'AWS_SESSION_TOKEN',
} as const;

const opt = (provider: ProviderView, name: string): string | undefined => {
  const value = provider.options[name];
  return typeof value === 'string' && value ? value : undefined;
};

export function region(provider: ProviderView): string {
  const value = opt(provider, 'region') ?? opt(provider, 'env_default_region');
  if (!value) throw new Error('bedrock needs a region: set providers.<name>.region (e.g. us-east-1) or AWS_REGION');
  return value;
}

export function converseUrl(provider: ProviderView, model: string, stream: boolean): string {
  const base = (provider.baseUrl || `https://bedrock-runtime.${region(provider)}.amazonaws.com`).replace(/\/+$/, '');
  return `${base}/model/${encodeURIComponent(model)}/${stream ? 'converse-stream' : 'converse'}`;
}

export function bedrockHeaders(provider: ProviderView, stream: boolean): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(provider.headers)) headers[name.toLowerCase()] = value;
  headers['content-type'] = 'application/json';
  headers.accept = stream ? 'application/vnd.amazon.eventstream' : 'application/json';
  if (provider.apiKey) headers.authorization = `Bearer ${provider.apiKey}`;
  return headers;
}

/** SigV4 with the access key pair, unless a Bedrock API key (api_key) is used instead. */
export function upstreamAuth(provider: ProviderView): UpstreamAuth | undefined {
  const where = region(provider);
  if (provider.apiKey) return undefined;
  const prefix = opt(provider, 'access_key_id') || opt(provider, 'secret_access_key') ? '' : 'env_';
  const accessKeyId = opt(provider, `${prefix}access_key_id`);
  const secretAccessKey = opt(provider, `${prefix}secret_access_key`);
  if (!accessKeyId || !secretAccessKey) {
    throw new Error('bedrock needs credentials: set access_key_id and secret_access_key (or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in the environment), or api_key with a Bedrock API key');
  }
  const sessionToken = opt(provider, `${prefix}session_token`);
  return { scheme: 'aws-sigv4', service: 'bedrock', region: where, accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) };
}

export const providerOptionsSchema: NonNullable<Adapter['providerOptionsSchema']> = {
  type: 'object',
  properties: {
    region: { type: 'string', minLength: 1, description: 'AWS region of the Bedrock Runtime endpoint, e.g. us-east-1. Default: AWS_REGION, then AWS_DEFAULT_REGION.' },
    access_key_id: { type: 'string', minLength: 1, description: 'AWS access key id used to sign requests (SigV4). Without access_key_id and secret_access_key, the AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN variables are used as a set.' },
    secret_access_key: { type: 'string', minLength: 1, description: 'AWS secret access key. Never logged.' },
    session_token: { type: 'string', minLength: 1, description: 'AWS session token, for temporary credentials given in access_key_id / secret_access_key.' },
    default_max_tokens: { type: 'integer', minimum: 1, description: 'maxTokens sent when the request sets no max_tokens. Default: the model\'s own.' },
    additional_model_request_fields: { type: 'object', description: 'Sent as additionalModelRequestFields on every request (model-specific parameters, e.g. {top_k: 200}).' },
  },
};
