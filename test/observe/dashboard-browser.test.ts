// The dashboard in a real headless Chromium (playwright-core driving the system's chromium): log in,
// the overview shows the ledger's numbers and draws its charts, a key is created and revoked through the
// UI and the admin API agrees, the failing provider shows as open, usage exports as CSV, config masks
// secrets and flags the unpriced model; no console errors and no request leaves 127.0.0.1.
// Skipped (with a message) only when no chromium binary exists. DASHBOARD_SCREENSHOTS=dir saves a PNG
// of each page there (`bun run screenshots` writes docs/screenshots/).

import { afterAll, beforeAll, expect, test } from 'bun:test';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { ADMIN, admin, chat } from '../ledger/harness.ts';
import { FIXTURE_KEYS, PROVIDER_SECRETS, startDashboardFixture, type DashboardFixture } from '../helpers/dashboard-fixture.ts';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const available = existsSync(CHROMIUM);
if (!available) console.warn(`dashboard browser test skipped: no chromium at ${CHROMIUM} (apt-get install -y chromium, or set CHROMIUM_PATH)`);
const SHOTS = process.env.DASHBOARD_SCREENSHOTS ? resolve(process.env.DASHBOARD_SCREENSHOTS) : undefined;

let fx: DashboardFixture;
let ctx: BrowserContext;
let page: Page;
let userDir: string;
const consoleErrors: string[] = [];
const foreign: string[] = [];

beforeAll(async () => {
  if (!available) return;
  fx = await startDashboardFixture();
  userDir = mkdtempSync(join(tmpdir(), 'switchyard-chromium-'));
  ctx = await chromium.launchPersistentContext(userDir, {
    executablePath: CHROMIUM, headless: true, acceptDownloads: true, viewport: { width: 1360, height: 900 },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  page = ctx.pages()[0] ?? (await ctx.newPage());
  page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(m.text()); });
  page.on('pageerror', (e) => consoleErrors.push(String(e)));
  page.on('request', (r) => {
    const u = new URL(r.url());
    if (!(u.protocol === 'blob:' || u.protocol === 'data:' || u.hostname === '127.0.0.1')) foreign.push(r.url());
  });
  if (SHOTS) mkdirSync(SHOTS, { recursive: true });
}, 30_000);

afterAll(async () => {
  await ctx?.close();
  await fx?.stop();
  if (userDir) rmSync(userDir, { recursive: true, force: true });
});

async function open(name: string): Promise<void> {
  await page.click(`nav a[data-page="${name}"]`);
  await page.waitForSelector(`main[data-ready="${name}"]`);
  if (SHOTS) {
    await page.waitForTimeout(300);
    await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
  }
}

test.skipIf(!available)('log in, overview numbers and charts, keys, providers, usage, config; offline and error-free', async () => {
  const { h } = fx;
  await page.goto(`${h.url}/dashboard`);
  await page.waitForSelector('#login:not([hidden])');
  if (SHOTS) await page.screenshot({ path: join(SHOTS, 'login.png') });
  await page.fill('#token', ADMIN);
  await page.click('#login-form button[type=submit]');
  await page.waitForSelector('main[data-ready="overview"]');
  expect(page.url()).not.toContain(ADMIN);
  const cookies = await ctx.cookies();
  expect(cookies).toHaveLength(1);
  expect(cookies[0]).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/dashboard' });
  expect(await page.evaluate(() => document.cookie)).toBe('');

  // Overview: the ledger's numbers, and four drawn charts.
  const [ledger] = await h.query("SELECT COUNT(*) AS n, SUM(prompt_tokens + completion_tokens) AS t, SUM(cost_micros) AS c FROM requests");
  const cost = Number(ledger.c) / 1e6;
  expect(cost).toBeGreaterThan(0);
  expect(await page.textContent('#stat-requests')).toBe(Number(ledger.n).toLocaleString('en-US'));
  expect(await page.textContent('#stat-tokens')).toBe(Number(ledger.t).toLocaleString('en-US'));
  expect(await page.textContent('#stat-spend')).toBe(`$${cost.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 6 })}`);
  await page.waitForFunction(() => document.querySelectorAll('.chart .uplot canvas').length === 4);
  expect(Number(await page.getAttribute('#chart-spend', 'data-total'))).toBeCloseTo(cost, 9);
  expect(Number(await page.getAttribute('#chart-requests', 'data-total'))).toBe(Number(ledger.n) + 2); // requests + errors series
  expect(await page.locator('#chart-spend .u-legend').textContent()).toContain('alice');
  expect(await page.textContent('#top-keys')).toContain('bob');
  expect(await page.textContent('#unpriced-notice')).toContain('free');
  await page.click('#window-1h');
  await page.waitForSelector('#window-1h.selected');
  await page.waitForFunction(() => document.querySelectorAll('.chart .uplot canvas').length === 4);
  expect(await page.textContent('#stat-requests')).toBe(Number(ledger.n).toLocaleString('en-US'));
  if (SHOTS) await page.screenshot({ path: join(SHOTS, 'overview.png'), fullPage: true });

  // Keys: create a runtime key (plaintext shown once), use it, revoke it; the admin API agrees.
  await open('keys');
  await page.fill('#create-key input[name=name]', 'ui-key');
  await page.fill('#create-key input[name=budget]', '2');
  await page.click('#create-key button[type=submit]');
  const plaintext = (await (await page.waitForSelector('#new-key-value')).textContent())!;
  expect(plaintext.length).toBeGreaterThan(20);
  const created = await (await admin(h.url, 'GET', '/admin/keys/ui-key')).json();
  expect(created).toMatchObject({ name: 'ui-key', source: 'runtime', budget_usd: 2, revoked: false });
  expect((await chat(h.url, { model: 'm' }, plaintext)).status).toBe(200);
  const row = page.locator('#keys-table tr[data-key="ui-key"]');
  await row.locator('button.revoke').click();
  await row.locator('button.revoke').click(); // confirm
  await page.waitForSelector('#keys-table tr[data-key="ui-key"] .badge.revoked');
  expect((await (await admin(h.url, 'GET', '/admin/keys/ui-key')).json()).revoked).toBe(true);
  expect((await chat(h.url, { model: 'm' }, plaintext)).status).toBe(401);
  if (SHOTS) await page.screenshot({ path: join(SHOTS, 'keys.png'), fullPage: true });

  // Providers: the failing target is open, the healthy one closed; Test reports the failure.
  await open('providers');
  expect(await page.textContent('tr[data-key="bad/up-broken"] .badge')).toBe('open');
  expect(await page.textContent('tr[data-key="good/up-m"] .badge')).toBe('closed');
  expect(await page.textContent('tr[data-key="bad/up-broken"]')).toContain('upstream_error');
  await page.click('section[data-provider="bad"] button.test');
  await page.waitForSelector('section[data-provider="bad"] .test-results');
  expect(await page.textContent('section[data-provider="bad"] .test-output')).toContain('fail');
  if (SHOTS) await page.screenshot({ path: join(SHOTS, 'providers.png'), fullPage: true });

  // Usage: grouped report and a CSV export.
  await open('usage');
  expect(await page.textContent('#usage-table')).toContain('alice');
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#export-csv')]);
  const csv = readFileSync((await download.path())!, 'utf8');
  expect(csv.split('\r\n')[0]).toBe('key,model,requests,prompt_tokens,completion_tokens,cached_tokens,cost_usd');
  expect(csv).toContain('alice,m,3,3000,600,0,');

  // Config: compiled view with secrets masked, unpriced model flagged, the rejected reload at file:line:col.
  h.write(readFileSync(h.configPath, 'utf8').replace('models:\n  m:', 'models:\n  m: { price: { input: nope } }\n  m2:'));
  expect(await h.gw.reload('test')).toBe(false);
  await open('config');
  expect(await page.textContent('#config-error')).toMatch(/gateway\.yaml:\d+:\d+: /);
  expect(await page.textContent('#config-hash')).toBe(h.gw.runtime.status.hash);
  expect(await page.textContent('#config-models tr[data-key="free"]')).toContain('unpriced');
  const html = await page.content();
  for (const secret of [...Object.values(PROVIDER_SECRETS), ...Object.values(FIXTURE_KEYS), ADMIN]) expect(html).not.toContain(secret);

  // Log out: the API refuses the old session.
  await page.click('#logout');
  await page.waitForSelector('#login:not([hidden])');
  expect(consoleErrors).toEqual([]);
  expect(foreign).toEqual([]);
}, 90_000);
