// Hot reload: edits take effect without a restart, reloads under load drop nothing, a bad edit keeps
// the old config serving and is reported with file:line:col, identical bytes do nothing.

import { afterEach, expect, test } from 'bun:test';
import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TEST_KEY, type TestGateway, config, startTestGateway } from '../helpers/gateway.ts';
import { captureLog } from '../plugins-e2e/helpers.ts';
import type { GatewayConfig } from '../../src/config/types.ts';

let gw: TestGateway | undefined;
afterEach(async () => {
  await gw?.stop();
  gw = undefined;
});

const mockConfig = (models: string, extra = '') => config(`providers:\n  mock:\n    adapter: mock\n    models: [${models}]\n`, `server:\n  admin_token: admin-token-123456\n${extra}`);

async function chat(model: string): Promise<number> {
  const res = await fetch(`${gw!.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TEST_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }] }),
  });
  await res.arrayBuffer();
  return res.status;
}

async function until(check: () => Promise<boolean>, ms = 3000): Promise<number> {
  const t0 = Date.now();
  while (Date.now() - t0 < ms) {
    if (await check()) return Date.now() - t0;
    await Bun.sleep(25);
  }
  throw new Error('condition not met in time');
}

async function status() {
  const res = await fetch(`${gw!.url}/admin/config`, { headers: { authorization: 'Bearer admin-token-123456' } });
  return (await res.json()) as { hash: string; reloads: number; last_error: { problems: string[] } | null };
}

test('an edit takes effect within 2 s without a restart (rename-replace save)', async () => {
  gw = await startTestGateway(mockConfig('alpha'), { watch: true });
  expect(await chat('alpha')).toBe(200);
  expect(await chat('beta')).toBe(404);
  const tmp = join(gw.dir, '.gateway.yaml.swp');
  writeFileSync(tmp, mockConfig('alpha, beta'));
  renameSync(tmp, gw.configPath);
  const took = await until(async () => (await chat('beta')) === 200);
  expect(took).toBeLessThan(2000);
});

test('delete then recreate is picked up', async () => {
  gw = await startTestGateway(mockConfig('alpha'), { watch: true });
  rmSync(gw.configPath);
  await Bun.sleep(200);
  expect(await chat('alpha')).toBe(200);
  writeFileSync(gw.configPath, mockConfig('gamma'));
  await until(async () => (await chat('gamma')) === 200);
});

test('a broken edit is rejected with line:col; the old config keeps serving', async () => {
  gw = await startTestGateway(mockConfig('alpha'), { watch: true });
  const before = await status();
  writeFileSync(gw.configPath, mockConfig('alpha').replace('adapter: mock', 'adapter: mokc'));
  await until(async () => (await status()).last_error !== null);
  const after = await status();
  expect(after.hash).toBe(before.hash);
  expect(after.last_error!.problems[0]).toMatch(/gateway\.yaml:\d+:\d+: unknown adapter "mokc"/);
  expect(await chat('alpha')).toBe(200);
  writeFileSync(gw.configPath, mockConfig('alpha').replace('version: 1', 'version: 1\n  bad: [indent'));
  await until(async () => (await status()).last_error?.problems[0].includes('YAML') ?? false);
  expect(await chat('alpha')).toBe(200);
});

test('an unset variable is named, its value never shown, and the old config keeps serving', async () => {
  gw = await startTestGateway(mockConfig('alpha'), { watch: true });
  writeFileSync(gw.configPath, mockConfig('alpha') + '\nstorage:\n  auth_token: ${SWITCHYARD_TEST_UNSET_VAR}\n');
  await until(async () => (await status()).last_error !== null);
  expect((await status()).last_error!.problems.join()).toContain('SWITCHYARD_TEST_UNSET_VAR is not set');
  expect(await chat('alpha')).toBe(200);
});

test('identical bytes do nothing; SIGHUP-style manual reload of a real change swaps', async () => {
  gw = await startTestGateway(mockConfig('alpha'));
  const before = await status();
  expect(await gw.reload('test')).toBe(false);
  writeFileSync(gw.configPath, mockConfig('alpha, delta'));
  expect(await gw.reload('test')).toBe(true);
  const after = await status();
  expect(after.reloads).toBe(before.reloads + 1);
  expect(after.hash).not.toBe(before.hash);
});

test('reloads under load: zero failed requests, streams finish on their snapshot', async () => {
  gw = await startTestGateway(mockConfig('alpha', 'providers_extra: null').replace('providers_extra: null', ''), { watch: true });
  let failures = 0;
  let done = 0;
  const stop = Date.now() + 1500;
  const worker = async () => {
    while (Date.now() < stop) {
      const code = await chat('alpha');
      if (code !== 200) failures += 1;
      done += 1;
    }
  };
  const streamWorker = async () => {
    while (Date.now() < stop) {
      const res = await fetch(`${gw!.url}/v1/chat/completions`, {
        method: 'POST', headers: { authorization: `Bearer ${TEST_KEY}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'alpha', stream: true, messages: [{ role: 'user', content: 'a b c d e f' }] }),
      });
      const text = await res.text();
      if (!text.trimEnd().endsWith('data: [DONE]')) failures += 1;
      done += 1;
    }
  };
  const editor = async () => {
    for (let i = 0; i < 8; i++) {
      writeFileSync(gw!.configPath, mockConfig(`alpha, extra${i}`));
      await Bun.sleep(170);
    }
  };
  await Promise.all([worker(), worker(), worker(), streamWorker(), editor()]);
  expect(failures).toBe(0);
  expect(done).toBeGreaterThan(50);
  expect((await status()).reloads).toBeGreaterThan(2);
});

test('a Kubernetes ConfigMap ..data symlink swap is picked up', async () => {
  const { mkdirSync, symlinkSync } = await import('node:fs');
  const { tempDir } = await import('../helpers/gateway.ts');
  const { startGateway } = await import('../../src/gateway.ts');
  const { createLogger } = await import('../../src/log.ts');
  const dir = tempDir();
  const version = (name: string, models: string) => {
    mkdirSync(join(dir, name));
    writeFileSync(join(dir, name, 'gateway.yaml'), mockConfig(models) + `\nstorage:\n  url: file:${join(dir, 'l.db')}\n`);
  };
  version('..2026_01', 'alpha');
  symlinkSync('..2026_01', join(dir, '..data'));
  symlinkSync('..data/gateway.yaml', join(dir, 'gateway.yaml'));
  const running = await startGateway({ configPath: join(dir, 'gateway.yaml'), port: 0, logger: createLogger('silent') });
  gw = Object.assign(running, { dir, configPath: join(dir, 'gateway.yaml'), write: () => {} });
  expect(await chat('omega')).toBe(404);
  version('..2026_02', 'alpha, omega');
  symlinkSync('..2026_02', join(dir, '..data_tmp'));
  renameSync(join(dir, '..data_tmp'), join(dir, '..data'));
  await until(async () => (await chat('omega')) === 200);
});

test('undoing a broken edit (same bytes as the running config) clears the reported error', async () => {
  gw = await startTestGateway(mockConfig('alpha'), { watch: true });
  const good = (await Bun.file(gw.configPath).text());
  writeFileSync(gw.configPath, good.replace('adapter: mock', 'adapter: nope'));
  await until(async () => (await status()).last_error !== null);
  writeFileSync(gw.configPath, good);
  await until(async () => (await status()).last_error === null);
  expect(await chat('alpha')).toBe(200);
});

test('changed server.port / host / workers and storage.redis warn that they need a restart; the rest applies', async () => {
  const { logger, lines } = captureLog();
  const server = (port: number, host: string, workers: number) => `  port: ${port}\n  host: ${host}\n  workers: ${workers}\n`;
  gw = await startTestGateway(mockConfig('alpha', server(4100, '127.0.0.1', 1)), { watch: true, logger });
  const storage = `storage:\n  url: file:${join(gw.dir, 'ledger.db')}\n`;
  const restartWarnings = () => lines.filter((l) => l.level === 'warn' && Array.isArray(l.fields));
  writeFileSync(gw.configPath, mockConfig('alpha, beta', server(4101, '0.0.0.0', 2)) + storage + '  redis: { url: "redis://127.0.0.1:1/0" }\n');
  await until(async () => (await chat('beta')) === 200);
  await until(async () => restartWarnings().length >= 2);
  const serverWarning = restartWarnings().find((l) => String(l.msg).startsWith('server.'));
  const storageWarning = restartWarnings().find((l) => String(l.msg).startsWith('storage.'));
  expect(serverWarning!.fields).toEqual(['server.host', 'server.port', 'server.workers']);
  expect(serverWarning!.msg).toContain('server.host, server.port, server.workers changed; they apply after a restart');
  expect(serverWarning!.msg).toContain(gw.url);
  expect(storageWarning!.fields).toEqual(['storage.redis']);
  expect(storageWarning!.msg).toStartWith('storage.redis changed; storage settings apply after a restart');
  // an edit back to the values the process started with says nothing about a restart
  const before = restartWarnings().length;
  writeFileSync(gw.configPath, mockConfig('alpha, gamma', server(4100, '127.0.0.1', 1)) + storage);
  await until(async () => (await chat('gamma')) === 200);
  await Bun.sleep(50);
  expect(restartWarnings().length).toBe(before);
});

test('server.metrics switched on by a reload after starting off needs a restart, and says so', async () => {
  const { logger, lines } = captureLog();
  gw = await startTestGateway(mockConfig('alpha', '  metrics: { enabled: false }\n'), { watch: true, logger });
  writeFileSync(gw.configPath, mockConfig('alpha, beta', '  metrics: { enabled: true }\n'));
  await until(async () => (await chat('beta')) === 200);
  await until(async () => lines.some((l) => l.level === 'warn' && String(l.msg).startsWith('server.metrics.enabled changed; it applies after a restart')));
});

test('restart-only fields: a larger body cap than the socket was opened with, the drain wait under a supervisor', async () => {
  const { restartOnlyChanges, listenBodyCap } = await import('../../src/config/restart-only.ts');
  const cfg = (server: Record<string, number>): GatewayConfig => ({ version: 1, providers: {}, server });
  const started = cfg({ max_body_bytes: 1024 });
  const facts = { listenBodyCap: listenBodyCap(1024), worker: false };
  expect(restartOnlyChanges(started, cfg({ max_body_bytes: 16 * 1024 * 1024 }), facts)).toEqual([]);
  expect(restartOnlyChanges(started, cfg({ max_body_bytes: 100 * 1024 * 1024 }), facts)).toEqual(['server.max_body_bytes']);
  expect(restartOnlyChanges(started, cfg({ max_body_bytes: 1024, drain_timeout_ms: 90_000 }), facts)).toEqual([]);
  expect(restartOnlyChanges(started, cfg({ max_body_bytes: 1024, drain_timeout_ms: 90_000 }), { ...facts, worker: true })).toEqual(['server.drain_timeout_ms']);
});
