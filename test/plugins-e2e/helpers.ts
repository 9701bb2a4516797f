// Helpers for the plugin / adapter end-to-end tests: a real gateway (test/helpers/gateway.ts) with the
// response cache and image jobs attached, and every ledger row captured in memory.

import { join } from 'node:path';
import { createResponseCache } from '../../src/cache/response-cache.ts';
import { attachJobs } from '../../src/jobs/index.ts';
import type { ImageJobOptions } from '../../src/jobs/index.ts';
import type { RequestRow } from '../../src/runtime/contracts.ts';
import { openStore } from '../../src/store/open.ts';
import type { LogFields, Logger } from '../../src/log.ts';
import { redact } from '../../src/upstream/redact.ts';
import { TEST_KEY, type TestGateway, startTestGateway } from '../helpers/gateway.ts';

export { TEST_KEY };
export const REPO = join(import.meta.dir, '..', '..');
export const FIXTURES = join(import.meta.dir, 'fixtures');

export interface E2EGateway extends TestGateway {
  rows: RequestRow[];
  /** Ledger rows of one request id (waits briefly: streams settle after the body ends). */
  row(id: string): Promise<RequestRow>;
}

export async function startE2E(yaml: string, opts: { watch?: boolean; dir?: string; jobs?: ImageJobOptions; env?: Record<string, string>; logger?: Logger } = {}): Promise<E2EGateway> {
  const gw = await startTestGateway(yaml, { watch: opts.watch, dir: opts.dir, env: opts.env, logger: opts.logger });
  const rt = gw.runtime;
  let ownStore: Awaited<ReturnType<typeof openStore>> | undefined;
  if (!rt.store) {
    ownStore = await openStore(`file:${join(gw.dir, 'ledger.db')}`);
    rt.store = ownStore;
  }
  rt.cache ??= createResponseCache(rt.store);
  if (!rt.jobs || opts.jobs) await attachJobs(rt, rt.store, opts.jobs);
  const rows: RequestRow[] = [];
  const inner = rt.ledger;
  rt.ledger = {
    record: (row, attempts) => {
      rows.push(row);
      inner.record(row, attempts);
    },
    flush: () => inner.flush(),
    close: () => inner.close(),
  };
  const stop = gw.stop;
  return Object.assign(gw, {
    rows,
    async row(id: string) {
      for (let i = 0; i < 100; i++) {
        const found = rows.find((r) => r.id === id);
        if (found) return found;
        await Bun.sleep(10);
      }
      throw new Error(`no ledger row for ${id}`);
    },
    stop: async () => {
      await stop(); // the drain waits for running image jobs too
      await ownStore?.close();
    },
  });
}

export function auth(key = TEST_KEY): Record<string, string> {
  return { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
}

export async function postJson(url: string, body: unknown, headers: Record<string, string> = auth()): Promise<Response> {
  return fetch(url, { method: 'POST', headers, body: JSON.stringify(body) });
}

export function chatBody(content: string, model = 'm1', extra: Record<string, unknown> = {}) {
  return { model, messages: [{ role: 'user', content }], ...extra };
}

/** Reads an SSE body into its `data:` payloads. */
export async function sseData(res: Response): Promise<string[]> {
  const text = await res.text();
  return text.split('\n\n').map((f) => f.trim()).filter((f) => f.startsWith('data:')).map((f) => f.slice(5).trim());
}

export async function until<T>(fn: () => Promise<T | undefined | false>, ms = 3000, stepMs = 25): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() - t0 > ms) throw new Error('condition not met in time');
    await Bun.sleep(stepMs);
  }
}

export interface LogLine {
  level: string;
  msg: string;
  [field: string]: unknown;
}

/** A Logger that keeps its lines (redacted like the real one) for assertions. */
export function captureLog(): { logger: Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  let secrets: readonly string[] = [];
  const write = (level: string) => (msg: string, fields?: LogFields) => {
    lines.push(JSON.parse(redact(JSON.stringify({ level, msg, ...fields }), secrets)) as LogLine);
  };
  return {
    lines,
    logger: { debug: write('debug'), info: write('info'), warn: write('warn'), error: write('error'), setSecrets: (s) => { secrets = s; } },
  };
}
