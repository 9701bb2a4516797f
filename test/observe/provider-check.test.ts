// Provider checks against fake upstreams (one healthy, one failing): the `providers:test` command's
// table and exit codes, POST /admin/providers/{name}/test (result, breaker, ledger row marked
// "(provider-test)"), and active health checks that open a dead target's breaker and close it again
// before any user request, with their traffic marked "(health-check)" and stopped with the gateway.

import { afterAll, beforeAll, expect, test } from 'bun:test';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chatCompletion, json, startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream.ts';
import { ADMIN, admin, chat, harness, tempDir } from '../ledger/harness.ts';
import { FIXTURE_KEYS, PROVIDER_SECRETS, fixtureYaml } from '../helpers/dashboard-fixture.ts';

const CLI = join(import.meta.dir, '..', '..', 'src', 'cli.ts');
let good: FakeUpstream;
let bad: FakeUpstream;
const healthy = (_req: Request, body: string) => json(chatCompletion('pong', JSON.parse(body).model, { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 }));
const failing = () => json({ error: { message: `upstream exploded (key ${PROVIDER_SECRETS.bad})`, type: 'server_error' } }, 500);

beforeAll(() => {
  good = startFakeUpstream(healthy);
  bad = startFakeUpstream(failing);
});
afterAll(() => {
  good.stop();
  bad.stop();
});

async function cli(args: string[]): Promise<{ code: number; out: string }> {
  const proc = Bun.spawn([process.execPath, CLI, 'providers:test', ...args], { env: { ...process.env, SWITCHYARD_LOG: 'silent' }, stdout: 'pipe', stderr: 'pipe' });
  const [out, err] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text()]);
  return { code: await proc.exited, out: out + err };
}

test('providers:test prints one row per upstream model and exits 1 when one fails, 0 when all pass', async () => {
  const dir = tempDir();
  const file = join(dir, 'gateway.yaml');
  writeFileSync(file, fixtureYaml(good.url, bad.url));
  const before = good.received.length;
  const all = await cli(['--config', file]);
  expect(all.code).toBe(1);
  const lines = all.out.trim().split('\n');
  expect(lines[0]).toMatch(/^PROVIDER\s+UPSTREAM MODEL\s+MODELS\s+RESULT\s+STATUS\s+LATENCY\s+ERROR$/);
  expect(lines.find((l) => l.includes('up-m'))).toMatch(/^good\s+up-m\s+m\s+ok\s+200\s+\d+ ms$/);
  expect(lines.find((l) => l.includes('up-free'))).toMatch(/^good\s+up-free\s+free\s+ok\s+200/);
  expect(lines.find((l) => l.includes('up-broken'))).toMatch(/^bad\s+up-broken\s+broken\s+FAIL\s+502\s+\d+ ms\s+upstream_error: .*HTTP 500/);
  expect(all.out).toContain('1 of 3 checks failed.');
  expect(all.out).not.toContain(PROVIDER_SECRETS.bad);
  expect(all.out).not.toContain(bad.url);
  // A minimal request really reached the healthy upstream, with the upstream model and 1 output token.
  const sent = good.received.slice(before).map((r) => JSON.parse(r.body));
  expect(sent.map((b) => b.model).sort()).toEqual(['up-free', 'up-m']);
  expect(sent[0].max_tokens).toBe(1);

  const one = await cli(['--config', file, 'good']);
  expect(one.code).toBe(0);
  expect(one.out).toContain('all 2 checks passed.');
  expect(one.out).not.toContain('up-broken');

  const unknown = await cli(['--config', file, 'nope']);
  expect(unknown.code).toBe(2);
  expect(unknown.out).toContain('unknown provider nope');
}, 30_000);

test('POST /admin/providers/{name}/test reports each target, feeds the breaker and marks the ledger row', async () => {
  const h = await harness(fixtureYaml(good.url, bad.url));
  try {
    const res = await admin(h.url, 'POST', '/admin/providers/bad/test');
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body).toMatchObject({ provider: 'bad', ok: false, results: [{ upstream_model: 'up-broken', models: ['broken'], ok: false, status: 502, code: 'upstream_error' }] });
    expect(JSON.stringify(body)).not.toContain(PROVIDER_SECRETS.bad);
    await admin(h.url, 'POST', '/admin/providers/bad/test');
    expect(h.gw.runtime.breakers.snapshot().find((b) => b.key === 'bad/up-broken')?.state).toBe('open'); // failures: 2
    const ok = await (await admin(h.url, 'POST', '/admin/providers/good/test?model=m')).json();
    expect(ok).toMatchObject({ ok: true, results: [{ upstream_model: 'up-m', ok: true, status: 200 }] });
    const rows = await h.query("SELECT key_name, provider, status FROM requests WHERE key_name = '(provider-test)' ORDER BY ts");
    expect(rows.map((r) => `${r.provider}:${r.status}`)).toEqual(['bad:502', 'bad:502', 'good:200']);
    expect((await admin(h.url, 'POST', '/admin/providers/ghost/test')).status).toBe(404);
    expect((await admin(h.url, 'GET', '/admin/providers/good/test')).status).toBe(405);
    expect((await admin(h.url, 'POST', '/admin/providers/good/test', undefined, 'wrong')).status).toBe(401);
  } finally {
    await h.cleanup();
  }
}, 30_000);

test('health checks open a dead target and close it again before a user request, marked in the ledger, and stop with the gateway', async () => {
  const flaky = startFakeUpstream(failing);
  const h = await harness(fixtureYaml(good.url, flaky.url, ', health_check: { interval_ms: 100 }'));
  try {
    const breaker = () => h.gw.runtime.breakers.snapshot().find((b) => b.key === 'bad/up-broken')?.state;
    const until = async (cond: () => boolean, what: string) => {
      for (let i = 0; i < 100 && !cond(); i++) await Bun.sleep(50);
      if (!cond()) throw new Error(`timed out waiting for ${what}`);
    };
    await until(() => breaker() === 'open', 'the breaker to open');
    // No user request was needed: a user now gets the open-circuit answer without touching the upstream.
    const seen = flaky.received.length;
    expect((await chat(h.url, { model: 'broken' }, FIXTURE_KEYS.alice)).status).toBe(502);
    const checks = await h.query("SELECT COUNT(*) AS n FROM requests WHERE key_name = '(health-check)' AND provider = 'bad'");
    expect(Number(checks[0].n)).toBeGreaterThanOrEqual(2);
    expect(await h.query("SELECT COUNT(*) AS n FROM requests WHERE key_name = 'alice'")).toEqual([{ n: 1 }]);

    flaky.set(healthy);
    await until(() => breaker() === 'closed', 'the breaker to close');
    expect(flaky.received.length).toBeGreaterThan(seen);
    expect((await chat(h.url, { model: 'broken' }, FIXTURE_KEYS.alice)).status).toBe(200);

    await h.gw.stop();
    const after = flaky.received.length + good.received.length;
    await Bun.sleep(350);
    expect(flaky.received.length + good.received.length).toBe(after);
  } finally {
    await h.cleanup();
    flaky.stop();
  }
}, 30_000);

test('routing.health_check.model must name a served model', async () => {
  const dir = tempDir();
  const file = join(dir, 'gateway.yaml');
  writeFileSync(file, fixtureYaml(good.url, bad.url, ', health_check: { interval_ms: 1000, model: ghost }'));
  const proc = Bun.spawn([process.execPath, CLI, 'validate', file], { stdout: 'pipe' });
  const out = await new Response(proc.stdout).text();
  expect(await proc.exited).toBe(1);
  expect(out).toContain('routing.health_check.model names unknown model "ghost"');
  expect(out).toMatch(/gateway\.yaml:\d+:\d+: /);
});
