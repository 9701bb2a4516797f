// A strict fake of Azure OpenAI's data-plane inference API, deployment form:
// POST /openai/deployments/{deployment-id}/chat/completions?api-version=... with the `api-key` header,
// plus the OpenAI-compatible v1 form (POST /openai/v1/chat/completions, `model` = deployment name).
// Unknown deployments → 404 DeploymentNotFound; missing/unknown api-version → 404/400 as Azure answers;
// the body is the OpenAI chat schema without `model` (the deployment names the model), and
// `data_sources` fails the test (the gateway must drop it). Errors: {"error":{"code","message"}}.

import { AZURE_CHAT_REQUEST, OPENAI_CHAT_REQUEST, validateChatBody } from './openai-chat.ts';
import { type Incoming, type StrictFake, type Turn, jsonContentType, noClientCredentials, startStrictFake } from './strict-server.ts';

/** GA and preview inference api-versions that carry chat completions with tools and stream_options. */
export const AZURE_API_VERSIONS = ['2024-06-01', '2024-10-21', '2024-12-01-preview', '2025-01-01-preview', '2025-03-01-preview', '2025-04-01-preview'];

export interface AzureFakeOptions {
  apiKey: string;
  clientKey: string;
  deployments: string[];
  defaultTurn?: Turn;
}

export function validateAzure(incoming: Incoming, opts: AzureFakeOptions): string[] {
  const problems: string[] = [];
  const key = incoming.headers.get('api-key');
  if (key !== opts.apiKey) return [`401 Access denied due to invalid subscription key or wrong API endpoint (api-key ${key ?? 'missing'})`];
  if (incoming.headers.has('authorization')) problems.push('authorization header must not be sent with api-key');
  problems.push(...jsonContentType(incoming), ...noClientCredentials(incoming, opts.clientKey));
  const v1 = incoming.url.pathname === '/openai/v1/chat/completions';
  if (v1) {
    problems.push(...validateChatBody(incoming, OPENAI_CHAT_REQUEST));
    const model = (incoming.body as { model?: string } | undefined)?.model;
    if (problems.length === 0 && !opts.deployments.includes(model ?? '')) return [`404 DeploymentNotFound: The API deployment for this resource does not exist (${model}).`];
    return problems;
  }
  const match = /^\/openai\/deployments\/([^/]+)\/chat\/completions$/.exec(incoming.url.pathname);
  if (incoming.method !== 'POST' || !match) return [`404 Resource not found (${incoming.method} ${incoming.url.pathname})`];
  const version = incoming.url.searchParams.get('api-version');
  if (!version) return ['404 Resource not found (missing api-version query parameter)'];
  if (!AZURE_API_VERSIONS.includes(version)) problems.push(`Unsupported api-version "${version}"`);
  for (const name of incoming.url.searchParams.keys()) if (name !== 'api-version') problems.push(`unexpected query parameter ${name}`);
  if (!opts.deployments.includes(decodeURIComponent(match[1]))) {
    return [`404 DeploymentNotFound: The API deployment for this resource does not exist (${decodeURIComponent(match[1])}).`];
  }
  const body = incoming.body as Record<string, unknown> | undefined;
  if (body && 'data_sources' in body) problems.push('data_sources must never be forwarded by the gateway');
  problems.push(...validateChatBody(incoming, AZURE_CHAT_REQUEST));
  return problems;
}

export function azureError(status: number, message: string): Response {
  const code = status === 401 ? '401' : status === 404 ? 'DeploymentNotFound' : status >= 500 ? 'InternalServerError' : 'BadRequest';
  return new Response(JSON.stringify({ error: { code, message } }), { status, headers: { 'content-type': 'application/json' } });
}

export function startAzureFake(opts: AzureFakeOptions): StrictFake {
  return startStrictFake({
    name: 'azure',
    validate: (incoming) => validateAzure(incoming, opts),
    errorResponse: azureError,
    isStream: (incoming) => (incoming.body as { stream?: unknown } | undefined)?.stream === true,
    defaultTurn: opts.defaultTurn ?? { json: 'azure/conformance-text.json', sse: 'azure/conformance-text.sse' },
  });
}
