// AWS Signature Version 4 for an upstream call, with @smithy/signature-v4 (the AWS SDK's own signer).
// Signs the final method, URL, headers and body, so it runs after provider plugins; the signature
// headers (authorization, x-amz-date, x-amz-content-sha256, x-amz-security-token) are added to a copy.

import { SignatureV4 } from '@smithy/signature-v4';
import type { UpstreamAuth, UpstreamRequest } from '../../contracts/adapter.ts';
import { NodeSha256 } from './sha256.ts';

type SigV4Spec = Extract<UpstreamAuth, { scheme: 'aws-sigv4' }>;

export function sigv4Signer(spec: SigV4Spec): (request: UpstreamRequest) => Promise<UpstreamRequest> {
  const signer = new SignatureV4({
    service: spec.service,
    region: spec.region,
    sha256: NodeSha256,
    credentials: { accessKeyId: spec.accessKeyId, secretAccessKey: spec.secretAccessKey, sessionToken: spec.sessionToken },
  });
  return async (request) => {
    const url = new URL(request.url);
    const query: Record<string, string> = {};
    for (const [name, value] of url.searchParams) query[name] = value;
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(request.headers)) headers[name.toLowerCase()] = value;
    headers.host = url.host;
    const body = request.body;
    if (body instanceof FormData) throw new Error('SigV4 cannot sign a multipart body');
    const signed = await signer.sign({
      method: request.method,
      protocol: url.protocol,
      hostname: url.hostname,
      port: url.port ? Number(url.port) : undefined,
      path: url.pathname,
      query,
      headers,
      body: body ?? undefined,
    });
    const out: Record<string, string> = {};
    for (const [name, value] of Object.entries(signed.headers)) if (name !== 'host') out[name] = value;
    return { ...request, headers: out };
  };
}
