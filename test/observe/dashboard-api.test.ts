// The dashboard's HTTP side without a browser: login (JSON and form), the session cookie's attributes,
// the CSRF header, logout, the admin token never needed by the page; the admin endpoints it uses
// (timeseries matching the ledger, providers with ledger stats, the masked compiled config) and the
// bundled, CDN-free assets.

import { afterAll, beforeAll, expect, test } from 'bun:test';
import { ADMIN, admin } from '../ledger/harness.ts';
import { FIXTURE_KEYS, PROVIDER_SECRETS, startDashboardFixture, type DashboardFixture } from '../helpers/dashboard-fixture.ts';

let fx: DashboardFixture;
beforeAll(async () => {
  fx = await startDashboardFixture();
}, 30_000);
afterAll(() => fx.stop());

const url = (path: string) => `${fx.h.url}${path}`;
const login = (token: string) => fetch(url('/dashboard/login'), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token }) });
const cookieOf = (res: Response) => res.headers.get('set-cookie')!.split(';')[0];
const api = (path: string, cookie: string | null, init: RequestInit & { csrf?: boolean } = {}) => fetch(url(`/dashboard/api${path}`), {
  ...init, headers: { ...(cookie ? { cookie } : {}), ...(init.csrf === false ? {} : { 'x-switchyard-dashboard': '1' }), ...(init.body ? { 'content-type': 'application/json' } : {}) },
});

test('login sets an HttpOnly SameSite=Strict session cookie; the API needs it and the CSRF header; logout ends it', async () => {
  const wrong = await login('not-the-token');
  expect(wrong.status).toBe(401);
  expect(wrong.headers.get('set-cookie')).toBeNull();
  expect((await api('/keys', null)).status).toBe(401);

  const ok = await login(ADMIN);
  expect(ok.status).toBe(200);
  const set = ok.headers.get('set-cookie')!;
  expect(set).toMatch(/^switchyard_dashboard=[A-Za-z0-9_-]{43}; /);
  expect(set).toContain('HttpOnly');
  expect(set).toContain('SameSite=Strict');
  expect(set).toContain('Path=/dashboard');
  expect(set).not.toContain(ADMIN);
  const cookie = cookieOf(ok);

  expect((await api('/keys', cookie, { csrf: false })).status).toBe(403);
  expect((await api('/keys', 'switchyard_dashboard=forged')).status).toBe(401);
  const keys = await api('/keys', cookie);
  expect(keys.status).toBe(200);
  expect(keys.headers.get('cache-control')).toBe('no-store');
  expect((await keys.json()).data.map((k: { name: string }) => k.name)).toEqual(['alice', 'bob']);
  expect(await (await fetch(url('/dashboard/api/session'), { headers: { cookie } })).json()).toEqual({ authenticated: true });

  // Writes go through too (create + revoke), and the admin API sees them.
  const created = await api('/keys', cookie, { method: 'POST', body: JSON.stringify({ name: 'api-made', budget: 1 }) });
  expect(created.status).toBe(201);
  expect((await api('/keys/api-made', cookie, { method: 'DELETE' })).status).toBe(200);
  expect((await (await admin(fx.h.url, 'GET', '/admin/keys/api-made')).json()).revoked).toBe(true);

  const out = await fetch(url('/dashboard/logout'), { method: 'POST', headers: { cookie } });
  expect(out.headers.get('set-cookie')).toContain('Max-Age=0');
  expect((await api('/keys', cookie)).status).toBe(401);
});

test('a plain form login (no script) posts the token in the body and redirects without it in any URL', async () => {
  const res = await fetch(url('/dashboard/login'), { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `token=${encodeURIComponent(ADMIN)}` });
  expect(res.status).toBe(303);
  expect(res.headers.get('location')).toBe('/dashboard');
  expect((await api('/config', cookieOf(res))).status).toBe(200);
  const bad = await fetch(url('/dashboard/login'), { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'token=nope' });
  expect(bad.status).toBe(303);
  expect(bad.headers.get('location')).toBe('/dashboard#login-failed');
  expect(bad.headers.get('set-cookie')).toBeNull();
});

test('the page and its assets are served by the gateway, locked down by CSP, with no external URL', async () => {
  const page = await fetch(url('/dashboard'));
  expect(page.status).toBe(200);
  expect(page.headers.get('content-type')).toContain('text/html');
  expect(page.headers.get('content-security-policy')).toContain("default-src 'self'");
  expect(page.headers.get('x-frame-options')).toBe('DENY');
  const html = await page.text();
  const assets = [...html.matchAll(/(?:src|href)="(\/dashboard\/assets\/[^"]+)"/g)].map((m) => m[1]);
  expect(assets).toEqual(expect.arrayContaining(['/dashboard/assets/uplot.js', '/dashboard/assets/uplot.css', '/dashboard/assets/app.js', '/dashboard/assets/app.css']));
  for (const name of ['app.js', 'ui.js', 'overview.js', 'keys.js', 'providers.js', 'usage.js', 'config.js', 'app.css', 'index.html']) {
    const res = await fetch(url(`/dashboard/assets/${name}`));
    expect(res.status).toBe(200);
    expect(await res.text()).not.toMatch(/https?:\/\//);
  }
  const uplot = await fetch(url('/dashboard/assets/uplot.js'));
  expect(uplot.headers.get('content-type')).toContain('javascript');
  expect(await uplot.text()).toContain('uPlot');
  // An escape from the assets folder is refused before routing (invalid_path); a name not bundled is a 404.
  expect((await fetch(url('/dashboard/assets/..%2Fdashboard.ts'))).status).toBe(400);
  expect((await fetch(url('/dashboard/assets/dashboard.ts'))).status).toBe(404);
});

test('GET /admin/timeseries buckets the ledger: totals and spend per key match it; check traffic is left out', async () => {
  const before = await (await admin(fx.h.url, 'GET', '/admin/timeseries?window=1h')).json();
  expect((await admin(fx.h.url, 'POST', '/admin/providers/good/test')).status).toBe(200); // "(provider-test)" rows
  const res = await admin(fx.h.url, 'GET', '/admin/timeseries?window=1h');
  expect(res.status).toBe(200);
  const ts = await res.json();
  const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
  const rows = await fx.h.query("SELECT key_name AS k, COUNT(*) AS n, SUM(status >= 400) AS e, SUM(prompt_tokens) AS p, SUM(completion_tokens) AS c, SUM(cost_micros) AS cost FROM requests WHERE key_name NOT LIKE '(%' GROUP BY key_name");
  const total = (f: string) => rows.reduce((a, r) => a + Number(r[f]), 0);
  expect(ts.t).toHaveLength(60);
  expect(ts.bucket_ms).toBe(60_000);
  expect(sum(ts.requests)).toBe(total('n'));
  expect(sum(ts.requests)).toBe(sum(before.requests));
  expect(sum(ts.errors)).toBe(total('e'));
  expect(sum(ts.prompt_tokens)).toBe(total('p'));
  expect(sum(ts.completion_tokens)).toBe(total('c'));
  expect(sum(ts.cost_micros)).toBe(total('cost'));
  for (const r of rows) expect(sum(ts.cost_by_key[String(r.k)])).toBe(Number(r.cost));
  expect(Object.keys(ts.cost_by_key).some((k) => k.startsWith('('))).toBe(false);
  const bad = await admin(fx.h.url, 'GET', '/admin/timeseries?window=2d');
  expect(bad.status).toBe(400);
  expect((await bad.json()).error.param).toBe('window');
});

test('GET /admin/providers adds recent attempts, error rate, latency and the last error from the ledger', async () => {
  const { data } = await (await admin(fx.h.url, 'GET', '/admin/providers')).json();
  const bad = data.find((p: { provider: string }) => p.provider === 'bad').targets[0];
  expect(bad.state).toBe('open');
  expect(bad.recent.attempts).toBeGreaterThanOrEqual(2);
  expect(bad.recent.error_rate).toBe(1);
  expect(bad.last_error).toMatchObject({ status: 500, code: 'upstream_error' }); // the upstream's status, as user attempts record it
  const good = data.find((p: { provider: string }) => p.provider === 'good').targets.find((t: { upstream_model: string }) => t.upstream_model === 'up-m');
  expect(good).toMatchObject({ state: 'closed', last_error: null });
  expect(good.recent.error_rate).toBe(0);
  expect(good.recent.avg_latency_ms).toBeGreaterThanOrEqual(0);
});

test('GET /admin/config/compiled: models → targets and prices, unpriced models flagged, no secret anywhere', async () => {
  const res = await admin(fx.h.url, 'GET', '/admin/config/compiled');
  const text = await res.text();
  for (const secret of [...Object.values(PROVIDER_SECRETS), ...Object.values(FIXTURE_KEYS), ADMIN]) expect(text).not.toContain(secret);
  const view = JSON.parse(text);
  expect(view.unpriced_models).toEqual(['free']);
  expect(view.models.find((m: { name: string }) => m.name === 'm')).toMatchObject({
    targets: [{ provider: 'good', upstream_model: 'up-m', priority: 0, weight: 1 }], price_per_1m_usd: { input: 3, output: 15 }, unpriced: false,
  });
  expect(view.providers[0].api_key).toBe('sk-***');
  // A secret with no vendor scheme shows nothing of itself, not even its first characters.
  expect(view.admin_token).toBe('***');
  expect(view.hash).toBe(fx.h.gw.runtime.status.hash);
});

test('failed logins are limited per address: after 10 wrong tokens within a minute, 429, even for the right one', async () => {
  // Runs last: it locks this address out of logging in for a minute (earlier tests failed twice already).
  let wrong = 0;
  while (wrong < 20 && (await login(`wrong-${wrong}`)).status === 401) wrong++;
  expect(wrong).toBeGreaterThan(0);
  expect(wrong).toBeLessThanOrEqual(10);
  const locked = await login(ADMIN);
  expect(locked.status).toBe(429);
  expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(0);
  expect(locked.headers.get('set-cookie')).toBeNull();
  expect((await locked.json()).error.code).toBe('too_many_logins');
});

test("OpenAI's /dashboard/billing/* stays the billing API next to the dashboard", async () => {
  const res = await fetch(url('/dashboard/billing/subscription'), { headers: { authorization: `Bearer ${FIXTURE_KEYS.alice}` } });
  expect(res.status).toBe(200);
  expect((await res.json()).object).toBe('billing_subscription');
  expect((await fetch(url('/dashboard/nothing-here'))).status).not.toBe(200);
});
