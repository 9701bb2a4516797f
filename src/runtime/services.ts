// Attaches the stateful services to a runtime once, at start: the libsql store (storage.url), the
// batched ledger writer, budgets seeded from persisted spend, runtime keys, and the in-memory rate
// limiter. They outlive config reloads; close() flushes the ledger and closes the store.

import { isAbsolute, resolve } from 'node:path';
import type { GatewayConfig } from '../config/types.ts';
import { createResponseCache } from '../cache/response-cache.ts';
import { registerAdminApi } from '../http/admin-api.ts';
import { attachJobs } from '../jobs/index.ts';
import { createAdmission } from '../limits/admission.ts';
import { MemoryRateLimiter } from '../limits/memory.ts';
import { LedgerWriter, type AttemptRow as StoreAttemptRow, type RequestRow as StoreRequestRow } from '../store/ledger.ts';
import { filePathOf, isMemoryUrl, normaliseStoreUrl, openStore, type Store } from '../store/open.ts';
import { type LedgerSink, WorkerLedger } from '../store/worker-ledger.ts';
import { loadSpend } from '../store/spend.ts';
import { ResponseStore } from '../store/responses-repo.ts';
import { BudgetTracker } from './budgets.ts';
import type { AttemptRow, Ledger, RequestRow } from './contracts.ts';
import { bindServices, servicesOf, type LedgerServices } from './ledger-services.ts';
import type { Runtime } from './runtime.ts';
import { RuntimeKeyRegistry } from './runtime-keys.ts';

export interface Services {
  onReload(config: GatewayConfig): void;
  close(): Promise<void>;
}

export const DEFAULT_STORE_URL = 'file:./data/switchyard.db';

/** storage.url with a relative `file:` path resolved against the config file's directory (logged once). */
export function storeUrlOf(config: GatewayConfig, baseDir: string): string {
  const url = normaliseStoreUrl(config.storage?.url ?? DEFAULT_STORE_URL);
  const path = filePathOf(url);
  if (path === null || path === '' || isAbsolute(path)) return url;
  const query = url.includes('?') ? url.slice(url.indexOf('?')) : '';
  return `file:${resolve(baseDir, path)}${query}`;
}

export async function attachServices(rt: Runtime, config: GatewayConfig, baseDir: string): Promise<Services> {
  const url = storeUrlOf(config, baseDir);
  const store = await openStore(url, config.storage?.auth_token);
  let writer: LedgerSink | undefined;
  try {
    let lastErrorLog = 0;
    const onError = (message: string) => {
      // A storage outage would fail every tick; say so at most every 10 s.
      if (Date.now() - lastErrorLog < 10_000) return;
      lastErrorLog = Date.now();
      rt.log.error('ledger write failed; rows stay queued and are retried', { error: message });
    };
    writer = await startLedgerSink(store, url, config, onError);
    const budgets = new BudgetTracker();
    budgets.seed(await loadSpend(store.db));
    const keys = await RuntimeKeyRegistry.load(store.db);
    const limiter = new MemoryRateLimiter();
    const services: LedgerServices = { store, writer, budgets, keys, limiter };

    rt.store = store;
    rt.ledger = ledgerOf(writer);
    rt.admission = createAdmission(limiter, budgets);
    rt.runtimeKeyLookup = (digest) => keys.lookup(digest);
    bindServices(rt, services);
    registerAdminApi(servicesOf);
    rt.responses = new ResponseStore(store.db, (error) => rt.log.error('stored response could not be written', { error }));
    rt.cache = createResponseCache(store, (gw) => gw.config.cache, rt.log);
    await attachJobs(rt, store);
    const database = filePathOf(url);
    rt.log.info(database ? `ledger database file: ${database}` : 'ledger attached', {
      ...(database ? { database } : { storage: isMemoryUrl(url) ? ':memory:' : storageHost(url) }),
      runtime_keys: keys.list().length,
    });
  } catch (err) {
    await writer?.close().catch(() => {});
    await store.close();
    throw err;
  }

  let closed: Promise<void> | undefined;
  return {
    onReload(next) {
      if (storeUrlOf(next, baseDir) !== url || next.storage?.auth_token !== config.storage?.auth_token) {
        rt.log.warn('storage settings changed; they apply after a restart (the ledger keeps its current database)');
      }
    },
    close: () => (closed ??= (async () => {
      try {
        await writer!.close();
      } catch (err) {
        rt.log.error('ledger rows could not be written at shutdown', { error: String((err as Error)?.message ?? err), pending: writer!.pending });
      } finally {
        await store.close();
      }
    })()),
  };
}

/** A remote storage URL without its path, query or credentials: `libsql://db-org.turso.io`. */
function storageHost(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}`;
  } catch {
    return 'remote';
  }
}

/**
 * The ledger writer: for database files and remote libsql it runs in a worker thread, so SQLite work never
 * blocks requests; an in-memory database (one connection) is written from this thread.
 */
async function startLedgerSink(store: Store, url: string, config: GatewayConfig, onError: (message: string) => void): Promise<LedgerSink> {
  const flushMs = config.storage?.flush_ms ?? 200;
  const mainThread = () => new LedgerWriter(store, { flushMs, onError: (err) => onError(String((err as Error)?.message ?? err)) });
  if (!isMemoryUrl(url) && process.env.SWITCHYARD_LEDGER_THREAD !== 'main') {
    try {
      return await WorkerLedger.start({ url, authToken: config.storage?.auth_token, flushMs, onError, fallback: mainThread });
    } catch (err) {
      onError(`ledger worker did not start (${String((err as Error)?.message ?? err)}); writing from the main thread`);
    }
  }
  return mainThread();
}

/** The pipeline's Ledger over the store's batched writer. */
function ledgerOf(writer: LedgerSink): Ledger {
  return {
    record: (row, attempts) => writer.record(toStoreRow(row), attempts.map(toStoreAttempt)),
    get pending() {
      return writer.pending;
    },
    flush: () => writer.flush(),
    close: () => writer.close(),
  };
}

function toStoreRow(r: RequestRow): StoreRequestRow {
  return {
    id: r.id, ts: r.ts, keyName: r.keyName, groupName: r.group, route: r.route, model: r.model, provider: r.provider,
    upstreamModel: r.upstreamModel, promptTokens: r.promptTokens, completionTokens: r.completionTokens,
    cachedTokens: r.cachedTokens, usageSource: r.usageSource, costMicros: r.costMicros, status: r.status,
    errorCode: r.errorCode, latencyMs: r.latencyMs, ttftMs: r.ttftMs, stream: r.stream, partial: r.partial,
    configHash: r.configHash,
  };
}

function toStoreAttempt(a: AttemptRow): StoreAttemptRow {
  return { n: a.n, provider: a.provider, upstreamModel: a.upstreamModel, status: a.status, errorCode: a.errorCode, latencyMs: a.latencyMs, ts: a.ts };
}
