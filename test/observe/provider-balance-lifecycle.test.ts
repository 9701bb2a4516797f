// The lifecycle of provider balance checks: validated in gateway.yaml (kind required where the adapter has
// no default, every_ms at least 60 s, known kinds only), started and stopped by hot reloads (a changed key
// restarts the check and drops the old reading; a removed balance block removes the gauge series), and
// cancelled at shutdown while a vendor stalls.

import { afterAll, expect, test } from 'bun:test';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatProblem, loadConfigFile } from '../../src/config/load.ts';
import { json, startFakeUpstream } from '../helpers/fake-upstream.ts';
import { parsePrometheus } from '../helpers/prom-text.ts';
import { ADMIN, KEY, admin, harness, tempDir } from '../ledger/harness.ts';

const GOOD = 'sk-deepseek-lifecycle-key-0001';
const vendor = startFakeUpstream((req) => {
  if (new URL(req.url).pathname !== '/user/balance') return json({ error: { message: 'not found' } }, 404);
  if (req.headers.get('authorization') !== `Bearer ${GOOD}`) return json({ error: { message: 'Authentication Fails (no such user)' } }, 401);
  return json({ is_available: true, balance_infos: [{ currency: 'USD', total_balance: '7.25', granted_balance: '0.00', topped_up_balance: '7.25' }] });
});
const stall = startFakeUpstream(() => new Promise<Response>(() => {}));
afterAll(() => {
  vendor.stop();
  stall.stop();
});

const yaml = (provider: string) => `version: 1
server: { admin_token: ${ADMIN} }
keys:
  - { name: tester, key: ${KEY} }
providers:
  ds: { adapter: deepseek, base_url: ${vendor.url}, models: [m], ${provider} }
`;

async function problems(text: string): Promise<string[]> {
  const file = join(tempDir(), 'gateway.yaml');
  writeFileSync(file, text);
  const loaded = await loadConfigFile(file, {});
  return loaded.ok ? [] : loaded.problems.map(formatProblem);
}

test('gateway.yaml: balance is checked by the schema and against the adapter', async () => {
  expect(await problems(yaml(`api_key: ${GOOD}, balance: true`))).toEqual([]);
  expect(await problems(yaml(`api_key: ${GOOD}, balance: { kind: openrouter_credits, every_ms: 60000, warn_below: 5, currency: USD }`))).toEqual([]);
  const noDefault = await problems(yaml('api_key: x').replace('adapter: deepseek', 'adapter: anthropic') + '  a: { adapter: anthropic, api_key: y, models: [n], balance: true }\n');
  expect(noDefault.join('\n')).toContain('adapter anthropic has no default balance check; set providers.a.balance.kind to one of openai_billing, deepseek, moonshot, siliconflow, openrouter_key, openrouter_credits');
  expect((await problems(yaml('balance: { every_ms: 1000 }'))).join('\n')).toContain('providers.ds.balance.every_ms must be >= 60000');
  expect((await problems(yaml('balance: { every_ms: 2592000000 }'))).join('\n')).toContain('providers.ds.balance.every_ms must be <= 2147483647'); // 30 days: a timer would fire at once
  expect((await problems(yaml('balance: { kind: paypal }'))).join('\n')).toContain('providers.ds.balance.kind must be one of');
  expect((await problems(yaml('balance: { currency: dollars }'))).join('\n')).toMatch(/providers\.ds\.balance\.currency/);
  expect((await problems(yaml('balance: { warn: 3 }'))).join('\n')).toContain('unknown field "warn" in providers.ds.balance (did you mean "warn_below"?)');
});

test('reloads start, restart and stop the check; the gauge follows', async () => {
  const h = await harness(yaml(`api_key: ${GOOD}`));
  try {
    const balanceOf = async () => ((await (await admin(h.url, 'GET', '/admin/providers')).json()) as { data: Array<{ balance: Record<string, unknown> | null }> }).data[0].balance;
    const gauge = async () => parsePrometheus(await (await fetch(`${h.url}/metrics`, { headers: { authorization: `Bearer ${ADMIN}` } })).text()).samples.filter((s) => s.name === 'switchyard_provider_balance');
    const until = async (ok: (b: Record<string, unknown> | null) => boolean) => {
      for (let i = 0; i < 100; i++) {
        const b = await balanceOf();
        if (ok(b)) return b;
        await Bun.sleep(30);
      }
      throw new Error('timed out');
    };
    expect(await balanceOf()).toBeNull();
    expect(vendor.received).toHaveLength(0);

    h.write(yaml(`api_key: ${GOOD}, balance: { warn_below: 1 }`));
    expect(await h.gw.reload('test')).toBe(true);
    expect(await until((b) => b?.amount !== null)).toMatchObject({ amount: 7.25, currency: 'USD', kind: 'deepseek', warn_below: 1 });
    expect((await gauge()).map((s) => [s.labels, s.value])).toEqual([[{ provider: 'ds', currency: 'USD' }, 7.25]]);

    // Only warn_below changed: the same check keeps running (no new request, the reading stays).
    const asked = vendor.received.length;
    h.write(yaml(`api_key: ${GOOD}, balance: { warn_below: 2 }`));
    expect(await h.gw.reload('test')).toBe(true);
    await Bun.sleep(400);
    expect(vendor.received).toHaveLength(asked);
    expect(await balanceOf()).toMatchObject({ amount: 7.25, warn_below: 2 });

    // Another account (key): the old reading is dropped, the new check fails with the vendor's words.
    h.write(yaml('api_key: sk-deepseek-other-account-0002, balance: true'));
    expect(await h.gw.reload('test')).toBe(true);
    expect(await until((b) => Boolean(b?.error))).toMatchObject({ amount: null, error: 'HTTP 401: Authentication Fails (no such user)' });
    expect(await gauge()).toEqual([]);

    h.write(yaml(`api_key: ${GOOD}`));
    expect(await h.gw.reload('test')).toBe(true);
    expect(await balanceOf()).toBeNull();
    expect(await gauge()).toEqual([]);
  } finally {
    await h.cleanup();
  }
});

test('shutdown cancels a check stuck on a vendor that never answers', async () => {
  const h = await harness(`version: 1
keys:
  - { name: tester, key: ${KEY} }
providers:
  slow: { adapter: openai, base_url: ${stall.url}/v1, api_key: sk-stalling-vendor-key-0003, timeout_ms: 60000, models: [m], balance: true }
`);
  try {
    for (let i = 0; i < 100 && stall.received.length === 0; i++) await Bun.sleep(20);
    expect(stall.received.map((r) => r.path)).toEqual(['/v1/dashboard/billing/subscription']);
    const t0 = Date.now();
    await h.stop();
    expect(Date.now() - t0).toBeLessThan(2000);
    for (let i = 0; i < 50 && stall.aborted === 0; i++) await Bun.sleep(20);
    expect(stall.aborted).toBe(1);
  } finally {
    await h.cleanup();
  }
});
