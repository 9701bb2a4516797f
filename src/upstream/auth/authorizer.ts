// Builds, once per compiled provider, the step that applies an adapter's UpstreamAuth to each call
// (after provider plugins, just before the call): AWS SigV4 signing or a service-account bearer token.

import type { UpstreamAuth, UpstreamRequest } from '../../contracts/adapter.ts';
import { ServiceAccountTokens } from './service-account.ts';
import { sigv4Signer } from './sigv4.ts';

export interface UpstreamAuthorizer {
  authorize(request: UpstreamRequest, signal: AbortSignal): Promise<UpstreamRequest>;
}

export function createAuthorizer(spec: UpstreamAuth, provider: string, timeoutMs: number): UpstreamAuthorizer {
  if (spec.scheme === 'aws-sigv4') {
    const sign = sigv4Signer(spec);
    return { authorize: (request) => sign(request) };
  }
  const tokens = new ServiceAccountTokens(spec, provider, timeoutMs);
  return {
    async authorize(request) {
      const token = await tokens.token();
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(request.headers)) if (name.toLowerCase() !== 'authorization') headers[name] = value;
      headers.authorization = `Bearer ${token}`;
      return { ...request, headers };
    },
  };
}
