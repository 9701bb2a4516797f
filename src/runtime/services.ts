// Attaches the stateful services to a runtime once, at start: the ledger store (storage.url: libsql or
// PostgreSQL), the batched ledger writer with its outage buffer (new requests get 503 ledger_unavailable
// once it is full; /ready reports it), budgets seeded from persisted spend, runtime keys, and the
// in-memory rate limiter. They outlive config reloads; close() flushes the ledger and closes the store.

import { isAbsolute, resolve } from 'node:path';
import type { GatewayConfig } from '../config/types.ts';
import { createResponseCache } from '../cache/response-cache.ts';
import { registerAdminApi } from '../http/admin-api.ts';
import { attachJobs } from '../jobs/index.ts';
import { createAdmission } from '../limits/admission.ts';
import { MemoryRateLimiter } from '../limits/memory.ts';
import { LedgerWriter, type AttemptRow as StoreAttemptRow, type RequestRow as StoreRequestRow } from '../store/ledger.ts';
import { LEDGER_UNAVAILABLE, ledgerGuard } from '../store/ledger-guard.ts';
import { filePathOf, isMemoryUrl, normaliseStoreUrl, openStore, type Store } from '../store/open.ts';
import { type LedgerSink, WorkerLedger } from '../store/worker-ledger.ts';
import { getSpend, loadSpend } from '../store/spend.ts';
import { ResponseStore } from '../store/responses-repo.ts';
import { BudgetTracker } from './budgets.ts';
import type { AttemptRow, Ledger, RequestRow } from './contracts.ts';
import { bindServices, servicesOf, type LedgerServices } from './ledger-services.ts';
import { type AttachedRedis, attachRedis } from '../state/attach-redis.ts';
import type { Runtime } from './runtime.ts';
import { RuntimeKeyRegistry } from './runtime-keys.ts';

export interface Services {
  onReload(config: GatewayConfig): void;
  close(): Promise<void>;
}

export const DEFAULT_STORE_URL = 'file:./data/switchyard.db';
/** Rows the ledger holds while its database is unreachable before new requests are refused. */
export const DEFAULT_BUFFER_ROWS = 100_000;

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
  const store = await openStore(url, config.storage?.auth_token, { poolSize: config.storage?.pool_size });
  let writer: LedgerSink | undefined;
  let redis: AttachedRedis | undefined;
  try {
    let lastErrorLog = 0;
    let failedSince: number | undefined;
    let recovery: ReturnType<typeof setInterval> | undefined;
    const onError = (message: string) => {
      failedSince ??= Date.now();
      // Once writes succeed again (the writer's health says so), one line says the ledger is back.
      recovery ??= setInterval(() => {
        if (!writer || writer.health().failingSince !== undefined) return;
        clearInterval(recovery);
        recovery = undefined;
        rt.log.info('ledger writes succeed again; queued rows are written', { failed_for_ms: Date.now() - (failedSince ?? Date.now()), pending: writer.pending });
        failedSince = undefined;
      }, 1000);
      recovery.unref?.();
      // A storage outage would fail every tick; say so at most every 10 s.
      if (Date.now() - lastErrorLog < 10_000) return;
      lastErrorLog = Date.now();
      rt.log.error('ledger write failed; rows stay queued and are retried', { error: message });
    };
    writer = await startLedgerSink(store, url, config, onError, (message) => rt.log.warn(message));
    const budgets = new BudgetTracker();
    budgets.seed(await loadSpend(store.db));
    const keys = await RuntimeKeyRegistry.load(store.db);
    const limiter = new MemoryRateLimiter();
    const services: LedgerServices = { store, writer, budgets, keys, limiter };

    rt.store = store;
    rt.ledger = ledgerOf(writer);
    const admission = createAdmission(limiter, budgets);
    const guard = ledgerGuard(writer, config.storage?.buffer_rows ?? DEFAULT_BUFFER_ROWS);
    rt.admission = {
      admit(request) {
        guard.check();
        return admission.admit(request);
      },
    };
    rt.readiness.set('ledger', () => guard.readiness());
    rt.runtimeKeyLookup = (digest) => keys.lookup(digest);
    bindServices(rt, services);
    registerAdminApi(servicesOf);
    rt.responses = new ResponseStore(store.db, (error) => rt.log.error('stored response could not be written', { error }));
    rt.cache = createResponseCache(store, (gw) => gw.config.cache, rt.log);
    if (config.storage?.redis) {
      // Shared live state: replaces admission, breakers and cache with their Redis-backed versions.
      redis = await attachRedis(rt, config.storage.redis, { budgets, keys, local: rt.admission, loadSpend: (name) => getSpend(store.db, name) });
      services.syncBudgets = (names) => redis!.syncBudgets(names);
    }
    await attachJobs(rt, store);
    const database = filePathOf(url);
    rt.log.info(database ? `ledger database file: ${database}` : 'ledger attached', {
      ...(database ? { database } : { storage: isMemoryUrl(url) ? ':memory:' : storageHost(url) }),
      runtime_keys: keys.list().length,
    });
  } catch (err) {
    await redis?.close().catch(() => {});
    await writer?.close().catch(() => {});
    await store.close();
    throw err;
  }

  let closed: Promise<void> | undefined;
  return {
    onReload(next) {
      const changed = storageChanges(config, next, baseDir);
      if (changed.length) {
        rt.log.warn(`${changed.join(', ')} changed; storage settings apply after a restart (the ledger keeps its current database and state)`, { fields: changed });
      }
    },
    close: () => (closed ??= (async () => {
      try {
        await writer!.close();
      } catch (err) {
        rt.log.error('ledger rows could not be written at shutdown', { error: String((err as Error)?.message ?? err), pending: writer!.pending });
      } finally {
        await redis?.close().catch(() => {});
        await store.close();
      }
    })()),
  };
}

/** The storage.* fields (all read once, at start) whose value differs between two configs. */
function storageChanges(started: GatewayConfig, next: GatewayConfig, baseDir: string): string[] {
  const a = started.storage ?? {};
  const b = next.storage ?? {};
  const changed = storeUrlOf(started, baseDir) !== storeUrlOf(next, baseDir) ? ['storage.url'] : [];
  for (const field of ['auth_token', 'flush_ms', 'buffer_rows', 'pool_size', 'redis'] as const) {
    if (JSON.stringify(a[field]) !== JSON.stringify(b[field])) changed.push(`storage.${field}`);
  }
  return changed;
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
 * blocks requests; an in-memory database (one connection) is written from this thread. PostgreSQL is
 * written from this thread too: its client does non-blocking I/O and the database works in its own
 * process, so a worker would only add a second pool and a message hop (the batch is serialised once,
 * as the worker path does). Its queue is the outage buffer: refused at buffer_rows, hard cap 2x for rows
 * of requests admitted before the bound was reached.
 */
async function startLedgerSink(store: Store, url: string, config: GatewayConfig, onError: (message: string) => void, warn: (message: string) => void): Promise<LedgerSink> {
  const flushMs = config.storage?.flush_ms ?? 200;
  const maxQueued = 2 * (config.storage?.buffer_rows ?? DEFAULT_BUFFER_ROWS);
  const mainThread = () => new LedgerWriter(store, { flushMs, maxQueued, onError: (err) => onError(String((err as Error)?.message ?? err)) });
  // Benchmarks only (`bun run bench` prices each layer): rows are dropped. Never for a real gateway.
  if (process.env.SWITCHYARD_LEDGER_THREAD === 'discard') {
    warn('SWITCHYARD_LEDGER_THREAD=discard: ledger rows are DROPPED (benchmark mode); unset it for any real use');
    return discardSink();
  }
  if (store.dialect === 'sqlite' && !isMemoryUrl(url) && process.env.SWITCHYARD_LEDGER_THREAD !== 'main') {
    try {
      return await WorkerLedger.start({ url, authToken: config.storage?.auth_token, flushMs, onError, fallback: mainThread });
    } catch (err) {
      onError(`ledger worker did not start (${String((err as Error)?.message ?? err)}); writing from the main thread`);
    }
  }
  return mainThread();
}

/** A sink that drops every row: the bench's "ledger off" stages (SWITCHYARD_LEDGER_THREAD=discard). */
function discardSink(): LedgerSink {
  return { record() {}, flush: async () => {}, close: async () => {}, pending: 0, health: () => ({ pending: 0 }) };
}

/**
 * The pipeline's Ledger over the store's batched writer. A request refused because the ledger buffer is
 * full is not written itself (it cost nothing, and would only grow the backlog it was refused for);
 * metrics and logs still count it.
 */
function ledgerOf(writer: LedgerSink): Ledger {
  return {
    record: (row, attempts) => {
      if (row.errorCode === LEDGER_UNAVAILABLE) return;
      writer.record(toStoreRow(row), attempts.map(toStoreAttempt));
    },
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
    configHash: r.configHash, budgetGroup: r.budgetGroup,
  };
}

function toStoreAttempt(a: AttemptRow): StoreAttemptRow {
  return { n: a.n, provider: a.provider, upstreamModel: a.upstreamModel, status: a.status, errorCode: a.errorCode, latencyMs: a.latencyMs, ts: a.ts };
}
