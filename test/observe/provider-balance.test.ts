// Upstream account balances (providers.X.balance) against fake vendor servers that speak each vendor's
// balance API strictly (method, path, query, bearer key; 401 otherwise): the One API-style aggregator
// (subscription + usage), DeepSeek, Moonshot, SiliconFlow and OpenRouter (key and credits). Asserts
// GET /admin/providers, POST /admin/providers/{name}/balance, the switchyard_provider_balance gauge,
// the log (warn_below once per drop, failures once per change), no ledger rows, and that vendors which
// answer HTML, 500 with secrets in the body, a huge body, a lying shape or nothing at all leave the
// gateway serving and report only a short, sanitized error.

import { afterAll, beforeAll, expect, test } from 'bun:test';
import { type FakeUpstream, chatCompletion, json, startFakeUpstream } from '../helpers/fake-upstream.ts';
import { parsePrometheus } from '../helpers/prom-text.ts';
import { ADMIN, type Harness, KEY, admin, chat, harness, recordingLogger } from '../ledger/harness.ts';

const K = {
  agg: 'sk-aggregator-balance-key-0001', deepseek: 'sk-deepseek-balance-key-0002', moonshot: 'sk-moonshot-balance-key-0003',
  silicon: 'sk-siliconflow-balance-key-0004', orKey: 'sk-or-v1-inference-key-0005', orMgmt: 'sk-or-v1-management-key-0006',
  bad: 'sk-bad-vendor-balance-key-0007',
};
const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** A vendor: answers `routes[path]` for GET with the right bearer key, 401 for another key, 404 for another path. */
function vendor(key: string, routes: Record<string, () => Response | Promise<Response>>): FakeUpstream {
  return startFakeUpstream((req) => {
    const url = new URL(req.url);
    if (req.method !== 'GET') return json({ error: { message: 'method' } }, 405);
    const route = routes[url.pathname];
    if (!route) return json({ error: { message: 'not found' } }, 404);
    if (req.headers.get('authorization') !== `Bearer ${key}`) return json({ error: { message: 'Invalid API key', type: 'authentication_error' } }, 401);
    return route();
  });
}

let deepseekAnswer: () => Response;
const upstreams: Record<string, FakeUpstream> = {};
let h: Harness;
const log = recordingLogger();

beforeAll(async () => {
  upstreams.chat = startFakeUpstream(() => json(chatCompletion('pong', 'up-m')));
  // One API / new-api: hard_limit_usd of the token, total_usage in cents over start_date..end_date.
  upstreams.agg = vendor(K.agg, {
    '/v1/dashboard/billing/subscription': () => json({ object: 'billing_subscription', has_payment_method: false, soft_limit_usd: 25, hard_limit_usd: 25, system_hard_limit_usd: 25, access_until: 0 }),
    '/v1/dashboard/billing/usage': () => json({ object: 'list', total_usage: 1234.5 }),
  });
  deepseekAnswer = () => json({ is_available: true, balance_infos: [{ currency: 'CNY', total_balance: '110.00', granted_balance: '10.00', topped_up_balance: '100.00' }] });
  upstreams.deepseek = vendor(K.deepseek, { '/user/balance': () => deepseekAnswer() });
  upstreams.moonshot = vendor(K.moonshot, { '/v1/users/me/balance': () => json({ code: 0, data: { available_balance: 49.58894, voucher_balance: 46.58893, cash_balance: 3.00001 }, scode: '0x0', status: true }) });
  upstreams.silicon = vendor(K.silicon, {
    '/v1/user/info': () => json({ code: 20000, message: 'OK', status: true, data: { id: 'userid', name: 'username', balance: '0.88', status: 'normal', chargeBalance: '88.00', totalBalance: '88.88' } }),
  });
  upstreams.orKey = vendor(K.orKey, { '/api/v1/key': () => json({ data: { label: 'sk-or-v1-au7...890', limit: 100, usage: 25.5, limit_remaining: 74.5, limit_reset: 'monthly', is_free_tier: false } }) });
  upstreams.orMgmt = vendor(K.orMgmt, { '/api/v1/credits': () => json({ data: { total_credits: 100.5, total_usage: 25.75 } }) });
  // Misbehaving vendors.
  upstreams.html = vendor(K.bad, { '/v1/users/me/balance': () => new Response('<html><body>Welcome to nginx!</body></html>', { headers: { 'content-type': 'text/html' } }) });
  upstreams.leaky = vendor(K.bad, { '/user/balance': () => json({ error: { message: `internal error for key ${K.bad} at http://10.0.0.7:8080/internal/billing\nstack` } }, 500) });
  upstreams.huge = vendor(K.bad, { '/v1/user/info': () => new Response(new ReadableStream({ pull(c) { c.enqueue(new TextEncoder().encode(`{"pad":"${'x'.repeat(65_536)}`)); } }), { headers: { 'content-type': 'application/json' } }) });
  upstreams.lying = vendor(K.bad, { '/user/balance': () => json({ is_available: true, balance_infos: 'plenty' }) });
  upstreams.stall = vendor(K.bad, { '/v1/dashboard/billing/subscription': () => new Promise<Response>(() => {}) });

  const u = upstreams;
  h = await harness(`version: 1
server: { admin_token: ${ADMIN} }
keys:
  - { name: tester, key: ${KEY} }
providers:
  chat: { adapter: openai, base_url: ${u.chat.url}/v1, models: { m: up-m } }
  agg: { adapter: openai, base_url: ${u.agg.url}/v1, api_key: ${K.agg}, balance: true }
  deepseek: { adapter: deepseek, base_url: ${u.deepseek.url}/v1, api_key: ${K.deepseek}, balance: { warn_below: 200 } }
  moonshot: { adapter: moonshot, base_url: ${u.moonshot.url}/v1, api_key: ${K.moonshot}, balance: { currency: CNY } }
  silicon: { adapter: siliconflow, base_url: ${u.silicon.url}/v1, api_key: ${K.silicon}, balance: { every_ms: 60000 } }
  orkey: { adapter: openrouter, base_url: ${u.orKey.url}/api/v1, api_key: ${K.orKey}, balance: true }
  orcredits: { adapter: openrouter, base_url: ${u.orMgmt.url}/api/v1, api_key: ${K.orKey}, balance: { kind: openrouter_credits, api_key: ${K.orMgmt} } }
  html: { adapter: moonshot, base_url: ${u.html.url}/v1, api_key: ${K.bad}, balance: true }
  leaky: { adapter: deepseek, base_url: ${u.leaky.url}, api_key: ${K.bad}, balance: true }
  huge: { adapter: siliconflow, base_url: ${u.huge.url}/v1, api_key: ${K.bad}, balance: true }
  lying: { adapter: deepseek, base_url: ${u.lying.url}/v1, api_key: ${K.bad}, balance: true }
  stall: { adapter: openai, base_url: ${u.stall.url}/v1, api_key: ${K.bad}, timeout_ms: 1000, balance: { kind: openai_billing } }
  hdr: { adapter: siliconflow, base_url: ${u.silicon.url}/v1, headers: { Authorization: "Bearer ${K.silicon}" }, balance: true }
  wrongkey: { adapter: openrouter, base_url: ${u.orKey.url}/api/v1, api_key: sk-or-v1-not-the-right-key-0008, balance: true }
`, undefined, log);
});

afterAll(async () => {
  await h?.cleanup();
  for (const u of Object.values(upstreams)) u.stop();
});

async function providers(): Promise<Record<string, { balance: Record<string, unknown> | null }>> {
  const res = await admin(h.url, 'GET', '/admin/providers');
  expect(res.status).toBe(200);
  const body = (await res.json()) as { data: Array<{ provider: string; balance: Record<string, unknown> | null }> };
  return Object.fromEntries(body.data.map((p) => [p.provider, p]));
}

/** Waits until every provider with a balance check has a first result (a reading or an error). */
async function settled(): Promise<Record<string, { balance: Record<string, unknown> | null }>> {
  for (let i = 0; i < 100; i++) {
    const all = await providers();
    if (Object.values(all).every((p) => !p.balance || p.balance.amount !== null || p.balance.error)) return all;
    await Bun.sleep(50);
  }
  throw new Error('balance checks did not finish');
}

test('each vendor kind is read in its own format, with the vendor currency, while the gateway serves', async () => {
  const started = Date.now();
  const chatRes = await chat(h.url, {});
  expect(chatRes.status).toBe(200); // a stalled balance endpoint is not on any request's path
  expect(Date.now() - started).toBeLessThan(900);
  const all = await settled();
  const amount = (name: string) => [all[name].balance?.amount, all[name].balance?.currency];
  expect(amount('agg')).toEqual([12.655, 'USD']);
  expect(amount('deepseek')).toEqual([110, 'CNY']);
  expect(amount('moonshot')).toEqual([49.58894, 'CNY']);
  expect(amount('silicon')).toEqual([88.88, 'USD']);
  expect(amount('hdr')).toEqual([88.88, 'USD']); // a credential given in headers only is used as is
  expect(amount('orkey')).toEqual([74.5, 'USD']);
  expect(amount('orcredits')).toEqual([74.75, 'USD']);
  expect(all.chat.balance).toBeNull();
  expect(all.agg.balance).toMatchObject({ kind: 'openai_billing', every_ms: 600_000, warn_below: null });
  expect(all.agg.balance?.error).toBeUndefined();
  expect(Date.parse(String(all.agg.balance?.checked_at))).toBeGreaterThanOrEqual(started - 1000);
  expect(all.silicon.balance?.every_ms).toBe(60_000);

  // The aggregator was asked as One API asks: the last 100 days (no payment method) up to today.
  const usage = upstreams.agg.received.find((r) => r.path.startsWith('/v1/dashboard/billing/usage'));
  expect(usage?.path).toBe(`/v1/dashboard/billing/usage?start_date=${day(Date.now() - 100 * 86_400_000)}&end_date=${day(Date.now() + 86_400_000)}`); // end_date is exclusive: today counts
  // The management key went to /credits only; the provider's own key was not used there.
  expect(upstreams.orMgmt.received.map((r) => r.headers.authorization)).toEqual([`Bearer ${K.orMgmt}`]);
});

test('failing vendors report a short, sanitized error and no reading', async () => {
  const all = await settled();
  const error = (name: string) => String(all[name].balance?.error);
  for (const name of ['html', 'leaky', 'huge', 'lying', 'stall', 'wrongkey']) {
    expect(all[name].balance).toMatchObject({ amount: null, currency: null, checked_at: null });
    expect(error(name).length).toBeLessThanOrEqual(120);
  }
  expect(error('html')).toBe('unexpected answer: an HTML page (HTTP 200)');
  expect(error('leaky')).toBe('HTTP 500: internal error for key sk-*** at <upstream-url> stack');
  expect(error('huge')).toContain('larger than 65536 bytes');
  expect(error('lying')).toBe('unexpected answer: no balance_infos');
  expect(error('stall')).toBe('no answer within 1 s');
  expect(error('wrongkey')).toBe('HTTP 401: Invalid API key');
  const everything = JSON.stringify(all) + JSON.stringify(log.lines);
  for (const secret of [K.bad, K.agg, K.deepseek, K.orMgmt, '10.0.0.7', upstreams.leaky.url, 'Welcome to nginx']) expect(everything).not.toContain(secret);
  // One warning per failing provider, naming it and the error, never the key.
  const failed = log.lines.filter((l) => l.msg === 'provider balance check failed');
  expect(failed.map((l) => l.provider).sort()).toEqual(['html', 'huge', 'leaky', 'lying', 'stall', 'wrongkey']);
  // The gateway kept serving and is ready.
  expect((await chat(h.url, {})).status).toBe(200);
  expect((await fetch(`${h.url}/ready`)).status).toBe(200);
});

test('the gauge has one series per provider with a reading, labelled with its currency', async () => {
  await settled();
  const res = await fetch(`${h.url}/metrics`, { headers: { authorization: `Bearer ${ADMIN}` } });
  const scrape = parsePrometheus(await res.text());
  expect(scrape.types.get('switchyard_provider_balance')).toBe('gauge');
  const series = scrape.samples.filter((s) => s.name === 'switchyard_provider_balance').map((s) => `${s.labels.provider} ${s.labels.currency} ${s.value}`).sort();
  expect(series).toEqual(['agg USD 12.655', 'deepseek CNY 110', 'hdr USD 88.88', 'moonshot CNY 49.58894', 'orcredits USD 74.75', 'orkey USD 74.5', 'silicon USD 88.88']);
});

test('balance checks are not traffic: no ledger rows, no breaker state', async () => {
  await settled();
  const rows = await h.query("SELECT COUNT(*) AS n FROM requests WHERE key_name <> 'tester'");
  expect(rows).toEqual([{ n: 0 }]);
  expect(h.gw.runtime.breakers.snapshot().filter((b) => b.key.startsWith('stall') || b.key.startsWith('leaky'))).toEqual([]);
});

test('warn_below logs once per drop; a failed check keeps the last good value and its age', async () => {
  await settled();
  const below = () => log.lines.filter((l) => l.msg === 'provider balance below warn_below');
  expect(below()).toEqual([{ level: 'warn', msg: 'provider balance below warn_below', provider: 'deepseek', amount: 110, currency: 'CNY', warn_below: 200 }]);
  const refresh = async () => {
    const res = await admin(h.url, 'POST', '/admin/providers/deepseek/balance');
    expect(res.status).toBe(200);
    return ((await res.json()) as { balance: Record<string, unknown> }).balance;
  };
  await refresh();
  expect(below()).toHaveLength(1); // still below: no second line

  const good = await refresh();
  deepseekAnswer = () => json({ error: { message: 'Service Unavailable' } }, 503);
  await Bun.sleep(1100);
  const failed = await refresh();
  expect(failed).toMatchObject({ amount: 110, currency: 'CNY', checked_at: good.checked_at, error: 'HTTP 503: Service Unavailable' });
  expect(Number(failed.age_s)).toBeGreaterThanOrEqual(1);
  await refresh();
  expect(log.lines.filter((l) => l.msg === 'provider balance check failed' && l.provider === 'deepseek')).toHaveLength(1);

  // Topped up above the threshold, then down again: a second warning.
  deepseekAnswer = () => json({ is_available: true, balance_infos: [{ currency: 'CNY', total_balance: '500.00', granted_balance: '0.00', topped_up_balance: '500.00' }] });
  expect(await refresh()).toMatchObject({ amount: 500, currency: 'CNY' });
  expect((await refresh()).error).toBeUndefined();
  deepseekAnswer = () => json({ is_available: true, balance_infos: [{ currency: 'CNY', total_balance: '150.00', granted_balance: '0.00', topped_up_balance: '150.00' }] });
  await refresh();
  expect(below().map((l) => l.amount)).toEqual([110, 150]);
});

test('POST /admin/providers/{name}/balance: 404 for an unknown provider, 400 without a balance check', async () => {
  expect((await admin(h.url, 'POST', '/admin/providers/nope/balance')).status).toBe(404);
  const res = await admin(h.url, 'POST', '/admin/providers/chat/balance');
  expect(res.status).toBe(400);
  expect(((await res.json()) as { error: { message: string } }).error.message).toContain('providers.chat.balance');
  expect((await admin(h.url, 'GET', '/admin/providers/agg/balance')).status).toBe(405);
});

test('the compiled config shows each balance check, its own key masked', async () => {
  const res = await admin(h.url, 'GET', '/admin/config/compiled');
  const text = await res.text();
  const body = JSON.parse(text) as { providers: Array<{ name: string; balance: Record<string, unknown> | null }> };
  const of = (name: string) => body.providers.find((p) => p.name === name)?.balance;
  expect(of('orcredits')).toEqual({ kind: 'openrouter_credits', every_ms: 600_000, warn_below: null, currency: null, api_key: 'sk-***' });
  expect(of('agg')).toEqual({ kind: 'openai_billing', every_ms: 600_000, warn_below: null, currency: null, api_key: null });
  expect(of('chat')).toBeNull();
  expect(text).not.toContain(K.orMgmt);
});
