// Test helper: writes a gateway.yaml into a temp dir and starts the real gateway in-process on a
// random 127.0.0.1 port. Returns the URL, the config path (for reload tests) and a stop function.

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger, type Logger } from '../../src/log.ts';
import { type RunningGateway, startGateway } from '../../src/gateway.ts';

export interface TestGateway extends RunningGateway {
  dir: string;
  configPath: string;
  write(yaml: string): void;
}

export const TEST_KEY = 'sk-test-key-0123456789';

export function tempDir(prefix = 'switchyard-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export async function startTestGateway(yaml: string, opts: { watch?: boolean; env?: Record<string, string>; dir?: string; logger?: Logger } = {}): Promise<TestGateway> {
  const dir = opts.dir ?? tempDir();
  const configPath = join(dir, 'gateway.yaml');
  const withStorage = yaml.includes('storage:') ? yaml : `${yaml}\nstorage:\n  url: file:${join(dir, 'ledger.db')}\n`;
  writeFileSync(configPath, withStorage);
  const gw = await startGateway({
    configPath,
    port: 0,
    watch: opts.watch ?? false,
    env: { ...process.env, ...opts.env },
    logger: opts.logger ?? createLogger((process.env.TEST_LOG ?? 'silent') as 'silent'),
  });
  return Object.assign(gw, { dir, configPath, write: (text: string) => writeFileSync(configPath, text) });
}

/** A minimal config with one key and the given providers/models blocks. */
export function config(body: string, extra = ''): string {
  return `version: 1
keys:
  - name: tester
    key: ${TEST_KEY}
${body}
${extra}`;
}

/** A small chat call to model `m` (max_tokens 100, optionally streamed) with `key`, as the scale-out tests make. */
export function postChat(baseUrl: string, key: string, stream = false): Promise<Response> {
  return fetch(`${baseUrl}/v1/chat/completions`, {
    method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'm', stream, max_tokens: 100, messages: [{ role: 'user', content: 'hi' }] }),
  });
}
