// OAuth 2.0 service-account access tokens (RFC 7523 JWT bearer grant, as Google service accounts use):
// an RS256-signed JWT {iss, scope, aud, iat, exp} is POSTed to the token URI and exchanged for an
// access token. Tokens are cached until 60 s before they expire; concurrent requests share one
// exchange. Failures become 502 upstream_auth_failed without the key, the token or the token URI.

import { createSign } from 'node:crypto';
import type { UpstreamAuth } from '../../contracts/adapter.ts';
import { GatewayError, errors } from '../../contracts/errors.ts';
import { callUpstream } from '../call.ts';

type ServiceAccountSpec = Extract<UpstreamAuth, { scheme: 'oauth2-service-account' }>;

const LIFETIME_S = 3600;
const EARLY_REFRESH_MS = 60_000;

function base64url(input: string | Buffer): string {
  return Buffer.from(input).toString('base64url');
}

/** The signed JWT assertion for one token exchange. */
export function serviceAccountAssertion(spec: ServiceAccountSpec, nowSeconds: number): string {
  const header = { alg: 'RS256', typ: 'JWT', ...(spec.privateKeyId ? { kid: spec.privateKeyId } : {}) };
  const claims = { iss: spec.clientEmail, scope: spec.scopes.join(' '), aud: spec.tokenUri, iat: nowSeconds, exp: nowSeconds + LIFETIME_S };
  const unsigned = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(claims))}`;
  const signature = createSign('RSA-SHA256').update(unsigned).sign(spec.privateKey);
  return `${unsigned}.${base64url(signature)}`;
}

export class ServiceAccountTokens {
  private cached?: { token: string; expiresAt: number };
  private inflight?: Promise<string>;

  constructor(private readonly spec: ServiceAccountSpec, private readonly provider: string, private readonly timeoutMs: number) {}

  /**
   * A valid access token, from the cache or a new exchange. The exchange is shared by concurrent
   * requests, so it runs under its own timeout rather than one client's abort signal.
   */
  async token(): Promise<string> {
    if (this.cached && Date.now() < this.cached.expiresAt) return this.cached.token;
    this.inflight ??= this.exchange().finally(() => {
      this.inflight = undefined;
    });
    return this.inflight;
  }

  private async exchange(): Promise<string> {
    const assertion = serviceAccountAssertion(this.spec, Math.floor(Date.now() / 1000));
    const body = new URLSearchParams({ grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion }).toString();
    const call = await callUpstream(
      { url: this.spec.tokenUri, method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body },
      { provider: this.provider, timeoutMs: this.timeoutMs, signal: new AbortController().signal },
    );
    const text = await call.text();
    if (call.response.status < 200 || call.response.status >= 300) throw this.failure(`the token endpoint answered HTTP ${call.response.status}`);
    let parsed: { access_token?: unknown; expires_in?: unknown };
    try {
      parsed = JSON.parse(text) as typeof parsed;
    } catch {
      throw this.failure('the token endpoint did not answer JSON');
    }
    if (typeof parsed.access_token !== 'string' || !parsed.access_token) throw this.failure('the token endpoint sent no access_token');
    const seconds = typeof parsed.expires_in === 'number' && parsed.expires_in > 0 ? parsed.expires_in : LIFETIME_S;
    this.cached = { token: parsed.access_token, expiresAt: Date.now() + seconds * 1000 - EARLY_REFRESH_MS };
    return parsed.access_token;
  }

  private failure(reason: string): GatewayError {
    const base = errors.upstreamAuth(this.provider);
    return new GatewayError({
      status: base.status, type: base.type, code: base.code, retryable: true, cause: 401,
      message: `Provider "${this.provider}" could not get an access token for the gateway's service account (${reason}). Your key is fine; the gateway operator must check providers.${this.provider}.service_account.`,
    });
  }
}
