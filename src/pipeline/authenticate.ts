// Authenticates a caller by its key (Authorization: Bearer, x-api-key or api-key), looked up by
// sha256 digest and confirmed with a constant-time compare; then checks revocation, expiry and
// allowed IPs (a revoked or expired key gets its own code, so its owner knows to ask for a new one).
// One API's channel pinning by key suffix, `<key>-<provider>` (keys with can_pin), is tried only when the
// whole presented string is no key: ordinary keys pay nothing for it.

import { createHash, timingSafeEqual } from 'node:crypto';
import { GatewayError } from '../contracts/errors.ts';
import type { CompiledGateway, CompiledKey } from '../compile/types.ts';
import { ipAllowed } from './ip-match.ts';

export type KeyLookup = (digest: string) => CompiledKey | undefined;

/** Most config keys remembered per snapshot (gw.confirmedKeys); failed attempts and runtime keys never are. */
const MAX_CONFIRMED = 4096;

/** How the surfaces take a key (the Gemini surface adds its own ways), for the messages that name them. */
export const KEY_HEADERS = '"Authorization: Bearer <key>", "x-api-key: <key>" or "api-key: <key>"';

/** Authorization schemes named back in a message; anything else is not echoed (it could be part of a key). */
const KNOWN_SCHEMES = new Set(['basic', 'digest', 'token', 'negotiate', 'ntlm', 'oauth', 'hoba', 'mutual', 'aws4-hmac-sha256']);

/**
 * The key a client sent: `Authorization: Bearer <key>` (or a bare `Authorization: <key>`), else x-api-key or
 * api-key. `Bearer` with no key counts as no key; another scheme (`Basic ...`) is a 401 naming `accepted`.
 */
export function presentedKey(headers: Headers, accepted = KEY_HEADERS): string | undefined {
  const auth = headers.get('authorization')?.trim();
  if (auth) {
    const space = auth.search(/\s/);
    if (space === -1) {
      if (auth.toLowerCase() !== 'bearer') return auth;
    } else {
      const scheme = auth.slice(0, space);
      if (scheme.toLowerCase() !== 'bearer') throw wrongScheme(scheme, accepted);
      const token = auth.slice(space + 1).trim();
      if (token) return token;
    }
  }
  return headers.get('x-api-key')?.trim() || headers.get('api-key')?.trim() || undefined;
}

function wrongScheme(scheme: string, accepted: string): GatewayError {
  const named = KNOWN_SCHEMES.has(scheme.toLowerCase()) ? `the "${scheme}" scheme` : 'a scheme other than Bearer';
  return new GatewayError({
    status: 401, type: 'authentication_error', code: 'invalid_api_key',
    message: `The Authorization header uses ${named}, which this gateway does not accept. Send your Switchyard gateway key as ${accepted}.`,
  });
}

/** The client's address, or where to find it when a key's allow_ips needs it (the exchange itself has a lazy getter). */
export type ClientIpSource = string | (() => string) | { readonly clientIp: string };

/** Where a `<key>-<provider>` suffix pin is recorded (the exchange). */
export interface PinSink {
  keyPin?: string;
}

export function authenticate(gw: CompiledGateway, headers: Headers, clientIpOf: ClientIpSource, lookupRuntime?: KeyLookup, now = Date.now(), pins?: PinSink): CompiledKey {
  return authenticateKey(gw, presentedKey(headers), clientIpOf, lookupRuntime, now, KEY_HEADERS, pins);
}

/** Authenticates a key a protocol surface found wherever its clients send it (a header, a query parameter). */
export function authenticateKey(
  gw: CompiledGateway, presented: string | undefined, clientIpOf: ClientIpSource, lookupRuntime?: KeyLookup, now = Date.now(), accepted = KEY_HEADERS, pins?: PinSink,
): CompiledKey {
  if (!presented) {
    throw new GatewayError({
      status: 401, type: 'authentication_error', code: 'missing_api_key',
      message: `No API key was sent. Send your Switchyard gateway key as ${accepted}. Keys are issued by this gateway's operator, not by OpenAI.`,
    });
  }
  // A config key already confirmed on this snapshot skips the sha256 and compare; runtime keys are always
  // looked up (they can be revoked between two requests).
  const key = gw.confirmedKeys.get(presented) ?? lookUp(gw, presented, lookupRuntime) ?? pinnedKey(gw, presented, lookupRuntime, pins);
  if (key.revokedAt !== undefined) {
    throw new GatewayError({
      status: 401, type: 'authentication_error', code: 'revoked_api_key',
      message: `The API key "${key.name}" was revoked at ${new Date(key.revokedAt).toISOString()}. Ask this gateway's operator for a new key.`,
    });
  }
  if (key.expiresAt !== undefined && key.expiresAt <= now) {
    throw new GatewayError({
      status: 401, type: 'authentication_error', code: 'expired_api_key',
      message: `The API key "${key.name}" expired at ${new Date(key.expiresAt).toISOString()}. Ask this gateway's operator for a new key.`,
    });
  }
  const clientIp = key.allowIps?.length ? (typeof clientIpOf === 'string' ? clientIpOf : typeof clientIpOf === 'function' ? clientIpOf() : clientIpOf.clientIp) : '';
  if (key.allowIps?.length && !ipAllowed(clientIp, key.allowIps)) {
    throw new GatewayError({
      status: 403, type: 'permission_error', code: 'ip_not_allowed',
      message: `The API key "${key.name}" may not be used from ${clientIp}. Ask this gateway's operator to add your address to its allow_ips.`,
    });
  }
  return key;
}

/** The key whose digest is that of `presented`, or undefined. */
function lookUp(gw: CompiledGateway, presented: string, lookupRuntime: KeyLookup | undefined): CompiledKey | undefined {
  const digestBytes = createHash('sha256').update(presented).digest();
  const digest = digestBytes.toString('hex');
  const fromConfig = gw.keysByDigest.get(digest);
  const key = fromConfig ?? lookupRuntime?.(digest);
  if (!key || !timingSafeEqual(Buffer.from(key.digest, 'hex'), digestBytes)) return undefined;
  if (fromConfig && gw.confirmedKeys.size < MAX_CONFIRMED) gw.confirmedKeys.set(presented, fromConfig);
  return key;
}

const INVALID_KEY = 'The API key is not valid for this Switchyard gateway. Use a key issued by this gateway\'s operator (a provider key such as an OpenAI key will not work here).';

function invalidKey(detail = ''): GatewayError {
  return new GatewayError({ status: 401, type: 'authentication_error', code: 'invalid_api_key', message: INVALID_KEY + detail });
}

/**
 * `<key>-<provider>` (One API's `ONE_API_KEY-CHANNEL_ID`), for a presented string that is no key: split at
 * the last '-' (keys may contain '-'); the prefix must be a key with can_pin, the suffix a provider its group
 * may reach. The pin is recorded in `pins`. Otherwise 401 invalid_api_key; its message says what the prefix
 * proves (the caller holds that key) and no more: never a key name, never the suffix, never other keys.
 */
function pinnedKey(gw: CompiledGateway, presented: string, lookupRuntime: KeyLookup | undefined, pins: PinSink | undefined): CompiledKey {
  const dash = presented.lastIndexOf('-');
  const key = dash > 0 && dash < presented.length - 1 ? lookUp(gw, presented.slice(0, dash), lookupRuntime) : undefined;
  if (!key || !pins) throw invalidKey();
  if (!key.canPin) {
    throw invalidKey(' The part before its last "-" is a key of this gateway, but that key may not pin a provider with a "-<provider>" suffix ' +
      '(it needs can_pin: true from the operator): send the key without the suffix.');
  }
  const provider = presented.slice(dash + 1);
  const allowed = gw.groups.get(key.group)?.providers;
  if (!gw.providers.has(provider) || (allowed && !allowed.has(provider))) {
    throw invalidKey(' The part before its last "-" is a key of this gateway that may pin a provider, but the part after it is not the name of a provider ' +
      'this key may use: send "<key>-<provider name>" with a provider name from gateway.yaml, or the key alone.');
  }
  pins.keyPin = provider;
  return key;
}

export function assertModelAllowed(key: CompiledKey, model: string): void {
  if (!key.modelPatterns || key.modelPatterns.some((re) => re.test(model))) return;
  throw new GatewayError({
    status: 403, type: 'permission_error', code: 'model_not_allowed', param: 'model',
    message: `The API key "${key.name}" may not use model "${model}". GET /v1/models lists the models this key may use.`,
  });
}

export function modelAllowed(key: CompiledKey, model: string): boolean {
  return !key.modelPatterns || key.modelPatterns.some((re) => re.test(model));
}
