// Test harness for the ledger tests: a temp dir with gateway.yaml and a libsql file, the real gateway
// started in-process, and helpers to call it and read the database.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startGateway, type RunningGateway } from '../../src/gateway.ts';
import { type LogFields, type Logger, createLogger } from '../../src/log.ts';
import { openStore, sqliteStore, type Store } from '../../src/store/open.ts';

export const KEY = 'sk-ledger-test-key-0123456789';
export const ADMIN = 'admin-token-for-ledger-tests';

export interface Harness {
  dir: string;
  configPath: string;
  dbPath: string;
  gw: RunningGateway;
  url: string;
  write(yaml: string): void;
  restart(): Promise<void>;
  stop(): Promise<void>;
  /** Flushes the gateway's ledger and runs a query on a second connection. */
  query(sql: string, args?: Array<string | number>): Promise<Array<Record<string, unknown>>>;
  cleanup(): Promise<void>;
}

export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'switchyard-ledger-'));
}

export async function harness(yaml: string, dir = tempDir(), logger?: Logger): Promise<Harness> {
  const configPath = join(dir, 'gateway.yaml');
  const dbPath = join(dir, 'ledger.db');
  const withStorage = (text: string) => (text.includes('storage:') ? text : `${text}\nstorage:\n  url: file:${dbPath}\n  flush_ms: 20\n`);
  writeFileSync(configPath, withStorage(yaml));
  const start = () => startGateway({ configPath, port: 0, watch: false, logger: logger ?? createLogger((process.env.TEST_LOG ?? 'silent') as 'silent') });
  let gw = await start();
  let reader: Store | undefined;
  const h: Harness = {
    dir, configPath, dbPath, gw, url: gw.url,
    write: (text) => writeFileSync(configPath, withStorage(text)),
    async restart() {
      await gw.stop();
      gw = await start();
      h.gw = gw;
      h.url = gw.url;
    },
    stop: () => gw.stop(),
    async query(sql, args = []) {
      await gw.runtime.ledger.flush().catch(() => {});
      reader ??= await openStore(`file:${dbPath}`, undefined, { migrate: false });
      const res = await sqliteStore(reader).client.execute({ sql, args });
      return res.rows.map((r) => Object.fromEntries(res.columns.map((c, i) => [c, r[i]])));
    },
    async cleanup() {
      await gw.stop().catch(() => {});
      await reader?.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return h;
}

/** chat(), read to the end: status, headers and body text. */
export async function chatText(url: string, body: Record<string, unknown> = {}): Promise<{ status: number; headers: Headers; text: string }> {
  const res = await chat(url, body);
  return { status: res.status, headers: res.headers, text: await res.text() };
}

export function chat(url: string, body: Record<string, unknown>, key = KEY, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'hello there' }], ...body }),
  });
}

export function admin(url: string, method: string, path: string, body?: unknown, token: string | null = ADMIN): Promise<Response> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (token !== null) headers.authorization = `Bearer ${token}`;
  return fetch(`${url}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
}

/** Reads an SSE body to the end; returns the data payloads. */
export async function sseEvents(res: Response): Promise<string[]> {
  const text = await res.text();
  return text.split('\n').filter((l) => l.startsWith('data: ')).map((l) => l.slice(6));
}

export function freePort(): number {
  const server = Bun.serve({ port: 0, hostname: '127.0.0.1', fetch: () => new Response('') });
  const port = server.port!;
  server.stop(true);
  return port;
}

export interface LogLine extends LogFields {
  level: string;
  msg: string;
}

/** A logger that keeps every line in memory (to assert on warnings and errors). */
export function recordingLogger(): Logger & { lines: LogLine[] } {
  const lines: LogLine[] = [];
  const at = (level: string) => (msg: string, fields?: LogFields) => void lines.push({ ...fields, level, msg });
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error'), setSecrets: () => {} };
}

/** One gateway per test of a file, cleaned up after each test: `const open = harnessPerTest(afterEach)`, then `h = await open(yaml)`. */
export function harnessPerTest(afterEach: (fn: () => Promise<void>) => void): (yaml: string) => Promise<Harness> {
  let current: Harness | undefined;
  afterEach(async () => {
    await current?.cleanup();
    current = undefined;
  });
  return async (yaml) => (current = await harness(yaml));
}

/** A config with the harness key (named tester), the given `providers:` block, then `tail` (models, routing, ...). */
export const keyedConfig = (providers: string, tail = ''): string => `version: 1
keys:
  - { name: tester, key: ${KEY} }
providers:
${providers}
${tail}`;

/** Model `m` at 1 USD per million tokens in and out. */
export const PRICED_M = 'models:\n  m: { price: { input: 1, output: 1 } }\n';

/** One OpenAI-compatible provider serving model `m` (a line of a `providers:` block). */
export const openaiProvider = (name: string, url: string, extra = ''): string => `  ${name}: { adapter: openai, base_url: ${url}, models: [m]${extra} }\n`;
