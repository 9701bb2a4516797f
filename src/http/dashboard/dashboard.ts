// The web dashboard at /dashboard (behind server.admin_token):
//   GET  /dashboard                 the page (login form or the app; the page's script decides)
//   GET  /dashboard/assets/NAME     bundled scripts and styles (uPlot included)
//   POST /dashboard/login           {"token": "<admin token>"} → HttpOnly, SameSite=Strict session cookie
//   POST /dashboard/logout          ends the session
//   GET  /dashboard/api/session     {"authenticated": bool}
//   ANY  /dashboard/api/PATH        the admin API's /admin/PATH, for a session cookie plus the
//                                   X-Switchyard-Dashboard header (a cross-site page can send neither)
// Other /dashboard/* paths (OpenAI's /dashboard/billing/*) are not the dashboard's: app.ts asks owns().
// The admin token is never put in a URL and never reaches the page's script after login.

import { createHash, timingSafeEqual } from 'node:crypto';
import type { Runtime } from '../../runtime/runtime.ts';
import { GatewayError } from '../../contracts/errors.ts';
import { handleAdmin } from '../admin.ts';
import { decodeUtf8, readBytes } from '../read-body.ts';
import { invalidHost, requestUrl } from '../request-url.ts';
import { DashboardAssets } from './assets.ts';
import { crossSiteRequest } from './cross-site.ts';
import { DashboardSessions, SESSION_TTL_MS } from './sessions.ts';
import { LoginThrottle, noteTokenFailure } from '../token-guard.ts';

export const COOKIE = 'switchyard_dashboard';
export const CSRF_HEADER = 'x-switchyard-dashboard';
const MAX_API_BODY = 1 << 20;
/** A login body is one short token; nobody needs more than a few seconds to send it (it comes before any auth). */
const MAX_LOGIN_BODY = 4096;
const LOGIN_BODY_TIMEOUT_MS = 10_000;

const SECURITY_HEADERS: Record<string, string> = {
  'content-security-policy': "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

const digest = (s: string) => createHash('sha256').update(s).digest();

function reply(status: number, body: BodyInit | null, type: string, extra: Record<string, string> = {}): Response {
  return new Response(body, { status, headers: { 'content-type': type, 'cache-control': 'no-store', ...SECURITY_HEADERS, ...extra } });
}

const jsonReply = (status: number, body: unknown, extra: Record<string, string> = {}) => reply(status, JSON.stringify(body), 'application/json', extra);
const error = (status: number, code: string, message: string) => jsonReply(status, { error: { message, type: status === 401 ? 'authentication_error' : 'invalid_request_error', code, param: null } });

function cookieOf(request: Request): string | undefined {
  const header = request.headers.get('cookie') ?? '';
  for (const part of header.split(';')) {
    const [name, ...rest] = part.trim().split('=');
    if (name === COOKIE) return rest.join('=');
  }
  return undefined;
}

export class Dashboard {
  private readonly sessions = new DashboardSessions();
  private readonly assets = new DashboardAssets();
  /** `throttle`: failed logins per address, shared with the admin API and /metrics (app.ts). */
  constructor(private readonly rt: Runtime, private readonly throttle = new LoginThrottle()) {}

  /** Is this one of the dashboard's paths? (Not /dashboard/billing/*: that is OpenAI's billing API.) */
  static owns(url: string): boolean {
    // A relative url (no usable Host, see request-url.ts) is the path itself.
    const start = url.charCodeAt(0) === 47 ? 0 : url.indexOf('/', url.indexOf('//') + 2);
    if (start < 0) return false;
    const path = url.slice(start).split('?')[0];
    return path === '/dashboard' || path === '/dashboard/' || /^\/dashboard\/(assets\/|api\/|login$|logout$)/.test(path);
  }

  /** `clientIp` is asked only on login (failed logins are limited per address). */
  /** `viaTrustedProxy`: the request came through a proxy server.trust_proxy believes (its X-Forwarded-Proto counts). */
  async handle(request: Request, clientIp: () => string = () => 'unknown', viaTrustedProxy: () => boolean = () => false): Promise<Response> {
    const badHost = invalidHost(request);
    if (badHost) return error(400, badHost.code, badHost.message);
    const url = requestUrl(request);
    const path = url.pathname;
    const token = this.rt.current().adminToken;
    if (!token) return reply(404, 'The dashboard is off: set server.admin_token in gateway.yaml (the bundled file reads it from SWITCHYARD_ADMIN_TOKEN).', 'text/plain; charset=utf-8');
    if (path === '/dashboard' || path === '/dashboard/') return request.method === 'GET' ? this.asset('index.html') : error(405, 'method_not_allowed', 'Use GET /dashboard.');
    if (path.startsWith('/dashboard/assets/') && request.method === 'GET') return this.asset(path.slice('/dashboard/assets/'.length));
    if (path === '/dashboard/login' && request.method === 'POST') return this.login(request, token, clientIp(), viaTrustedProxy());
    if (path === '/dashboard/logout' && request.method === 'POST') {
      this.sessions.close(cookieOf(request));
      return jsonReply(200, { ok: true }, { 'set-cookie': `${COOKIE}=; HttpOnly; SameSite=Strict; Path=/dashboard; Max-Age=0` });
    }
    if (path === '/dashboard/api/session' && request.method === 'GET') return jsonReply(200, { authenticated: this.sessions.valid(cookieOf(request), token) });
    if (path.startsWith('/dashboard/api/')) return this.api(request, url, token);
    return error(404, 'unknown_route', `Unknown dashboard path ${request.method} ${path}. Open /dashboard.`);
  }

  private asset(name: string): Response {
    const asset = /^[\w.-]+$/.test(name) ? this.assets.get(name) : undefined;
    if (!asset) return error(404, 'unknown_asset', `No dashboard asset "${name}".`);
    return reply(200, asset.body, asset.type);
  }

  private async login(request: Request, token: string, address: string, viaTrustedProxy: boolean): Promise<Response> {
    const wait = this.throttle.waitMs(address);
    if (wait > 0) {
      return jsonReply(429, { error: { message: `Too many failed logins from this address; try again in ${Math.ceil(wait / 1000)} s.`, type: 'rate_limit_error', code: 'too_many_logins', param: null } }, { 'retry-after': String(Math.ceil(wait / 1000)) });
    }
    // A page on another site can post here (a form, or a no-cors fetch with a text/plain body): refused
    // before anything counts, or any site the operator visits could lock the operator's address out.
    if (crossSiteRequest(request)) return error(403, 'cross_site_login', 'Log in from the dashboard page itself (/dashboard); a login sent by another site is refused.');
    const type = request.headers.get('content-type') ?? '';
    // Counted as a failure until it succeeds, so concurrent guesses cannot all slip past the limit; every
    // path that did not compare a presented token takes it back.
    this.throttle.fail(address);
    let text: string;
    try {
      text = await this.readSmall(request, MAX_LOGIN_BODY, Math.min(this.rt.current().bodyTimeoutMs, LOGIN_BODY_TIMEOUT_MS));
    } catch (err) {
      this.throttle.forgive(address);
      return this.bodyError(err);
    }
    const form = type.includes('application/x-www-form-urlencoded');
    let presented = '';
    if (form) presented = new URLSearchParams(text).get('token') ?? '';
    else {
      try {
        const body = JSON.parse(text) as { token?: unknown };
        if (typeof body?.token === 'string') presented = body.token;
      } catch {
        this.throttle.forgive(address);
        return error(400, 'invalid_json', 'Send {"token": "<server.admin_token>"} as JSON.');
      }
    }
    if (presented === '') {
      // No token at all is not a guess: it does not count towards the limit.
      this.throttle.forgive(address);
      noteTokenFailure(this.rt, { throttle: this.throttle, ip: () => address }, 'invalid_admin_token', 'dashboard', false);
      return form ? reply(303, null, 'text/plain', { location: '/dashboard#login-failed' }) : error(401, 'invalid_admin_token', 'Send {"token": "<server.admin_token>"} to log in.');
    }
    if (!timingSafeEqual(digest(presented), digest(token))) {
      noteTokenFailure(this.rt, { throttle: this.throttle, ip: () => address }, 'invalid_admin_token', 'dashboard', true);
      return form ? reply(303, null, 'text/plain', { location: '/dashboard#login-failed' }) : error(401, 'invalid_admin_token', 'Wrong admin token: use the value of server.admin_token.');
    }
    this.throttle.forgive(address);
    const secure = requestUrl(request).protocol === 'https:' || (viaTrustedProxy && request.headers.get('x-forwarded-proto') === 'https');
    const cookie = `${COOKIE}=${this.sessions.open(token)}; HttpOnly; SameSite=Strict; Path=/dashboard; Max-Age=${SESSION_TTL_MS / 1000}${secure ? '; Secure' : ''}`;
    return form ? reply(303, null, 'text/plain', { location: '/dashboard', 'set-cookie': cookie }) : jsonReply(200, { ok: true }, { 'set-cookie': cookie });
  }

  /** A body within `limit` bytes and `timeoutMs` (413 / 408 otherwise; the edge then closes the connection). */
  private async readSmall(request: Request, limit: number, timeoutMs: number): Promise<string> {
    return decodeUtf8(await readBytes(request, limit, timeoutMs));
  }

  private bodyError(err: unknown): Response {
    if (err instanceof GatewayError) return jsonReply(err.status, { error: { message: err.message, type: err.type, code: err.code, param: null } });
    return error(400, 'request_body_unreadable', 'The request body could not be read; send it again.');
  }

  private async api(request: Request, url: URL, token: string): Promise<Response> {
    if (!this.sessions.valid(cookieOf(request), token)) return error(401, 'dashboard_login_required', 'Log in at /dashboard first (the session is missing or expired).');
    if (request.headers.get(CSRF_HEADER) !== '1') return error(403, 'dashboard_header_missing', `Dashboard API calls need the "${CSRF_HEADER}: 1" header.`);
    const headers = new Headers({ authorization: `Bearer ${token}` });
    const type = request.headers.get('content-type');
    if (type) headers.set('content-type', type);
    let body: string | undefined;
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      try {
        body = await this.readSmall(request, MAX_API_BODY, this.rt.current().bodyTimeoutMs);
      } catch (err) {
        return this.bodyError(err);
      }
    }
    const target = new URL(`/admin/${url.pathname.slice('/dashboard/api/'.length)}${url.search}`, url);
    const response = await handleAdmin(this.rt, new Request(target, { method: request.method, headers, body }));
    response.headers.set('cache-control', 'no-store');
    return response;
  }
}
