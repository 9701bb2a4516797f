// A strict fake of Google Vertex AI plus its OAuth token endpoint. POST /token takes the RFC 7523 JWT
// bearer grant and verifies the assertion's RS256 signature against the test service account's public
// key (and its iss, aud, scope, iat and exp) before issuing a short-lived access token. The model
// endpoints accept only an issued token: Gemini (publishers/google ...:generateContent and
// :streamGenerateContent?alt=sse, body checked against the Gemini fake's GenerateContentRequest spec)
// and Anthropic (publishers/anthropic ...:rawPredict and :streamRawPredict, an Anthropic Messages
// body with anthropic_version "vertex-2023-10-16" and no `model`, checked against the Anthropic
// fake's spec). Errors use google.rpc.Status JSON.

import { createVerify, type KeyObject } from 'node:crypto';
import { type FeatureBody, MESSAGES_REQUEST, featureProblems } from './anthropic.ts';
import { GENERATE_CONTENT_REQUEST } from './gemini.ts';
import { check } from './spec.ts';
import { type Incoming, type StrictFake, jsonContentType, noClientCredentials, startStrictFake } from './strict-server.ts';

export interface VertexFake extends StrictFake {
  /** Access tokens issued so far (one per token exchange). */
  readonly issued: string[];
  readonly tokenUri: string;
  /** The OAuth token endpoint (its own server). */
  readonly tokens: StrictFake;
}

const b64json = (part: string): Record<string, unknown> => JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as Record<string, unknown>;

function assertionProblems(assertion: string, publicKey: KeyObject, clientEmail: string, tokenUri: string): string[] {
  const parts = assertion.split('.');
  if (parts.length !== 3) return ['401 invalid_grant: the assertion is not a JWT'];
  const header = b64json(parts[0]);
  const claims = b64json(parts[1]);
  const problems: string[] = [];
  if (header.alg !== 'RS256') problems.push(`401 invalid_grant: alg ${String(header.alg)} (RS256 required)`);
  const valid = createVerify('RSA-SHA256').update(`${parts[0]}.${parts[1]}`).verify(publicKey, Buffer.from(parts[2], 'base64url'));
  if (!valid) problems.push('401 invalid_grant: Invalid JWT Signature.');
  if (claims.iss !== clientEmail) problems.push(`401 invalid_grant: iss ${String(claims.iss)}`);
  if (claims.aud !== tokenUri) problems.push(`401 invalid_grant: aud ${String(claims.aud)} != ${tokenUri}`);
  if (claims.scope !== 'https://www.googleapis.com/auth/cloud-platform') problems.push(`401 invalid_scope: ${String(claims.scope)}`);
  const now = Math.floor(Date.now() / 1000);
  const iat = Number(claims.iat);
  const exp = Number(claims.exp);
  if (!(Math.abs(iat - now) < 60) || !(exp > now) || exp - iat > 3600) problems.push('401 invalid_grant: Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe.');
  return problems;
}

export function startVertexFake(opts: { clientKey: string; publicKey: KeyObject; clientEmail: string; project: string; location: string; staticToken?: string }): VertexFake {
  const issued: string[] = [];
  const valid = new Set<string>(opts.staticToken ? [opts.staticToken] : []);
  const googleError = (status: number, message: string) => {
    const code = status === 401 ? 'UNAUTHENTICATED' : status === 404 ? 'NOT_FOUND' : status === 429 ? 'RESOURCE_EXHAUSTED' : 'INVALID_ARGUMENT';
    return new Response(JSON.stringify({ error: { code: status, message, status: code } }), { status, headers: { 'content-type': 'application/json' } });
  };
  const tokenError = (status: number, message: string) =>
    new Response(JSON.stringify({ error: 'invalid_grant', error_description: message }), { status, headers: { 'content-type': 'application/json' } });
  let tokenUri = '';
  const tokens = startStrictFake({
    name: 'Google OAuth',
    isStream: () => false,
    errorResponse: tokenError,
    validate(i: Incoming) {
      if (i.method !== 'POST' || i.url.pathname !== '/token') return [`404 unknown token path ${i.url.pathname}`];
      if (i.headers.get('content-type') !== 'application/x-www-form-urlencoded') return ['token request must be form-encoded'];
      const form = new URLSearchParams(i.raw);
      if (form.get('grant_type') !== 'urn:ietf:params:oauth:grant-type:jwt-bearer') return ['401 unsupported_grant_type'];
      return assertionProblems(form.get('assertion') ?? '', opts.publicKey, opts.clientEmail, tokenUri);
    },
    defaultTurn: {
      respond() {
        const token = `ya29.fake-${issued.length + 1}-${crypto.randomUUID()}`;
        issued.push(token);
        valid.add(token);
        return Response.json({ access_token: token, expires_in: 3599, token_type: 'Bearer' });
      },
    },
  });
  tokenUri = `${tokens.url}/token`;
  const fake = startStrictFake({
    name: 'Vertex',
    isStream: (i) => /:(streamGenerateContent|streamRawPredict)$/.test(i.url.pathname),
    errorResponse: googleError,
    validate(i: Incoming) {
      const problems = [...noClientCredentials(i, opts.clientKey), ...jsonContentType(i)];
      const auth = i.headers.get('authorization') ?? '';
      if (!valid.has(auth.replace(/^Bearer /, ''))) return [...problems, '401 Request had invalid authentication credentials. Expected OAuth 2 access token.'];
      const base = `/v1/projects/${opts.project}/locations/${opts.location}/publishers/`;
      if (!i.url.pathname.startsWith(base)) return [...problems, `404 unknown path ${i.url.pathname}`];
      const m = /^(google|anthropic)\/models\/([^/:]+):(\w+)$/.exec(i.url.pathname.slice(base.length));
      if (!m) return [...problems, `404 unknown method ${i.url.pathname}`];
      const [, publisher, model, method] = m;
      const body = i.body as Record<string, unknown>;
      if (publisher === 'google') {
        if (!['generateContent', 'streamGenerateContent'].includes(method)) problems.push(`404 ${method} is not a Gemini method`);
        if (method === 'streamGenerateContent' && i.url.searchParams.get('alt') !== 'sse') problems.push('streamGenerateContent needs alt=sse');
        problems.push(...check(body, GENERATE_CONTENT_REQUEST));
      } else {
        if (!['rawPredict', 'streamRawPredict'].includes(method)) problems.push(`404 ${method} is not an Anthropic method`);
        if (body.anthropic_version !== 'vertex-2023-10-16') problems.push(`anthropic_version must be vertex-2023-10-16 (got ${JSON.stringify(body.anthropic_version)})`);
        if ('model' in body) problems.push('model must be in the URL, not the body');
        if ((method === 'streamRawPredict') !== (body.stream === true)) problems.push('stream must be true exactly for streamRawPredict');
        const { anthropic_version: _v, ...rest } = body;
        problems.push(...check({ ...rest, model }, MESSAGES_REQUEST));
        if (problems.length === 0) problems.push(...featureProblems({ ...rest, model } as unknown as FeatureBody, i.headers));
      }
      return problems;
    },
    defaultTurn: { json: 'gemini/conformance-text.json', sse: 'gemini/conformance-text.sse' },
  });
  const stop = fake.stop;
  const reset = fake.reset;
  return Object.assign(fake, {
    issued,
    tokenUri,
    tokens,
    stop: () => {
      stop();
      tokens.stop();
    },
    reset: () => {
      reset();
      tokens.reset();
    },
  });
}
